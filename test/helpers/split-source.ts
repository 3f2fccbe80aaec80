/**
 * A DataSource over bytes held in memory, cut into chunks at the given sizes: used to check that
 * decoders give the same output however the decompressed stream is split.
 */
import type { ChunkOptions, DataChunk, DataSource } from '../../src/sstable/io/data-source.js';

export function splitSource(path: string, bytes: Uint8Array, sizes: readonly number[]): DataSource {
  return {
    path,
    uncompressedLength: bytes.length,
    compressor: null,
    chunkLength: 65536,
    async *chunks(opts?: ChunkOptions): AsyncGenerator<DataChunk> {
      const start = opts?.start ?? 0;
      let offset = 0;
      let index = 0;
      let k = 0;
      while (offset < bytes.length) {
        const size = Math.max(1, sizes[k++ % Math.max(1, sizes.length)] ?? 65536);
        const end = Math.min(bytes.length, offset + size);
        // fresh copies: consumers may keep views, and a real source never reuses its buffers
        if (end > start) yield { bytes: bytes.slice(offset, end), offset, index };
        offset = end;
        index++;
      }
    },
    async close(): Promise<void> {},
  };
}

/** All decompressed bytes of a source. */
export async function readAllBytes(src: DataSource): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of src.chunks()) parts.push(c.bytes);
  return Buffer.concat(parts);
}
