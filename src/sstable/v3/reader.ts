/**
 * Streaming reader of a 3.x Data.db (ma..me): chunks in, batches of events out (one await per chunk).
 * Each structure (partition header, row, marker, end of partition) is decoded atomically; if the fed
 * bytes end inside it, the cursor rewinds and the next chunk(s) are fed (see cursor.ts).
 */
import { AgentError } from '../../errors.js';
import { Cursor, NEED_MORE } from '../cursor.js';
import type { DataSource } from '../io/data-source.js';
import type { SSTableEvent } from '../model.js';
import type { V3Layout } from './layout.js';
import { readMarker, readRow, UNFILTERED_FLAGS } from './unfiltered.js';

export interface ReadOptions {
  /** uncompressed offset of the first partition to read (must be a partition start); default 0 */
  readonly start?: number;
  /** stop before the first partition that starts at or after this offset; default: the end */
  readonly end?: number;
  readonly signal?: AbortSignal;
  readonly verifyChecksums?: boolean;
}

const enum State { PartitionHeader, StaticRow, Unfiltered }

/**
 * Yields events: partition, [static row], rows and markers, end, for every partition in [start, end).
 * @throws AgentError (E_TRUNCATED, E_BAD_FORMAT, E_CORRUPT_CHUNK ...) naming the file and stream offset
 */
export async function* readV3(source: DataSource, layout: V3Layout, opts: ReadOptions = {}): AsyncGenerator<SSTableEvent[]> {
  const start = opts.start ?? 0;
  const stopAt = Math.min(opts.end ?? source.uncompressedLength, source.uncompressedLength);
  if (start >= stopAt) return;
  const c = new Cursor(source.path);
  const hasStatics = layout.statics.length > 0;
  let state = State.PartitionHeader;
  let started = false;
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let needUpTo = -1;
  const chunkOpts = opts.signal === undefined ? { start, verify: opts.verifyChecksums ?? true } : { start, verify: opts.verifyChecksums ?? true, signal: opts.signal };
  const iterator = source.chunks(chunkOpts)[Symbol.asyncIterator]();
  let done = false;
  try {
    while (!done) {
      const next = await iterator.next();
      if (next.done === true) {
        c.final = true;
      } else {
        const chunk = next.value;
        if (!started) {
          c.base = chunk.offset;
          c.feed([chunk.bytes]);
          c.discardTo(start);
          started = true;
        } else {
          pending.push(chunk.bytes);
          pendingBytes += chunk.bytes.length;
          // A structure larger than a chunk: collect until it fits, then stitch once.
          if (needUpTo >= 0 && c.base + c.end + pendingBytes < needUpTo) continue;
          c.feed(pending);
          pending.length = 0;
          pendingBytes = 0;
        }
      }
      needUpTo = -1;
      const batch: SSTableEvent[] = [];
      for (;;) {
        const mark = c.pos;
        try {
          if (state === State.PartitionHeader) {
            if (c.offset >= stopAt || (c.final && c.remaining === 0)) {
              done = true;
              break;
            }
            const position = c.offset;
            const keyLength = c.u16();
            const key = c.bytes(keyLength);
            const localDeletionTime = c.i32();
            const markedForDeleteAt = c.i64();
            batch.push({ kind: 'partition', key, deletion: { markedForDeleteAt, localDeletionTime }, position });
            state = hasStatics ? State.StaticRow : State.Unfiltered;
          } else if (state === State.StaticRow) {
            const flags = c.u8();
            const ext = (flags & UNFILTERED_FLAGS.EXTENSION_FLAG) !== 0 ? c.u8() : 0;
            if ((ext & UNFILTERED_FLAGS.IS_STATIC) === 0) {
              throw new AgentError('E_BAD_FORMAT', `expected the static row (the header lists static columns), found flags 0x${flags.toString(16)}`, { file: source.path, offset: c.offset });
            }
            const row = readRow(c, layout, flags, true);
            if (layout.staticCompact) batch.push({ ...row, isStatic: false });
            else batch.push(row);
            state = State.Unfiltered;
          } else {
            const flags = c.u8();
            if ((flags & 0x01) !== 0) {
              batch.push({ kind: 'end' });
              state = State.PartitionHeader;
            } else if ((flags & UNFILTERED_FLAGS.IS_MARKER) !== 0) {
              batch.push(readMarker(c, layout));
            } else {
              const ext = (flags & UNFILTERED_FLAGS.EXTENSION_FLAG) !== 0 ? c.u8() : 0;
              const isStatic = (ext & UNFILTERED_FLAGS.IS_STATIC) !== 0;
              if (isStatic) throw new AgentError('E_BAD_FORMAT', 'a static row after the first row of a partition', { file: source.path, offset: c.offset });
              const row = readRow(c, layout, flags, false);
              // Static compact tables: dynamic rows carry no CQL data; readRow rejects live cells in them.
              if (!layout.staticCompact) batch.push(row);
            }
          }
        } catch (e) {
          if (e === NEED_MORE) {
            c.pos = mark;
            needUpTo = NEED_MORE.upTo;
            break;
          }
          if (e instanceof AgentError) throw e.withFile(source.path);
          throw e;
        }
      }
      if (batch.length > 0) yield batch;
      if (c.final && !done) {
        throw new AgentError('E_TRUNCATED', 'Data.db ends inside a partition', { file: source.path, offset: c.offset });
      }
    }
    if (state !== State.PartitionHeader) {
      throw new AgentError('E_TRUNCATED', 'Data.db ends inside a partition', { file: source.path, offset: c.offset });
    }
  } finally {
    await iterator.return?.();
  }
}
