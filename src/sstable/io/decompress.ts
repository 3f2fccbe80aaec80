/**
 * Chunk decompressors keyed by Cassandra compressor class name (§3.2; C/io/compress/LZ4Compressor.java,
 * SnappyCompressor.java, DeflateCompressor.java). Each returns a NEW buffer holding exactly
 * `expectedLength` bytes, or throws a plain Error that the caller wraps with the chunk's location.
 * The declared lengths are checked before the native call, so a corrupt header cannot make the
 * decompressor allocate an arbitrary amount of memory.
 *
 * The codec modules load on first use: each native binding maps megabytes into every process, and a
 * table needs one codec (docs/memory.md).
 */
import { inflateSync } from 'node:zlib';

export type Decompressor = (src: Uint8Array, expectedLength: number) => Uint8Array;

/** LZ4Compressor: `u32 LE` uncompressed length, then one raw LZ4 block (no frame); lz4-napi reads exactly that layout. */
async function lz4(): Promise<Decompressor> {
  const { uncompressSync: lz4Uncompress } = await import('lz4-napi');
  return (src, expectedLength) => lz4Chunk(lz4Uncompress, src, expectedLength);
}

function lz4Chunk(lz4Uncompress: (src: Uint8Array) => Uint8Array, src: Uint8Array, expectedLength: number): Uint8Array {
  if (src.length < 4) throw new Error(`LZ4 chunk too short (${src.length} bytes) for its length prefix`);
  const declared = ((src[0] as number) | ((src[1] as number) << 8) | ((src[2] as number) << 16) | ((src[3] as number) << 24)) >>> 0;
  if (declared !== expectedLength) throw new Error(`LZ4 chunk declares ${declared} uncompressed bytes, expected ${expectedLength}`);
  return lz4Uncompress(src);
}

/** SnappyCompressor: one raw Snappy block, which starts with its uncompressed length as a little-endian base-128 varint. */
async function snappy(): Promise<Decompressor> {
  const { uncompressSync: snappyUncompress } = await import('snappy');
  return (src, expectedLength) => {
    const declared = snappyLength(src);
    if (declared !== expectedLength) throw new Error(`Snappy chunk declares ${declared} uncompressed bytes, expected ${expectedLength}`);
    const out = snappyUncompress(src, { asBuffer: true });
    if (typeof out === 'string') throw new Error('snappy returned a string despite asBuffer');
    return out;
  };
}

function snappyLength(src: Uint8Array): number {
  let declared = 0;
  let shift = 0;
  for (let i = 0; ; i++) {
    if (i >= src.length || i >= 5) throw new Error('Snappy chunk has no valid length header');
    const b = src[i] as number;
    declared += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) break;
  }
  return declared;
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
async function zstd(): Promise<Decompressor> {
  const { decompress: zstdDecompress } = await import('fzstd');
  return (src, expectedLength) => {
    const out = new Uint8Array(expectedLength);
    const got = zstdDecompress(src, out);
    if (got.length !== expectedLength) throw new Error(`Zstd chunk holds ${got.length} uncompressed bytes, expected ${expectedLength}`);
    return got.buffer === out.buffer ? got : out;
  };
}

const LOADERS: ReadonlyMap<string, () => Promise<Decompressor>> = new Map([
  ['LZ4Compressor', lz4],
  ['SnappyCompressor', snappy],
  ['DeflateCompressor', async () => deflate],
  ['ZstdCompressor', zstd],
]);

const loaded = new Map<string, Promise<Decompressor | null>>();

/** The decompressor for a simple class name (its codec loaded on first use), or null when unsupported or its binding is missing. */
export async function decompressorFor(compressor: string): Promise<Decompressor | null> {
  const load = LOADERS.get(compressor);
  if (load === undefined) return null;
  let p = loaded.get(compressor);
  if (p === undefined) {
    p = load().catch(() => null);
    loaded.set(compressor, p);
  }
  return p;
}
