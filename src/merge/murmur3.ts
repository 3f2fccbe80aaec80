/**
 * Murmur3Partitioner tokens (§7.4): h1 of Cassandra's MurmurHash.hash3_x64_128(key, seed 0) as a signed i64.
 *
 * 64-bit lanes are held as two uint32 halves (hi, lo) so that hashing allocates no BigInt until the
 * result; a 64-bit product keeps only its low 64 bits, as Java's `long` arithmetic does.
 */
import { I64_MAX, I64_MIN } from '../sstable/model.js';

const C1_HI = 0x87c37b91;
const C1_LO = 0x114253d5;
const C2_HI = 0x4cf5ad43;
const C2_LO = 0x2745937f;
const FMIX1_HI = 0xff51afd7;
const FMIX1_LO = 0xed558ccd;
const FMIX2_HI = 0xc4ceb9fe;
const FMIX2_LO = 0x1a85ec53;

/** o = low 64 bits of a * b (o[0] = hi, o[1] = lo) */
function mul64(o: Uint32Array, ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  o[1] = (mid << 16) | (p00 & 0xffff);
  o[0] = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh);
}

function add64(o: Uint32Array, ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  o[1] = lo;
  o[0] = ah + bh + (lo > 0xffffffff ? 1 : 0);
}

/** rotate left by n, 0 < n < 64, n != 32 */
function rotl64(o: Uint32Array, hi: number, lo: number, n: number): void {
  if (n > 32) {
    const t = hi;
    hi = lo;
    lo = t;
    n -= 32;
  }
  o[0] = (hi << n) | (lo >>> (32 - n));
  o[1] = (lo << n) | (hi >>> (32 - n));
}

function fmix64(o: Uint32Array, hi: number, lo: number): void {
  lo = (lo ^ (hi >>> 1)) >>> 0;
  mul64(o, hi, lo, FMIX1_HI, FMIX1_LO);
  hi = o[0] as number;
  lo = ((o[1] as number) ^ (hi >>> 1)) >>> 0;
  mul64(o, hi, lo, FMIX2_HI, FMIX2_LO);
  hi = o[0] as number;
  o[1] = (o[1] as number) ^ (hi >>> 1);
}

/**
 * Scratch registers of murmur3Hash1, which is synchronous and never re-entered, so sharing them is safe;
 * they carry no state between calls and save two allocations per key.
 */
const LANE = new Uint32Array(2);
const RESULT = new DataView(new ArrayBuffer(8));

function le32(b: Uint8Array, p: number): number {
  return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
}

/**
 * h1 of hash3_x64_128(key, 0) as a signed i64, including Cassandra's tail quirk: each tail byte is
 * sign-extended to 64 bits before it is shifted in (MurmurHash.hash3_x64_128 casts the signed `byte` to
 * `long`; pitfall P15). Full 16-byte blocks are read as unsigned little-endian longs.
 */
export function murmur3Hash1(key: Uint8Array): bigint {
  const o = LANE;
  const len = key.length;
  const nblocks = len >>> 4;
  let h1h = 0;
  let h1l = 0;
  let h2h = 0;
  let h2l = 0;
  for (let blk = 0; blk < nblocks; blk++) {
    const p = blk << 4;
    mul64(o, le32(key, p + 4), le32(key, p), C1_HI, C1_LO);
    rotl64(o, o[0] as number, o[1] as number, 31);
    mul64(o, o[0] as number, o[1] as number, C2_HI, C2_LO);
    h1h = (h1h ^ (o[0] as number)) >>> 0;
    h1l = (h1l ^ (o[1] as number)) >>> 0;
    rotl64(o, h1h, h1l, 27);
    add64(o, o[0] as number, o[1] as number, h2h, h2l);
    mul64(o, o[0] as number, o[1] as number, 0, 5);
    add64(o, o[0] as number, o[1] as number, 0, 0x52dce729);
    h1h = o[0] as number;
    h1l = o[1] as number;

    mul64(o, le32(key, p + 12), le32(key, p + 8), C2_HI, C2_LO);
    rotl64(o, o[0] as number, o[1] as number, 33);
    mul64(o, o[0] as number, o[1] as number, C1_HI, C1_LO);
    h2h = (h2h ^ (o[0] as number)) >>> 0;
    h2l = (h2l ^ (o[1] as number)) >>> 0;
    rotl64(o, h2h, h2l, 31);
    add64(o, o[0] as number, o[1] as number, h1h, h1l);
    mul64(o, o[0] as number, o[1] as number, 0, 5);
    add64(o, o[0] as number, o[1] as number, 0, 0x38495ab5);
    h2h = o[0] as number;
    h2l = o[1] as number;
  }

  const tail = nblocks << 4;
  const rem = len & 15;
  if (rem > 0) {
    let k1h = 0;
    let k1l = 0;
    let k2h = 0;
    let k2l = 0;
    for (let i = 0; i < rem; i++) {
      const s = ((key[tail + i] as number) << 24) >> 24;
      const pos = i & 7;
      let hi: number;
      let lo: number;
      if (pos < 4) {
        lo = s << (pos * 8);
        hi = s < 0 ? -1 : 0;
      } else {
        lo = 0;
        hi = s << ((pos - 4) * 8);
      }
      if (i < 8) {
        k1h ^= hi;
        k1l ^= lo;
      } else {
        k2h ^= hi;
        k2l ^= lo;
      }
    }
    if (rem > 8) {
      mul64(o, k2h, k2l, C2_HI, C2_LO);
      rotl64(o, o[0] as number, o[1] as number, 33);
      mul64(o, o[0] as number, o[1] as number, C1_HI, C1_LO);
      h2h = (h2h ^ (o[0] as number)) >>> 0;
      h2l = (h2l ^ (o[1] as number)) >>> 0;
    }
    mul64(o, k1h, k1l, C1_HI, C1_LO);
    rotl64(o, o[0] as number, o[1] as number, 31);
    mul64(o, o[0] as number, o[1] as number, C2_HI, C2_LO);
    h1h = (h1h ^ (o[0] as number)) >>> 0;
    h1l = (h1l ^ (o[1] as number)) >>> 0;
  }

  h1l = (h1l ^ len) >>> 0;
  h2l = (h2l ^ len) >>> 0;
  add64(o, h1h, h1l, h2h, h2l);
  h1h = o[0] as number;
  h1l = o[1] as number;
  add64(o, h2h, h2l, h1h, h1l);
  h2h = o[0] as number;
  h2l = o[1] as number;
  fmix64(o, h1h, h1l);
  h1h = o[0] as number;
  h1l = o[1] as number;
  fmix64(o, h2h, h2l);
  add64(o, h1h, h1l, o[0] as number, o[1] as number);
  RESULT.setUint32(0, o[0] as number);
  RESULT.setUint32(4, o[1] as number);
  return RESULT.getBigInt64(0);
}

/**
 * Murmur3Partitioner.getToken: a zero-length key has the minimum token (i64 min); a hash equal to
 * i64 min is replaced by i64 max, so that no real key takes the minimum token (Murmur3Partitioner.normalize).
 */
export function murmur3Token(key: Uint8Array): bigint {
  if (key.length === 0) return I64_MIN;
  const h = murmur3Hash1(key);
  return h === I64_MIN ? I64_MAX : h;
}
