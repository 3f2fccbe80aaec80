/**
 * Per-node read bandwidth limit, so that reading a production node's disks (over sshfs) does not starve
 * the node: a token bucket shared by every Data.db read of one node, charged with the ON-DISK bytes of
 * each chunk (compressed size + checksum, from CompressionInfo.db), before the chunk is handed on.
 *
 * Why delaying delivery limits reads: a DataSource prefetches at most one read batch (READ_BATCH_BYTES)
 * ahead of its consumer, so holding chunks back holds the next read() back; the reading rate exceeds
 * the limit by at most one batch per open iteration. Index.db and Summary.db reads are not charged (a
 * small fraction of Data.db).
 *
 * The bucket is per thread: parallel.ts gives each worker limit / workers, so the sum stays within the
 * limit.
 */
import { setTimeout as sleepMs } from 'node:timers/promises';
import { AgentError } from '../errors.js';
import { dataChunkLayout, type ChunkOptions, type DataChunk, type DataSource } from '../sstable/io/data-source.js';
import type { OpenedSSTable } from '../sstable/table.js';

export interface Clock {
  /** milliseconds, monotonic */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleepMs(ms, undefined, signal === undefined ? {} : { signal }),
};

export interface BucketOptions {
  /** bytes that may pass at once after an idle period; default one second's worth */
  readonly burstBytes?: number;
  readonly clock?: Clock;
}

/** 1 MB = 10^6 bytes, as the MB/s of the settings and of the benchmark. */
export function mbpsToBytesPerSecond(mbps: number): number {
  if (!(mbps > 0) || !Number.isFinite(mbps)) throw new AgentError('E_BAD_ARGUMENT', `a bandwidth limit must be a positive number of MB/s, got ${mbps}`);
  return mbps * 1e6;
}

/**
 * Token bucket that lets callers go into debt: take(n) always succeeds, then waits until the debt is
 * paid back at the configured rate, so a chunk larger than the burst still passes, and concurrent
 * takers are served at the combined rate.
 */
export class TokenBucket {
  private available: number;
  private last: number;
  private readonly burst: number;
  private readonly clock: Clock;

  constructor(readonly bytesPerSecond: number, opts: BucketOptions = {}) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) throw new AgentError('E_BAD_ARGUMENT', `a bandwidth limit must be positive, got ${bytesPerSecond} bytes/s`);
    this.clock = opts.clock ?? realClock;
    this.burst = opts.burstBytes ?? bytesPerSecond;
    this.available = this.burst;
    this.last = this.clock.now();
  }

  /** Charges `bytes`; resolves when they are paid for. Rejects with the signal's reason on abort. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    this.available = Math.min(this.burst, this.available + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    this.available -= bytes;
    if (this.available < 0) await this.clock.sleep((-this.available * 1000) / this.bytesPerSecond, signal);
  }
}

/** On-disk cost of a chunk, by its index. */
export type ChunkCost = (chunk: DataChunk) => number;

/** A DataSource whose chunks are delivered only after their cost is paid to `bucket`. */
export function throttledDataSource(source: DataSource, bucket: TokenBucket, cost: ChunkCost = (c) => c.bytes.length): DataSource {
  return tappedDataSource(source, (chunk, signal) => bucket.take(cost(chunk), signal));
}

/** A DataSource that reports the cost (on-disk bytes) of each chunk it delivers, for progress. */
export function meteredDataSource(source: DataSource, cost: ChunkCost, onBytes: (n: number) => void): DataSource {
  return tappedDataSource(source, (chunk) => onBytes(cost(chunk)));
}

type Tap = (chunk: DataChunk, signal?: AbortSignal) => Promise<void> | void;

/**
 * The chunks of `source`, each delivered after `tap`. One generator function for every tapped source:
 * a generator declared per source gave each its own generator map, and the decoder's optimised code,
 * which awaits these generators, was thrown away (deoptimised on "wrong map") at each new source.
 */
async function* tapped(source: DataSource, tap: Tap, opts: ChunkOptions): AsyncGenerator<DataChunk> {
  for await (const chunk of source.chunks(opts)) {
    await tap(chunk, opts.signal);
    yield chunk;
  }
}

/**
 * `source` with `tap` awaited before each chunk is delivered. A class, and `chunks` returns the
 * generator itself, so that the decoder's calls (`chunks`, then its async iterator) have one target
 * for every tapped source and range: closures made per source and per call were new targets, and V8
 * threw the decoder's optimised code away (deoptimised on "wrong call target") on meeting one.
 */
class TappedDataSource implements DataSource {
  readonly path: string;
  readonly uncompressedLength: number;
  readonly compressor: DataSource['compressor'];
  readonly chunkLength: number;

  constructor(private readonly source: DataSource, private readonly tap: Tap) {
    this.path = source.path;
    this.uncompressedLength = source.uncompressedLength;
    this.compressor = source.compressor;
    this.chunkLength = source.chunkLength;
  }

  chunks(opts: ChunkOptions = {}): AsyncIterable<DataChunk> {
    return tapped(this.source, this.tap, opts);
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

function tappedDataSource(source: DataSource, tap: Tap): DataSource {
  return new TappedDataSource(source, tap);
}

/**
 * The on-disk bytes of each chunk of an SSTable's Data.db, from the chunk layout its data source
 * read at open (never the files again: they may be gone, data-source.ts), or the chunk's own length.
 */
export async function onDiskChunkCost(t: OpenedSSTable): Promise<ChunkCost> {
  const layout = dataChunkLayout(t.data);
  if (layout === null) return (c) => c.bytes.length;
  return (c) => Math.max(0, layout.fileEnd(c.index) - layout.fileStart(c.index));
}

/** The same SSTable, its Data.db reads charged to `bucket` (one bucket per node). */
export async function throttleSSTable(t: OpenedSSTable, bucket: TokenBucket): Promise<OpenedSSTable> {
  return { ...t, data: throttledDataSource(t.data, bucket, await onDiskChunkCost(t)) };
}

