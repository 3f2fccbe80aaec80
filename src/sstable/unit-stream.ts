/**
 * The chunk-feeding driver shared by the 3.x and 2.x Data.db readers: decompressed chunks in, batches of
 * events out, one await per chunk and a batch per MAX_BATCH outputs. A format reader supplies `step`,
 * which decodes ONE structure (partition header, row, marker, atom...) at the cursor and pushes its
 * events. When the fed bytes end inside it, the cursor throws NEED_MORE: the driver rewinds the cursor
 * to the structure's start, drops the events it pushed, feeds more chunks (all those a structure larger
 * than a chunk needs, stitched once) and calls `step` again. So `step` must only change its own state
 * once nothing more can throw NEED_MORE, which the readers ensure by reading every byte of a structure
 * before acting on it.
 */
import { AgentError } from '../errors.js';
import { Cursor, NEED_MORE } from './cursor.js';
import type { DataChunk, DataSource } from './io/data-source.js';
import type { SSTableEvent } from './model.js';

export interface ReadOptions {
  /** uncompressed offset of the first partition to read (must be a partition start); default 0 */
  readonly start?: number;
  /** stop before the first partition that starts at or after this offset; default: the end */
  readonly end?: number;
  readonly signal?: AbortSignal;
  readonly verifyChecksums?: boolean;
}

/** T: what a structure decodes to (events for the readers; CQL rows for a fused single-source decoder). */
export interface UnitDecoder<T = SSTableEvent> {
  /**
   * Decodes one structure at c.pos, pushing its output. Returns false, consuming nothing, when at a
   * partition boundary at or after `stopAt` or at the end of the data.
   */
  step(c: Cursor, batch: T[], stopAt: number): boolean;
  /** true between a partition's start and its end */
  insidePartition(): boolean;
}

/**
 * A structure straddling two chunks is decoded in a copy of the first chunk's unread tail and this many
 * bytes of the next chunk, not in a copy of the whole next chunk: in formats whose structures rarely
 * end at a chunk end (2.x atoms), copying every chunk cost a few percent of decoding.
 */
const BRIDGE_BYTES = 4096;

/**
 * Batch size: a chunk's outputs (rows or events) leave in batches, cut between structures once they
 * hold this many (a structure's outputs are never split). A batch stays alive until its consumer is
 * done with it, and one whole chunk's rows (about 330 rows, 0.4 MB of objects on the bench file) were
 * what every minor GC found alive and copied, and then promoted to the old generation often enough to
 * start a major GC every second. In batches of 128, a 1-worker read of the bench file copies 52 MB
 * instead of 183 MB in its minor GCs, promotes half as much and runs half the major GCs
 * (docs/extract.md, "Session 7"). A yield costs far less than that and, at 128 rows, is still no
 * per-cell await.
 */
export const MAX_BATCH = 128;

const NO_CHUNK = new Uint8Array(0);

/** At a partition boundary: has the range (or the data) ended? */
export function rangeEnded(c: Cursor, stopAt: number): boolean {
  return c.offset >= stopAt || (c.final && c.remaining === 0);
}

/**
 * @throws AgentError E_TRUNCATED when the data ends inside a partition, and whatever `step` or the
 *   source throws, with the Data.db file named
 */
export async function* decodeUnits<T = SSTableEvent>(source: DataSource, decoder: UnitDecoder<T>, opts: ReadOptions = {}): AsyncGenerator<T[]> {
  const start = opts.start ?? 0;
  const stopAt = Math.min(opts.end ?? source.uncompressedLength, source.uncompressedLength);
  if (start >= stopAt) return;
  const verify = opts.verifyChecksums ?? true;
  const chunkOpts = opts.signal === undefined ? { start, verify } : { start, verify, signal: opts.signal };
  const iterator = source.chunks(chunkOpts)[Symbol.asyncIterator]();
  // The cursor is made and the chunk iterator closed here, not in the decoding loop's own function:
  // that loop is what V8 optimises while the first range runs, and its optimised code is discarded
  // (and compiled again, once per isolate) when it reaches a property access or a call it had not
  // made before being optimised: `iterator.return`, first made at the end of the first range, or
  // anything before the loop, run again when the next range starts (even making an array literal).
  // One more generator costs a few promise steps per batch.
  const c = new Cursor(source.path);
  try {
    const first = await iterator.next();
    if (first.done === true) c.final = true;
    else {
      c.base = first.value.offset;
      c.feed([first.value.bytes]);
      c.discardTo(start);
    }
    // the chunks that a structure larger than a chunk needs, collected: made an array of objects at
    // once (an empty literal is an array of small integers until its first push, which the loop,
    // having seen only arrays of objects, would take for a new kind of array)
    const pending: Uint8Array[] = [NO_CHUNK];
    pending.length = 0;
    yield* decodeChunks(c, decoder, iterator, stopAt, pending);
  } finally {
    await iterator.return?.();
  }
}

