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
import { LIVE, NO_DELETION_TIME, NO_TTL, type DeletionTime, type SSTableEvent } from '../model.js';
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

/** Big-endian i32 at buf[q]. */
function i32At(b: Uint8Array, q: number): number {
  return (((b[q] as number) << 24) | ((b[q + 1] as number) << 16) | ((b[q + 2] as number) << 8) | (b[q + 3] as number)) | 0;
}

/** An i64 is made a bigint by loading it from here: compiled inline, where BigInt(number) is a runtime call. */
const I64_SCRATCH = new BigInt64Array(1);
const I64_BYTES = new Uint8Array(I64_SCRATCH.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The last i64 decoded and its bigint. The cells of one row (one INSERT) usually share a timestamp, and
 * every bigint is a heap allocation: reusing the previous one when the bytes repeat saves most of them.
 */
class I64Cache {
  private hi = 0;
  private lo = 0;
  private v = 0n;

  read(b: Uint8Array, q: number): bigint {
    const hi = i32At(b, q);
    const lo = i32At(b, q + 4);
    if (hi === this.hi && lo === this.lo) return this.v;
    this.hi = hi;
    this.lo = lo;
    const s = I64_BYTES;
    if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) s[i] = b[q + 7 - i] as number;
    else for (let i = 0; i < 8; i++) s[i] = b[q + i] as number;
    return (this.v = I64_SCRATCH[0] as bigint);
  }
}

/** The last range-tombstone deletion, shared while it repeats (collection tombstones of one row). */
class DeletionCache {
  private readonly mfda = new I64Cache();
  private del: DeletionTime = LIVE;

  read(b: Uint8Array, ldtAt: number, mfdaAt: number): DeletionTime {
    const markedForDeleteAt = this.mfda.read(b, mfdaAt);
    const localDeletionTime = i32At(b, ldtAt);
    const d = this.del;
    if (d.markedForDeleteAt === markedForDeleteAt && d.localDeletionTime === localDeletionTime) return d;
    return (this.del = { markedForDeleteAt, localDeletionTime });
  }
}

/** What readAtom did. */
const enum Atom { NotFed, Done, PartitionEnd }

/**
 * The atom at `at` needs bytes [from, from + n) and they are not all fed. Hard: the cursor throws (NEED_MORE,
 * or E_TRUNCATED after the last chunk). Soft: the cursor stays at the atom and NotFed is returned.
 */
function notFed(c: Cursor, at: number, from: number, n: number, hard: boolean): Atom {
  if (hard) {
    c.pos = from;
    c.need(n);
  }
  c.pos = at;
  return Atom.NotFed;
}

/**
 * Decodes one atom, or the end of the partition, at c.pos and hands it to the processor. Every byte is
 * bounds-checked before the processor is called, so a missing byte leaves the processor untouched (see
 * notFed for `hard`).
 */
function readAtom(c: Cursor, u: V2Units, batch: SSTableEvent[], hard: boolean): Atom {
  const at = c.pos;
  const end = c.end;
  const b = c.buf;
  const offset = c.base + at;
  if (at + 2 > end) return notFed(c, at, at, 2, hard);
  const nameLength = ((b[at] as number) << 8) | (b[at + 1] as number);
  if (nameLength === 0) {
    c.pos = at + 2;
    u.proc.end(batch);
    return Atom.PartitionEnd;
  }
  const ns = at + 2;
  const ne = ns + nameLength;
  if (ne + 1 > end) return notFed(c, at, ns, nameLength + 1, hard);
  const mask = b[ne] as number;
  let q = ne + 1;
  if ((mask & UNKNOWN_MASK) !== 0) {
    throw new AgentError('E_BAD_FORMAT', `unknown atom mask 0x${mask.toString(16)}`, { file: c.file, offset });
  }
  if ((mask & RANGE_TOMBSTONE_MASK) !== 0) {
    if (q + 2 > end) return notFed(c, at, q, 2, hard);
    const xs = q + 2;
    const xe = xs + (((b[q] as number) << 8) | (b[q + 1] as number));
    if (xe + 12 > end) return notFed(c, at, q, xe + 12 - q, hard);
    c.pos = xe + 12;
    u.proc.tombstone(batch, b, ns, ne, xs, xe, u.dels.read(b, xe, xe + 4), offset);
    return Atom.Done;
  }
  let lastDelete: bigint | null = null;
  let ttl = NO_TTL;
  let ldt = NO_DELETION_TIME;
  if ((mask & (COUNTER_MASK | EXPIRATION_MASK)) !== 0) {
    if (q + 8 > end) return notFed(c, at, q, 8, hard);
    if ((mask & COUNTER_MASK) !== 0) lastDelete = u.lastDeletes.read(b, q);
    else {
      ttl = i32At(b, q);
      ldt = i32At(b, q + 4);
    }
    q += 8;
  }
  if (q + 12 > end) return notFed(c, at, q, 12, hard);
  const vLen = i32At(b, q + 8);
  if (vLen < 0) throw new AgentError('E_BAD_FORMAT', `negative value length ${vLen}`, { file: c.file, offset: c.base + q + 8 });
  const vOff = q + 12;
  if (vOff + vLen > end) return notFed(c, at, vOff, vLen, hard);
  c.pos = vOff + vLen;
  const ts = u.timestamps.read(b, q);
  if ((mask & (COUNTER_MASK | EXPIRATION_MASK)) === 0) {
    if ((mask & COUNTER_UPDATE_MASK) !== 0) {
      throw new AgentError('E_BAD_FORMAT', 'a counter update cell (memtable-only) in an sstable', { file: c.file, offset });
    }
    if ((mask & DELETION_MASK) !== 0) {
      if (vLen !== 4) throw new AgentError('E_BAD_FORMAT', `deleted cell with a ${vLen}-byte value (4 expected: its local deletion time)`, { file: c.file, offset });
      u.proc.cell(batch, b, ns, ne, ts, NO_TTL, i32At(b, vOff), vOff, 0, null, offset);
      return Atom.Done;
    }
  }
  const p = u.proc;
  if (!p.cellInRow(b, ns, ne, ts, ttl, ldt, vOff, vLen, lastDelete)) p.anyCell(batch, b, ns, ne, ts, ttl, ldt, vOff, vLen, lastDelete, offset);
  return Atom.Done;
}

/**
 * 2.x structures (§6.1, §6.2); see unit-stream.ts for the contract. A step decodes a partition header, or
 * a run of atoms: the first one may need more bytes (the cursor throws before anything changed), the
 * others are only decoded when wholly fed, so a step never throws NEED_MORE after acting.
 */
export class V2Units implements UnitDecoder {
  private state = State.PartitionHeader;
  readonly proc: PartitionProcessor;
  readonly timestamps = new I64Cache();
  readonly lastDeletes = new I64Cache();
  readonly dels = new DeletionCache();

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
    let r = readAtom(c, this, batch, true);
    while (r === Atom.Done) r = readAtom(c, this, batch, false);
    if (r === Atom.PartitionEnd) this.state = State.PartitionHeader;
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
