/**
 * Chunk decompressors keyed by Cassandra compressor class name (§3.2; C/io/compress/LZ4Compressor.java,
 * SnappyCompressor.java, DeflateCompressor.java). Each returns a NEW buffer holding exactly
 * `expectedLength` bytes, or throws a plain Error that the caller wraps with the chunk's location.
 * The declared lengths are checked before the native call, so a corrupt header cannot make the
 * decompressor allocate an arbitrary amount of memory.
 */
import { inflateSync } from 'node:zlib';
import { uncompressSync as lz4Uncompress } from 'lz4-napi';
import { uncompressSync as snappyUncompress } from 'snappy';
import { decompress as zstdDecompress } from 'fzstd';

export type Decompressor = (src: Uint8Array, expectedLength: number) => Uint8Array;

/** LZ4Compressor: `u32 LE` uncompressed length, then one raw LZ4 block (no frame); lz4-napi reads exactly that layout. */
function lz4(src: Uint8Array, expectedLength: number): Uint8Array {
  if (src.length < 4) throw new Error(`LZ4 chunk too short (${src.length} bytes) for its length prefix`);
  const declared = ((src[0] as number) | ((src[1] as number) << 8) | ((src[2] as number) << 16) | ((src[3] as number) << 24)) >>> 0;
  if (declared !== expectedLength) throw new Error(`LZ4 chunk declares ${declared} uncompressed bytes, expected ${expectedLength}`);
  return lz4Uncompress(src);
}

/** SnappyCompressor: one raw Snappy block, which starts with its uncompressed length as a little-endian base-128 varint. */
function snappy(src: Uint8Array, expectedLength: number): Uint8Array {
  let declared = 0;
  let shift = 0;
  for (let i = 0; ; i++) {
    if (i >= src.length || i >= 5) throw new Error('Snappy chunk has no valid length header');
    const b = src[i] as number;
    declared += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) break;
  }
  if (declared !== expectedLength) throw new Error(`Snappy chunk declares ${declared} uncompressed bytes, expected ${expectedLength}`);
  const out = snappyUncompress(src, { asBuffer: true });
  if (typeof out === 'string') throw new Error('snappy returned a string despite asBuffer');
  return out;
}

/** DeflateCompressor: a zlib (RFC 1950) stream as java.util.zip.Deflater writes it. */
function deflate(src: Uint8Array, expectedLength: number): Uint8Array {
  return inflateSync(src, { maxOutputLength: Math.max(1, expectedLength) });
}

/**
 * ZstdCompressor (Cassandra 4.0's, also written by ScyllaDB into mc files): one zstd frame per chunk
 * (C/io/compress/ZstdCompressor.java uses Zstd.compressByteArray). Decoded with fzstd, a pure-JS
 * decoder: slower than the native codecs, and only files written with Zstd pay for it.
 */
function zstd(src: Uint8Array, expectedLength: number): Uint8Array {
  const out = new Uint8Array(expectedLength);
  const got = zstdDecompress(src, out);
  if (got.length !== expectedLength) throw new Error(`Zstd chunk holds ${got.length} uncompressed bytes, expected ${expectedLength}`);
  return got.buffer === out.buffer ? got : out;
}

const DECOMPRESSORS: ReadonlyMap<string, Decompressor> = new Map([
  ['LZ4Compressor', lz4],
  ['SnappyCompressor', snappy],
  ['DeflateCompressor', deflate],
  ['ZstdCompressor', zstd],
]);

/** The decompressor for a simple class name, or null when unsupported. */
export function decompressorFor(compressor: string): Decompressor | null {
  return DECOMPRESSORS.get(compressor) ?? null;
}
