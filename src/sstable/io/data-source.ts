/**
 * The uncompressed byte stream of Data.db, delivered chunk by chunk with every checksum verified (§3).
 *
 * Pinning: Data.db is opened once, by openDataSource, and every iteration reads that one handle with
 * positional reads until close(). A live node's compaction may unlink the file at any moment; an open
 * descriptor keeps an unlinked file readable (POSIX; through sshfs the sftp server holds the remote
 * descriptor), so a source opened before compaction still delivers the whole file, never part of it.
 *
 * Ownership: every DataChunk.bytes is a buffer of its own that this module never writes again, so
 * consumers may keep views into it for as long as they like; a view keeps one chunk alive. Memory per
 * active iteration: two read batches (READ_BATCH_BYTES each) plus the chunks the consumer still holds.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { AgentError, isAgentError } from '../../errors.js';
import { checksumFunction } from './checksum.js';
import {
  chunkDataLength, chunkRange, compressedLayout, planBatches, plainLayout, validateCompressedLayout,
  type ChunkLayout, type ReadBatch,
} from './chunk-plan.js';
import { parseCompressionInfo } from './compression-info.js';
import { mapFsError, readComponent, readToc } from './components.js';
import { decompressorFor, type Decompressor } from './decompress.js';
import { chunkChecksumAlgorithm, type SSTableDescriptor } from './descriptor.js';

export interface DataChunk {
  readonly bytes: Uint8Array;
  /** uncompressed offset of bytes[0] */
  readonly offset: number;
  readonly index: number;
}

export interface ChunkOptions {
  /** uncompressed range [start, end); defaults to the whole stream; `end` is clamped to the length */
  start?: number;
  end?: number;
  /** verify chunk checksums (default true) */
  verify?: boolean;
  signal?: AbortSignal;
  /**
   * The consumer is done with a chunk's bytes once it asks for the next chunk (it copies them): the
   * source may then decompress a later chunk into the same memory instead of a new buffer (fresh
   * buffers cost their page faults: about 40 ms for the 131 MB of the bench file). Default false.
   */
  reuse?: boolean;
}

export interface DataSource {
  readonly path: string;
  readonly uncompressedLength: number;
  /** simple compressor class name; null = uncompressed */
  readonly compressor: string | null;
  /** compression chunk length, or the CRC.db chunk size (64 KiB default) for uncompressed files */
  readonly chunkLength: number;
  /**
   * Chunks in order, covering [start, end) with whole chunks. Each call is one iteration: what it
   * returns is iterated once (the implementations return their generator). Iterations (any number,
   * concurrent ones included) share the Data.db handle opened by openDataSource; none opens the path
   * again.
   */
  chunks(opts?: ChunkOptions): AsyncIterable<DataChunk>;
  /** Closes the Data.db handle (after reads in flight land); iterations still running and later chunks() calls throw. Idempotent. */
  close(): Promise<void>;
}

/** CRC.db default chunk size (ChecksumWriter / DataIntegrityMetadata: 64 KiB). */
const DEFAULT_PLAIN_CHUNK = 65536;

interface Plan {
  readonly layout: ChunkLayout;
  readonly decompress: Decompressor | null;
  /** per-chunk checksums from CRC.db (uncompressed files only), else null */
  readonly crcs: Uint32Array | null;
  readonly checksum: (data: Uint8Array, initial?: number) => number;
}

/**
 * Opens Data.db of an sstable and keeps the handle until close(): reads CompressionInfo.db or CRC.db
 * whole and checks the chunk layout against the size of the opened file.
 * @throws AgentError E_MISSING_COMPONENT (Data.db or a component it needs is absent; an ENOENT from the
 *   file system is kept as the cause), E_IO, E_UNSUPPORTED_COMPRESSOR, E_TRUNCATED, E_BAD_FORMAT
 */
