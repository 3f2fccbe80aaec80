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
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';

/**
 * A chunk's payload -> its `expectedLength` uncompressed bytes. `into`: a buffer the decoder may write
 * them to (at its start) instead of allocating one; decoders that cannot ignore it.
 */
export type Decompressor = (src: Uint8Array, expectedLength: number, into?: Uint8Array) => Uint8Array;

/** The native block decoder of the `lz4` package (liblz4's LZ4_decompress_safe), when it was built. */
interface NativeLz4 {
  uncompress(input: Uint8Array, output: Uint8Array, startIdx: number): number;
}

function isNativeLz4(b: unknown): b is NativeLz4 {
  return typeof b === 'object' && b !== null && typeof (b as { uncompress?: unknown }).uncompress === 'function';
}

/**
 * The compiled binding itself, not the package's entry point, which falls back to a JavaScript decoder
 * several times slower than lz4-napi when the build is missing. Null when it is not installed or built
 * (an optional dependency compiled at install).
 */
function nativeLz4(): NativeLz4 | null {
  try {
    const binding: unknown = createRequire(import.meta.url)('lz4/build/Release/lz4.node');
    return isNativeLz4(binding) ? binding : null;
  } catch {
    return null;
  }
}

/**
 * LZ4Compressor: `u32 LE` uncompressed length, then one raw LZ4 block (no frame). Decoded by liblz4
 * through the `lz4` package when it is built (about 35% less CPU than lz4-napi's lz4_flex on the bench
 * chunks), else by lz4-napi, which reads exactly that layout.
 */
async function lz4(): Promise<Decompressor> {
  // lz4-napi's binding is mapped only when the native decoder is missing (docs/memory.md)
  return nativeLz4Decoder() ?? (await napiLz4Decoder());
}

/** Both LZ4 decoders (native: null when the optional `lz4` build is absent); tests check they agree. */
export async function lz4Decoders(): Promise<{ native: Decompressor | null; napi: Decompressor }> {
  return { native: nativeLz4Decoder(), napi: await napiLz4Decoder() };
}

function nativeLz4Decoder(): Decompressor | null {
  const lib = nativeLz4();
  if (lib === null) return null;
  return (src, expectedLength, into) => {
    lz4Declared(src, expectedLength);
    const out = into !== undefined && into.length >= expectedLength ? into.subarray(0, expectedLength) : Buffer.allocUnsafeSlow(expectedLength);
    const n = lib.uncompress(src, out, 4);
    if (n !== expectedLength) throw new Error(n < 0 ? `LZ4 block is malformed at byte ${-n + 4}` : `LZ4 block holds ${n} bytes, expected ${expectedLength}`);
    return out;
  };
}

async function napiLz4Decoder(): Promise<Decompressor> {
  const { uncompressSync: lz4Uncompress } = await import('lz4-napi');
  return (src, expectedLength) => lz4Uncompress(lz4Declared(src, expectedLength));
}

/** The chunk itself, once its declared length is the expected one. */
function lz4Declared(src: Uint8Array, expectedLength: number): Uint8Array {
  if (src.length < 4) throw new Error(`LZ4 chunk too short (${src.length} bytes) for its length prefix`);
  const declared = ((src[0] as number) | ((src[1] as number) << 8) | ((src[2] as number) << 16) | ((src[3] as number) << 24)) >>> 0;
  if (declared !== expectedLength) throw new Error(`LZ4 chunk declares ${declared} uncompressed bytes, expected ${expectedLength}`);
  return src;
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
