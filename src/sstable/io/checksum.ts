/**
 * The two checksums Cassandra uses for SSTable integrity data (§1.2, §3.2):
 * - CRC32 (ISO-HDLC / zlib) for `ma`+ chunk trailers, CRC.db and Digest.crc32;
 * - Adler-32 for `ka`/`la`/`lb` chunk trailers, CRC.db and Digest files (also `Digest.sha1`, pitfall P13).
 *
 * Both return the unsigned 32-bit value. `initial` continues a running checksum, so
 * `f(b, f(a)) === f(a ++ b)`.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** CRC32 through zlib (native, Node >= 20.15). */
export function crc32(data: Uint8Array, initial = 0): number {
  return zlibCrc32(data, initial) >>> 0;
}

const ADLER_MOD = 65521;
/** Largest n with 255·n(n+1)/2 + (n+1)(MOD−1) < 2^32: the sums may be reduced once per block (zlib's NMAX). */
const ADLER_NMAX = 5552;

/** true on little-endian machines: a Uint32Array word then holds bytes i..i+3 from its low byte up */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Adler-32 (RFC 1950), as java.util.zip.Adler32; the default start value is 1.
 *
 * The sums are reduced once per ADLER_NMAX bytes (RFC 1950 / zlib: they stay below 2^32 until then),
 * and the bytes are read four at a time through a Uint32Array over the aligned middle of the data:
 * 10–40% less CPU than an 8-way unrolled byte loop (measured on the `ka` bench chunks and on hot 64 KB buffers).
 */
export function adler32(data: Uint8Array, initial = 1): number {
  let a = initial & 0xffff;
  let b = (initial >>> 16) & 0xffff;
  const n = data.length;
  let i = 0;
  if (LITTLE_ENDIAN && n >= 64) {
    const lead = (4 - (data.byteOffset & 3)) & 3;
    for (; i < lead; i++) {
      a += data[i] as number;
      b += a;
    }
    const words = new Uint32Array(data.buffer, data.byteOffset + lead, (n - lead) >>> 2);
    const nw = words.length;
    let w = 0;
    while (w < nw) {
      const blockEnd = Math.min(w + (ADLER_NMAX >>> 2), nw);
      const pairsEnd = blockEnd - ((blockEnd - w) & 1);
      // Eight bytes x0..x7 add Σx to a and 8·a + 8·x0 + 7·x1 + … + 1·x7 to b.
      // Indices below are always < nw, so the casts only drop noUncheckedIndexedAccess's `undefined`.
      while (w < pairsEnd) {
        const v = words[w] as number;
        const u = words[w + 1] as number;
        w += 2;
        const x0 = v & 255, x1 = (v >>> 8) & 255, x2 = (v >>> 16) & 255, x3 = v >>> 24;
        const y0 = u & 255, y1 = (u >>> 8) & 255, y2 = (u >>> 16) & 255, y3 = u >>> 24;
        b += a * 8 + x0 * 8 + x1 * 7 + x2 * 6 + x3 * 5 + y0 * 4 + y1 * 3 + y2 * 2 + y3;
        a += x0 + x1 + x2 + x3 + y0 + y1 + y2 + y3;
      }
      if (w < blockEnd) {
        const v = words[w] as number;
        w++;
        const x0 = v & 255, x1 = (v >>> 8) & 255, x2 = (v >>> 16) & 255, x3 = v >>> 24;
        b += a * 4 + x0 * 4 + x1 * 3 + x2 * 2 + x3;
        a += x0 + x1 + x2 + x3;
      }
      a %= ADLER_MOD;
      b %= ADLER_MOD;
    }
    i = lead + nw * 4;
  }
  // The rest (all of it on big-endian machines): bytes, 8 at a time.
  while (i < n) {
    const blockEnd = Math.min(i + ADLER_NMAX, n);
    const unrolledEnd = blockEnd - ((blockEnd - i) & 7);
    while (i < unrolledEnd) {
      a += data[i] as number; b += a;
      a += data[i + 1] as number; b += a;
      a += data[i + 2] as number; b += a;
      a += data[i + 3] as number; b += a;
      a += data[i + 4] as number; b += a;
      a += data[i + 5] as number; b += a;
      a += data[i + 6] as number; b += a;
      a += data[i + 7] as number; b += a;
      i += 8;
    }
    while (i < blockEnd) {
      a += data[i] as number; b += a;
      i++;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}

export type ChecksumAlgorithm = 'adler32' | 'crc32';

/** The checksum function for an algorithm name. */
export function checksumFunction(algorithm: ChecksumAlgorithm): (data: Uint8Array, initial?: number) => number {
  return algorithm === 'crc32' ? crc32 : adler32;
}
