/**
 * Data.db output (§3): the uncompressed stream cut into chunks of `chunkLength`.
 * - LZ4: each chunk is `u32 LE length + raw LZ4 block` (LZ4Compressor.compress; lz4-napi's compressSync
 *   prepends exactly that size) followed by the CRC32 of the compressed bytes
 *   (CompressedSequentialWriter.flushData); CompressionInfo.db lists the chunk offsets.
 * - none: the stream as is; CRC.db holds i32 chunkSize then a CRC32 per 64 KiB slice
 *   (ChecksummedSequentialWriter, buffer size 65536).
 * Digest.crc32 is the CRC32 of the whole file as stored.
 *
 * Memory: one chunk buffer plus the pending file writes, flushed by `drain()` beyond 1 MiB.
 */
import type { FileHandle } from 'node:fs/promises';
import { compressSync } from 'lz4-napi';
import { crc32 } from '../io/checksum.js';
import { ByteSink } from './byte-sink.js';

const CRC_CHUNK = 65536;
const PENDING_LIMIT = 1 << 20;

export class DataFileWriter {
  private readonly chunk: Uint8Array;
  private fill = 0;
  /** uncompressed bytes before the current chunk */
  private flushed = 0;
  private fileOffset = 0;
  private readonly chunkOffsets: number[] = [];
  private readonly chunkCrcs: number[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private digest = 0;
  private compressedPayload = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly compression: 'lz4' | 'none',
    readonly chunkLength: number,
  ) {
    this.chunk = new Uint8Array(compression === 'lz4' ? chunkLength : CRC_CHUNK);
  }

  /** Current uncompressed position. */
  get position(): number {
    return this.flushed + this.fill;
  }

  /** Appends bytes (copied); full chunks are compressed at once, written on the next `drain()`. */
  write(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) {
      const n = Math.min(b.length - off, this.chunk.length - this.fill);
      this.chunk.set(b.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === this.chunk.length) this.cutChunk();
    }
  }

  private cutChunk(): void {
    if (this.fill === 0) return;
    const raw = this.chunk.subarray(0, this.fill);
    if (this.compression === 'lz4') {
      const compressed = compressSync(Buffer.from(raw.buffer, raw.byteOffset, raw.length));
      const trailer = new Uint8Array(4);
      new DataView(trailer.buffer).setUint32(0, crc32(compressed));
      this.chunkOffsets.push(this.fileOffset);
      this.compressedPayload += compressed.length;
      this.push(compressed);
      this.push(trailer);
    } else {
      const copy = raw.slice();
      this.chunkCrcs.push(crc32(copy));
      this.push(copy);
    }
    this.flushed += this.fill;
    this.fill = 0;
  }

  private push(b: Uint8Array): void {
    this.digest = crc32(b, this.digest);
    this.fileOffset += b.length;
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  /** Writes pending chunks once they exceed 1 MiB (or always with `force`). */
  async drain(force = false): Promise<void> {
    if (this.pendingBytes === 0 || (!force && this.pendingBytes < PENDING_LIMIT)) return;
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.writev(parts);
  }

  /** Flushes the last (short) chunk and everything pending. */
  async finish(): Promise<DataFileSummary> {
    this.cutChunk();
    await this.drain(true);
    const dataLength = this.flushed;
    return {
      dataLength,
      fileLength: this.fileOffset,
      digest: this.digest >>> 0,
      compressionInfo: this.compression === 'lz4' ? this.compressionInfo(dataLength) : null,
      crcDb: this.compression === 'none' ? this.crcDb() : null,
      compressionRatio: this.compression === 'lz4' && dataLength > 0 ? this.compressedPayload / dataLength : -1,
    };
  }

  /** CompressionMetadata.Writer: utf class, options, chunkLength, dataLength, chunkCount, offsets (§3.1). */
  private compressionInfo(dataLength: number): Uint8Array {
    const s = new ByteSink(64 + this.chunkOffsets.length * 8);
    s.utf('LZ4Compressor');
    s.i32(0);
    s.i32(this.chunkLength);
    s.i64(BigInt(dataLength));
    s.i32(this.chunkOffsets.length);
    for (const o of this.chunkOffsets) s.i64(BigInt(o));
    return s.toBytes();
  }

  private crcDb(): Uint8Array {
    const s = new ByteSink(4 + this.chunkCrcs.length * 4);
    s.i32(CRC_CHUNK);
    for (const c of this.chunkCrcs) s.u32(c);
    return s.toBytes();
  }
}

export interface DataFileSummary {
  readonly dataLength: number;
  readonly fileLength: number;
  /** CRC32 of the stored file (Digest.crc32) */
  readonly digest: number;
  readonly compressionInfo: Uint8Array | null;
  readonly crcDb: Uint8Array | null;
  /** sum of compressed chunk payloads / dataLength (MetadataCollector.addCompressionRatio); -1 if uncompressed */
  readonly compressionRatio: number;
}
