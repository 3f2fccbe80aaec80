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

/** 16 words (64 bytes) per SWAR block: its prefix sums stay below 2^16 per lane (255·16·17/2 = 34,680). */
const SWAR_WORDS = 16;
/** SWAR blocks between reductions: 86·64 = 5,504 bytes, within ADLER_NMAX. */
const SWAR_BLOCKS_PER_REDUCTION = Math.floor(ADLER_NMAX / (SWAR_WORDS * 4));

/**
 * Adler-32 (RFC 1950), as java.util.zip.Adler32; the default start value is 1.
 *
 * The sums are reduced once per ADLER_NMAX bytes at most (RFC 1950 / zlib: they stay exact until then).
 * The aligned middle of the data is read as little-endian words, two bytes per 16-bit lane: within a
 * 64-byte block, lane sums s_j of the bytes at word position j and lane sums q_j of the running s_j give
 * a += Σ s_j and b += 64·a + Σ (4·q_j − j·s_j), because a byte at word u, position j of an N-word block is
 * added to b 4(N − u) − j times. About 30% less CPU than reading the four bytes of each word apart
 * (measured on the `ka` bench chunks).
 */
export function adler32(data: Uint8Array, initial = 1): number {
  let a = initial & 0xffff;
  let b = (initial >>> 16) & 0xffff;
  const n = data.length;
  let i = 0;
  if (LITTLE_ENDIAN && n >= 128) {
    const lead = (4 - (data.byteOffset & 3)) & 3;
    for (; i < lead; i++) {
      a += data[i] as number;
      b += a;
    }
    const words = new Uint32Array(data.buffer, data.byteOffset + lead, (n - lead) >>> 2);
    const blocks = Math.floor(words.length / SWAR_WORDS);
    let w = 0;
    for (let k = 0; k < blocks; ) {
      const reduceAt = Math.min(k + SWAR_BLOCKS_PER_REDUCTION, blocks);
      for (; k < reduceAt; k++) {
        // even lanes: bytes 0 and 2 of each word; odd lanes: bytes 1 and 3. `| 0` keeps them int32:
        // the high lane's bits stay exact modulo 2^32.
        let sE = 0;
        let sO = 0;
        let qE = 0;
        let qO = 0;
        for (const end = w + SWAR_WORDS; w < end; w++) {
          const v = words[w] as number;
          sE = (sE + (v & 0x00ff00ff)) | 0;
          sO = (sO + ((v >>> 8) & 0x00ff00ff)) | 0;
          qE = (qE + sE) | 0;
          qO = (qO + sO) | 0;
        }
        const s0 = sE & 0xffff, s1 = sO & 0xffff, s2 = sE >>> 16, s3 = sO >>> 16;
        b += 64 * a + 4 * ((qE & 0xffff) + (qO & 0xffff) + (qE >>> 16) + (qO >>> 16)) - (s1 + 2 * s2 + 3 * s3);
        a += s0 + s1 + s2 + s3;
      }
      a %= ADLER_MOD;
      b %= ADLER_MOD;
    }
    i = lead + w * 4;
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
