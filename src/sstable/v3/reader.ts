/**
 * Streaming reader of a 3.x Data.db (ma..me): chunks in, batches of events out (one await per chunk).
 * Each structure (partition header, row, marker, end of partition) is decoded atomically; if the fed
 * bytes end inside it, the cursor rewinds and the next chunk(s) are fed (see cursor.ts).
 */
import { AgentError } from '../../errors.js';
import type { Cursor } from '../cursor.js';
import { decodeUnits, rangeEnded, type ReadOptions, type UnitDecoder } from '../unit-stream.js';
import type { DataSource } from '../io/data-source.js';
import type { SSTableEvent } from '../model.js';
import type { V3Layout } from './layout.js';
import { END_OF_PARTITION, EXTENSION_FLAG, IS_MARKER, IS_STATIC } from './flags.js';
import { readMarker, readRow } from './unfiltered.js';

export type { ReadOptions } from '../unit-stream.js';

const enum State { PartitionHeader, StaticRow, Unfiltered }

/** One 3.x structure at a time (§5.3-§5.9); see unit-stream.ts for the contract. */
class V3Units implements UnitDecoder {
  private state = State.PartitionHeader;
  private readonly hasStatics: boolean;

  constructor(private readonly layout: V3Layout) {
    this.hasStatics = layout.statics.length > 0;
  }

  insidePartition(): boolean {
    return this.state !== State.PartitionHeader;
  }

  step(c: Cursor, batch: SSTableEvent[], stopAt: number): boolean {
    const layout = this.layout;
    if (this.state === State.PartitionHeader) {
      if (rangeEnded(c, stopAt)) return false;
      const position = c.offset;
      const keyLength = c.u16();
      const key = c.bytes(keyLength);
      const localDeletionTime = c.i32();
      const markedForDeleteAt = c.i64();
      batch.push({ kind: 'partition', key, deletion: { markedForDeleteAt, localDeletionTime }, position });
      this.state = this.hasStatics ? State.StaticRow : State.Unfiltered;
    } else if (this.state === State.StaticRow) {
      const flags = c.u8();
      const ext = (flags & EXTENSION_FLAG) !== 0 ? c.u8() : 0;
      if ((ext & IS_STATIC) === 0) {
        throw new AgentError('E_BAD_FORMAT', `expected the static row (the header lists static columns), found flags 0x${flags.toString(16)}`, { file: c.file, offset: c.offset });
      }
      const row = readRow(c, layout, flags, true);
      // Static compact tables (CompactTables): the static row is the partition's one CQL row.
      batch.push(layout.staticCompact ? { ...row, isStatic: false } : row);
      this.state = State.Unfiltered;
    } else {
      const flags = c.u8();
      if ((flags & END_OF_PARTITION) !== 0) {
        batch.push({ kind: 'end' });
        this.state = State.PartitionHeader;
      } else if ((flags & IS_MARKER) !== 0) {
        batch.push(readMarker(c, layout));
      } else {
        const ext = (flags & EXTENSION_FLAG) !== 0 ? c.u8() : 0;
        if ((ext & IS_STATIC) !== 0) throw new AgentError('E_BAD_FORMAT', 'a static row after the first row of a partition', { file: c.file, offset: c.offset });
        const row = readRow(c, layout, flags, false);
        // Static compact tables: dynamic rows carry no CQL data; readRow rejects live cells in them.
        if (!layout.staticCompact) batch.push(row);
      }
    }
    return true;
  }
}

/**
 * Yields events: partition, [static row], rows and markers, end, for every partition in [start, end).
 * @throws AgentError (E_TRUNCATED, E_BAD_FORMAT, E_CORRUPT_CHUNK ...) naming the file and stream offset
 */
export function readV3(source: DataSource, layout: V3Layout, opts: ReadOptions = {}): AsyncGenerator<SSTableEvent[]> {
  return decodeUnits(source, new V3Units(layout), opts);
}
