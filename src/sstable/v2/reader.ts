/**
 * Streaming reader of a 2.x Data.db (ka, la, lb): chunks in, batches of events out (one await per chunk),
 * the same events a 3.x reader emits for the same data (src/sstable/model.ts).
 *
 * Each structure (partition header, atom, end of partition) is decoded atomically over the cursor; if the
 * fed bytes end inside it, the cursor rewinds and the next chunk(s) are fed (see cursor.ts). Decoded atoms
 * go to the PartitionProcessor, which never needs more bytes.
 */
import { AgentError } from '../../errors.js';
import type { Cursor } from '../cursor.js';
import { decodeUnits, rangeEnded, type ReadOptions, type UnitDecoder } from '../unit-stream.js';
import type { DataSource } from '../io/data-source.js';
import { NO_DELETION_TIME, NO_TTL, type SSTableEvent } from '../model.js';
import type { V2Layout } from './layout.js';
import { PartitionProcessor } from './partition.js';

// OnDiskAtom / ColumnSerializer masks (§6.2)
const DELETION_MASK = 0x01;
const EXPIRATION_MASK = 0x02;
const COUNTER_MASK = 0x04;
const COUNTER_UPDATE_MASK = 0x08;
const RANGE_TOMBSTONE_MASK = 0x10;
const UNKNOWN_MASK = 0xe0;


const enum State { PartitionHeader, Atoms }

/** Skips an i32-length-prefixed value, returning its length; it starts at c.pos - length afterwards. */
function skip32(c: Cursor): number {
  const n = c.i32();
  if (n < 0) throw new AgentError('E_BAD_FORMAT', `negative value length ${n}`, { file: c.file, offset: c.offset - 4 });
  c.skip(n);
  return n;
}

/**
 * Decodes one atom (after its name) and hands it to the processor. All reads happen before the processor
 * is called, so a NEED_MORE leaves the processor untouched.
 */
function readAtom(c: Cursor, p: PartitionProcessor, batch: SSTableEvent[], nameLength: number, offset: number): void {
  const ns = c.pos;
  c.skip(nameLength);
  const ne = c.pos;
  const mask = c.u8();
  if ((mask & UNKNOWN_MASK) !== 0) {
    throw new AgentError('E_BAD_FORMAT', `unknown atom mask 0x${mask.toString(16)}`, { file: c.file, offset });
  }
  if ((mask & RANGE_TOMBSTONE_MASK) !== 0) {
    const max = c.bytes(c.u16());
    const localDeletionTime = c.i32();
    const markedForDeleteAt = c.i64();
    p.tombstone(batch, c.buf.subarray(ns, ne), max, { markedForDeleteAt, localDeletionTime }, offset);
    return;
  }
  if ((mask & COUNTER_MASK) !== 0) {
    const lastDelete = c.i64();
    const ts = c.i64();
    const vLen = skip32(c);
    p.cell(batch, c.buf, ns, ne, ts, NO_TTL, NO_DELETION_TIME, c.pos - vLen, vLen, lastDelete, offset);
    return;
  }
  if ((mask & EXPIRATION_MASK) !== 0) {
    const ttl = c.i32();
    const expiration = c.i32();
    const ts = c.i64();
    const vLen = skip32(c);
    p.cell(batch, c.buf, ns, ne, ts, ttl, expiration, c.pos - vLen, vLen, null, offset);
    return;
  }
  const ts = c.i64();
  const vLen = skip32(c);
  const vOff = c.pos - vLen;
  if ((mask & COUNTER_UPDATE_MASK) !== 0) {
    throw new AgentError('E_BAD_FORMAT', 'a counter update cell (memtable-only) in an sstable', { file: c.file, offset });
  }
  if ((mask & DELETION_MASK) !== 0) {
    if (vLen !== 4) throw new AgentError('E_BAD_FORMAT', `deleted cell with a ${vLen}-byte value (4 expected: its local deletion time)`, { file: c.file, offset });
    const b = c.buf;
    const ldt = (((b[vOff] as number) << 24) | ((b[vOff + 1] as number) << 16) | ((b[vOff + 2] as number) << 8) | (b[vOff + 3] as number)) | 0;
    p.cell(batch, c.buf, ns, ne, ts, NO_TTL, ldt, vOff, 0, null, offset);
    return;
  }
  p.cell(batch, c.buf, ns, ne, ts, NO_TTL, NO_DELETION_TIME, vOff, vLen, null, offset);
}

/** One 2.x structure at a time (§6.1, §6.2); see unit-stream.ts for the contract. */
class V2Units implements UnitDecoder {
  private state = State.PartitionHeader;
  private readonly proc: PartitionProcessor;

  constructor(layout: V2Layout) {
    this.proc = new PartitionProcessor(layout);
  }

  insidePartition(): boolean {
    return this.state !== State.PartitionHeader;
  }

  step(c: Cursor, batch: SSTableEvent[], stopAt: number): boolean {
    if (this.state === State.PartitionHeader) {
      if (rangeEnded(c, stopAt)) return false;
      const position = c.offset;
      const key = c.bytes(c.u16());
      const localDeletionTime = c.i32();
      const markedForDeleteAt = c.i64();
      batch.push({ kind: 'partition', key, deletion: { markedForDeleteAt, localDeletionTime }, position });
      this.proc.begin();
      this.state = State.Atoms;
      return true;
    }
    const offset = c.offset;
    const nameLength = c.u16();
    if (nameLength === 0) {
      this.proc.end(batch);
      this.state = State.PartitionHeader;
    } else {
      readAtom(c, this.proc, batch, nameLength, offset);
    }
    return true;
  }
}

/**
 * Yields events: partition, [static row], rows and markers, end, for every partition in [start, end).
 * @throws AgentError E_TRUNCATED, E_BAD_FORMAT, E_CORRUPT_CHUNK (from the source), E_SCHEMA (cells of columns
 *   the schema has not) naming the file and stream offset
 */
export function readV2(source: DataSource, layout: V2Layout, opts: ReadOptions = {}): AsyncGenerator<SSTableEvent[]> {
  return decodeUnits(source, new V2Units(layout), opts);
}
