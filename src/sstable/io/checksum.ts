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

/** Adler-32 (RFC 1950), as java.util.zip.Adler32; the default start value is 1. */
export function adler32(data: Uint8Array, initial = 1): number {
  let a = initial & 0xffff;
  let b = (initial >>> 16) & 0xffff;
  const n = data.length;
  let i = 0;
  while (i < n) {
    const blockEnd = Math.min(i + ADLER_NMAX, n);
    const unrolledEnd = blockEnd - ((blockEnd - i) & 7);
    // Indices below are always < n, so the casts only drop noUncheckedIndexedAccess's `undefined`.
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