export async function openDataSource(desc: SSTableDescriptor): Promise<DataSource> {
  const path = desc.dataPath;
  const toc = await readToc(desc);
  if (!desc.components.has('CompressionInfo.db') && toc !== null && toc.has('CompressionInfo.db')) {
    throw new AgentError('E_MISSING_COMPONENT', 'TOC.txt lists CompressionInfo.db but the file is absent; Data.db cannot be decompressed without it', { file: desc.componentPath('CompressionInfo.db') });
  }
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw mapFsError(e, path, 'Data.db');
  }
  try {
    return new FileDataSource(path, fh, await planFor(desc, fh, path));
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

async function planFor(desc: SSTableDescriptor, fh: FileHandle, path: string): Promise<{ plan: Plan; compressor: string | null }> {
  let fileLength: number;
  try {
    fileLength = (await fh.stat()).size;
  } catch (e) {
    throw mapFsError(e, path, 'Data.db');
  }
  const checksum = checksumFunction(chunkChecksumAlgorithm(desc.version));
  let plan: Plan;
  let compressor: string | null = null;
  if (desc.components.has('CompressionInfo.db')) {
    const ciFile = desc.componentPath('CompressionInfo.db');
    const info = parseCompressionInfo(await readComponent(desc, 'CompressionInfo.db'), ciFile);
    const decompress = await decompressorFor(info.compressor);
    if (decompress === null) {
      throw new AgentError('E_UNSUPPORTED_COMPRESSOR', `Data.db is compressed with '${info.compressor}' (per ${ciFile}), which this build cannot decompress (no binding installed for it)`, { file: path });
    }
    const layout = compressedLayout(info.chunkOffsets, info.chunkLength, info.dataLength, fileLength);
    validateCompressedLayout(layout, fileLength, path);
    compressor = info.compressor;
    plan = { layout, decompress, crcs: null, checksum };
  } else {
    // A listed CRC.db that vanished is an error, not a silent loss of verification.
    const crcBytes = desc.components.has('CRC.db') ? await readComponent(desc, 'CRC.db') : null;
    if (crcBytes === null) {
      plan = { layout: plainLayout(DEFAULT_PLAIN_CHUNK, fileLength), decompress: null, crcs: null, checksum };
    } else {
      plan = plainPlanFromCrc(crcBytes, desc.componentPath('CRC.db'), path, fileLength, checksum);
    }
  }
  return { plan, compressor };
}

/**
 * Where each chunk of a source made by openDataSource lies in Data.db (its on-disk bytes, e.g. for
 * bandwidth accounting), known since open, so no component is read again; null for other DataSources.
 */
export function dataChunkLayout(source: DataSource): ChunkLayout | null {
  return source instanceof FileDataSource ? source.layout : null;
}

/** CRC.db: i32 chunk size, then one u32 per chunk of Data.db (§1.2). */
function plainPlanFromCrc(bytes: Uint8Array, crcFile: string, path: string, fileLength: number, checksum: Plan['checksum']): Plan {
  if (bytes.length < 4) throw new AgentError('E_TRUNCATED', `CRC.db has ${bytes.length} bytes, too few for its chunk size`, { file: crcFile, offset: 0 });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkSize = view.getInt32(0);
  if (chunkSize <= 0) throw new AgentError('E_BAD_FORMAT', `CRC.db chunk size must be positive, found ${chunkSize}`, { file: crcFile, offset: 0 });
  const layout = plainLayout(chunkSize, fileLength);
  const stored = Math.floor((bytes.length - 4) / 4);
  // Trailing entries equal to the checksum of nothing come from a final flush of an empty buffer
  // (ChecksummedSequentialWriter); anything else beyond the data means Data.db lost bytes.
  const empty = checksum(new Uint8Array(0));
  let extraOk = true;
  for (let i = layout.count; i < stored; i++) if (view.getUint32(4 + i * 4) !== empty) extraOk = false;
  if (stored > layout.count && !extraOk) {
    throw new AgentError('E_TRUNCATED', `CRC.db holds checksums for ${stored} chunks of ${chunkSize} bytes, but Data.db (${fileLength} bytes) ends inside chunk ${layout.count}`, { file: path, chunk: layout.count, offset: fileLength });
  }
  if (stored < layout.count || (bytes.length - 4) % 4 !== 0) {
    throw new AgentError('E_TRUNCATED', `CRC.db holds ${stored} checksums, Data.db has ${layout.count} chunks of ${chunkSize} bytes`, { file: crcFile, offset: bytes.length });
  }
  const crcs = new Uint32Array(layout.count);
  for (let i = 0; i < layout.count; i++) crcs[i] = view.getUint32(4 + i * 4);
  return { layout, decompress: null, crcs, checksum };
}

type Settled = AgentError | null;
/** One batch being read: a single buffer holding all its chunks (compressed) or one buffer per chunk (plain). */
interface InFlight {
  readonly bufs: Uint8Array[];
  readonly done: Promise<Settled>;
}

/**
 * Fills `bufs` (consecutive file bytes from `position`) with one readv() in the common case, looping over
 * short reads (network file systems return them). Resolves to the error instead of rejecting, so a
 * prefetch that fails while the consumer is busy never becomes an unhandled rejection.
 */
async function readFully(fh: FileHandle, bufs: Uint8Array[], position: number, path: string, batch: ReadBatch): Promise<Settled> {
  let idx = 0;
  let inner = 0;
  let pos = position;
  try {
    while (idx < bufs.length) {
      const head = (bufs[idx] as Uint8Array).subarray(inner);
      const { bytesRead } = await fh.readv([head, ...bufs.slice(idx + 1)], pos);
      if (bytesRead === 0) {
        return new AgentError('E_TRUNCATED', `Data.db ended after ${pos} bytes while reading chunks ${batch.first}..${batch.first + batch.count - 1} (expected ${batch.fileOffset + batch.length})`, { file: path, chunk: batch.first, offset: batch.fileOffset });
      }
      pos += bytesRead;
      let left = bytesRead;
      while (left > 0 && idx < bufs.length) {
        const room = (bufs[idx] as Uint8Array).length - inner;
        if (left < room) {
          inner += left;
          left = 0;
        } else {
          left -= room;
          idx++;
          inner = 0;
        }
      }
    }
    return null;
  } catch (e) {
    return new AgentError('E_IO', `read failed: ${(e as Error).message}`, { file: path, chunk: batch.first, offset: batch.fileOffset }, { cause: e });
  }
}

class FileDataSource implements DataSource {
  readonly uncompressedLength: number;
  readonly chunkLength: number;
  readonly compressor: string | null;
  private readonly plan: Plan;
  private closing: Promise<void> | null = null;

  get layout(): ChunkLayout {
    return this.plan.layout;
  }

  constructor(readonly path: string, private readonly fh: FileHandle, planned: { plan: Plan; compressor: string | null }) {
    this.plan = planned.plan;
    this.compressor = planned.compressor;
    this.uncompressedLength = planned.plan.layout.dataLength;
    this.chunkLength = planned.plan.layout.chunkLength;
  }

  /**
   * The generator itself, not an iterable made per call: the decoder's call of its async iterator then
   * has one target for every range and source (a closure per call was a new target each time, and V8
   * discarded the decoder's optimised code on meeting the second).
   */
  chunks(opts: ChunkOptions = {}): AsyncIterable<DataChunk> {
    return this.iterate(opts);
  }

  close(): Promise<void> {
    // FileHandle.close() waits for the reads in flight, so no prefetch lands in a reused descriptor.
    this.closing ??= this.fh.close();
    return this.closing;
  }

  private closedError(): AgentError {
    return new AgentError('E_BAD_ARGUMENT', 'data source already closed', { file: this.path });
  }

  private async *iterate(opts: ChunkOptions): AsyncGenerator<DataChunk> {
    const { layout } = this.plan;
    const start = opts.start ?? 0;
    const end = Math.min(opts.end ?? layout.dataLength, layout.dataLength);
    if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(end)) {
      throw new AgentError('E_BAD_ARGUMENT', `invalid chunk range [${start}, ${end})`, { file: this.path });
    }
    if (this.closing !== null) throw this.closedError();
    const { first, last } = chunkRange(layout, start, end);
    if (first > last) return;
    const signal = opts.signal;
    signal?.throwIfAborted();
    const verify = opts.verify ?? true;
    const batches = planBatches(layout, first, last);
    const fh = this.fh;
    // Compressed: two read buffers used alternately (one being consumed, one being prefetched); their
    // contents never escape because every chunk is decompressed into a new buffer.
    // Uncompressed: one new buffer per chunk, filled by the same single readv(), so a consumer holding a
    // view keeps only that chunk alive.
    const compressed = this.plan.decompress !== null;
    // with `reuse`: the one buffer every chunk after the first is decompressed into
    const reuse = opts.reuse ?? false;
    let reused: Uint8Array | null = null;
    const slots: Uint8Array[] = [];
    const buffersFor = (k: number, b: ReadBatch): Uint8Array[] => {
      if (!compressed) {
        const out: Uint8Array[] = [];
        for (let i = b.first; i < b.first + b.count; i++) out.push(Buffer.allocUnsafeSlow(layout.fileEnd(i) - layout.fileStart(i)));
        return out;
      }
      const slot = slots[k & 1];
      if (slot !== undefined && slot.length >= b.length) return [slot.subarray(0, b.length)];
      const fresh = Buffer.allocUnsafe(Math.max(b.length, slot?.length ?? 0));
      slots[k & 1] = fresh;
      return [fresh.subarray(0, b.length)];
    };
    const startRead = (k: number): InFlight => {
      const b = batches[k] as ReadBatch;
      const bufs = buffersFor(k, b);
      return { bufs, done: readFully(fh, bufs, b.fileOffset, this.path, b) };
    };
    let pending: InFlight | null = startRead(0);
    try {
      for (let k = 0; k < batches.length; k++) {
        const current = pending as InFlight;
        const failure = await current.done;
        pending = null;
        if (failure !== null) throw this.closing !== null ? this.closedError() : failure;
        signal?.throwIfAborted();
        if (k + 1 < batches.length) {
          if (this.closing !== null) throw this.closedError();
          pending = startRead(k + 1);
        }
        const batch = batches[k] as ReadBatch;
        const whole = current.bufs[0] as Uint8Array;
        for (let i = batch.first; i < batch.first + batch.count; i++) {
          const bytes = compressed
            ? this.decodeChunk(whole.subarray(layout.fileStart(i) - batch.fileOffset, layout.fileEnd(i) - batch.fileOffset), i, verify, reused)
            : this.checkPlain(current.bufs[i - batch.first] as Uint8Array, i, verify);
          if (reuse && reused === null && compressed) reused = Buffer.allocUnsafeSlow(layout.chunkLength);
          yield { bytes, offset: i * layout.chunkLength, index: i };
          signal?.throwIfAborted();
        }
      }
    } finally {
      // A prefetch may still be running when the consumer stops early; let it land, so that a stopped
      // iteration leaves no read behind on the shared handle.
      if (pending !== null) await pending.done;
    }
  }

  private corrupt(message: string, i: number, cause?: unknown): AgentError {
    return new AgentError('E_CORRUPT_CHUNK', message, { file: this.path, chunk: i, offset: this.plan.layout.fileStart(i) }, cause === undefined ? undefined : { cause });
  }

  /** Compressed chunk: payload || u32 BE checksum of the payload (CompressedSequentialWriter). */
  private decodeChunk(raw: Uint8Array, i: number, verify: boolean, into: Uint8Array | null): Uint8Array {
    const n = raw.length - 4;
    const payload = raw.subarray(0, n);
    if (verify) {
      const stored = (((raw[n] as number) << 24) | ((raw[n + 1] as number) << 16) | ((raw[n + 2] as number) << 8) | (raw[n + 3] as number)) >>> 0;
      const actual = this.plan.checksum(payload);
      if (stored !== actual) throw this.corrupt(`chunk checksum mismatch: stored ${stored}, computed ${actual} over ${n} compressed bytes`, i);
    }
    const expected = chunkDataLength(this.plan.layout, i);
    let out: Uint8Array;
    try {
      out = into === null ? (this.plan.decompress as Decompressor)(payload, expected) : (this.plan.decompress as Decompressor)(payload, expected, into);
    } catch (e) {
      if (isAgentError(e)) throw e;
      throw this.corrupt(`chunk does not decompress: ${(e as Error).message}`, i, e);
    }
    if (out.length !== expected) throw this.corrupt(`chunk decompressed to ${out.length} bytes, expected ${expected}`, i);
    return out;
  }

  private checkPlain(bytes: Uint8Array, i: number, verify: boolean): Uint8Array {
    const crcs = this.plan.crcs;
    if (verify && crcs !== null) {
      const stored = crcs[i] as number;
      const actual = this.plan.checksum(bytes);
      if (stored !== actual) throw this.corrupt(`checksum mismatch against CRC.db: stored ${stored}, computed ${actual} over ${bytes.length} bytes`, i);
    }
    return bytes;
  }
}