/**
 * decodeUnits' loop, from the first chunk on (fed by decodeUnits): decode what is fed, then feed more.
 * Before the loop, only constants and a closure (see decodeUnits).
 */
async function* decodeChunks<T>(c: Cursor, decoder: UnitDecoder<T>, iterator: AsyncIterator<DataChunk>, stopAt: number, pending: Uint8Array[]): AsyncGenerator<T[]> {
  let pendingBytes = 0;
  /** the chunk whose first BRIDGE_BYTES were fed behind the previous chunk's unread tail of bridgeTail bytes */
  let bridge: Uint8Array | null = null;
  let bridgeTail = 0;
  let needUpTo = -1;
  let done = false;
  /** whether the data read so far ends inside a partition */
  let inside = false;
  const truncated = (): AgentError => new AgentError('E_TRUNCATED', 'Data.db ends inside a partition', { file: c.file, offset: c.offset });
  for (;;) {
    needUpTo = -1;
    let batch: T[] = [];
    for (;;) {
      if (batch.length >= MAX_BATCH) {
        yield batch;
        batch = [];
      }
      if (bridge !== null && c.pos >= bridgeTail) {
        c.adopt(bridge, c.pos - bridgeTail);
        bridge = null;
      }
      const mark = c.pos;
      const before = batch.length;
      try {
        if (!decoder.step(c, batch, stopAt)) {
          done = true;
          break;
        }
      } catch (e) {
        if (e === NEED_MORE) {
          c.pos = mark;
          batch.length = before;
          if (bridge !== null) {
            // larger than the copied bytes: stitch the rest of the chunk on, as without a bridge
            c.feed([bridge.subarray(BRIDGE_BYTES)]);
            bridge = null;
            continue;
          }
          needUpTo = NEED_MORE.upTo;
          break;
        }
        if (e instanceof AgentError) throw e.withFile(c.file);
        throw e;
      }
    }
    if (batch.length > 0) yield batch;
    // asked after every chunk, not once after the loop: a call first made at the end of the first
    // range would discard the optimised loop that each later range runs (see Cursor.need)
    inside = decoder.insidePartition();
    if (done) break;
    if (c.final) throw truncated();
    // the next chunk, or as many as the structure that did not fit needs
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        c.final = true;
        break;
      }
      const chunk = next.value;
      pending.push(chunk.bytes);
      pendingBytes += chunk.bytes.length;
      // A structure larger than a chunk: collect until it fits, then stitch once.
      if (needUpTo >= 0 && c.base + c.end + pendingBytes < needUpTo) continue;
      const tail = c.remaining;
      const bridged = pending.length === 1 && tail > 0 && tail < BRIDGE_BYTES && chunk.bytes.length > 2 * BRIDGE_BYTES;
      if (bridged) {
        // The structure straddling the two chunks is decoded in a copy of the tail and the chunk's
        // first bytes; decoding then goes on in the chunk itself (Cursor.adopt), uncopied.
        bridge = chunk.bytes;
        bridgeTail = tail;
      }
      // one call for both cases: the unbridged one is rare, and optimised code that reaches a call
      // never made before is discarded (see Cursor.need)
      c.feed(bridged ? [chunk.bytes.subarray(0, BRIDGE_BYTES)] : pending);
      pending.length = 0;
      pendingBytes = 0;
      break;
    }
  }
  if (inside) throw truncated();
}
