/**
 * Pure planning of Data.db reads: which chunks cover an uncompressed range, where each chunk lies in the
 * file, and how consecutive chunks are grouped so that one read() fetches several of them.
 */
import { AgentError } from '../../errors.js';

/** Where chunk i lies in Data.db: bytes [fileStart(i), fileEnd(i)) (for compressed files including the 4-byte checksum trailer). */
export interface ChunkLayout {
  readonly count: number;
  /** uncompressed bytes per chunk (the last one may be shorter) */
  readonly chunkLength: number;
  readonly dataLength: number;
  fileStart(i: number): number;
  fileEnd(i: number): number;
}

/** One read(): chunks [first, first + count) occupying file bytes [fileOffset, fileOffset + length). */
export interface ReadBatch {
  readonly first: number;
  readonly count: number;
  readonly fileOffset: number;
  readonly length: number;
}

/** Target bytes per read(): large enough to keep syscalls (and sshfs round trips) rare, small enough to bound memory. */
export const READ_BATCH_BYTES = 1 << 20;

/** Layout of a compressed Data.db from CompressionInfo offsets; the last stored chunk ends at the file length; empty trailing chunks are left out. */
export function compressedLayout(offsets: Float64Array | number[], chunkLength: number, dataLength: number, fileLength: number): ChunkLayout {
  const stored = offsets.length;
  return {
    count: Math.min(stored, Math.ceil(dataLength / chunkLength)),
    chunkLength,
    dataLength,
    fileStart: (i) => offsets[i] as number,
    fileEnd: (i) => (i + 1 < stored ? (offsets[i + 1] as number) : fileLength),
  };
}

/** Layout of an uncompressed Data.db read in pieces of `chunkLength` (the CRC.db chunk size). */
export function plainLayout(chunkLength: number, fileLength: number): ChunkLayout {
  return {
    count: Math.ceil(fileLength / chunkLength),
    chunkLength,
    dataLength: fileLength,
    fileStart: (i) => i * chunkLength,
    fileEnd: (i) => Math.min((i + 1) * chunkLength, fileLength),
  };
}

/** Uncompressed size of chunk i. */
export function chunkDataLength(layout: ChunkLayout, i: number): number {
  return Math.min(layout.chunkLength, layout.dataLength - i * layout.chunkLength);
}

/**
 * Checks that every compressed chunk lies inside the file and can hold its checksum trailer.
 * Throws E_TRUNCATED (chunk beyond the end of the file) or E_CORRUPT_CHUNK (impossible offsets).
 */
export function validateCompressedLayout(layout: ChunkLayout, fileLength: number, file: string): void {
  for (let i = 0; i < layout.count; i++) {
    const start = layout.fileStart(i);
    const end = layout.fileEnd(i);
    if (end > fileLength || start + 4 > fileLength) {
      throw new AgentError('E_TRUNCATED', `compressed chunk ${i} needs file bytes up to ${Math.max(end, start + 4)}, but Data.db has ${fileLength}`, { file, chunk: i, offset: start });
    }
    if (start + 4 > end) {
      throw new AgentError('E_CORRUPT_CHUNK', `compressed chunk ${i} spans ${end - start} bytes, too few for its 4-byte checksum`, { file, chunk: i, offset: start });
    }
  }
}

/** Chunk indices [first, last] whose uncompressed bytes overlap [start, end); first > last when empty. */
export function chunkRange(layout: ChunkLayout, start: number, end: number): { first: number; last: number } {
  if (start >= end) return { first: 0, last: -1 };
  return { first: Math.floor(start / layout.chunkLength), last: Math.ceil(end / layout.chunkLength) - 1 };
}

/** Groups chunks [first, last] into reads of about `target` bytes (at least one chunk each). */
export function planBatches(layout: ChunkLayout, first: number, last: number, target = READ_BATCH_BYTES): ReadBatch[] {
  const out: ReadBatch[] = [];
  let i = first;
  while (i <= last) {
    const fileOffset = layout.fileStart(i);
    let j = i + 1;
    while (j <= last && layout.fileEnd(j) - fileOffset <= target) j++;
    out.push({ first: i, count: j - i, fileOffset, length: layout.fileEnd(j - 1) - fileOffset });
    i = j;
  }
  return out;
}
