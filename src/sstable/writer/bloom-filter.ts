/**
 * Filter.db (§7.5) as 3.x writes it (FilterFactory.getFilter, BloomFilter, OffHeapBitSet,
 * BloomFilterSerializer): i32 hashCount, i32 wordCount, then the words as big-endian i64.
 *
 * Sizing follows BloomCalculations.computeBloomSpec for bloom_filter_fp_chance 0.01 (the default of
 * SizeTiered/DateTiered tables): 10 buckets per element and 5 hashes, numBits = keys·10 + 20
 * (BITSET_EXCESS). Bucket i of a key = abs((h2 + i·h1) mod bitCount) over Java longs, where (h1, h2) is
 * MurmurHash.hash3_x64_128(key, 0) and bitCount = wordCount·64 (`ma`+ order; `ka`-`lb` swap h1/h2).
 */
import { ByteSink } from './byte-sink.js';

export const BLOOM_FP_CHANCE = 0.01;
const HASH_COUNT = 5;
const BUCKETS_PER_ELEMENT = 10;
const BITSET_EXCESS = 20;

const M64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;

function fmix(k: bigint): bigint {
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & M64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & M64;
  k ^= k >> 33n;
  return k;
}

function le64(b: Uint8Array, p: number): bigint {
  const dv = new DataView(b.buffer, b.byteOffset + p, 8);
  return dv.getBigUint64(0, true);
}

/**
 * MurmurHash.hash3_x64_128(key, seed 0) as two signed i64 (h1, h2), with Cassandra's sign-extended
 * tail bytes (pitfall P15). h1 is the Murmur3Partitioner token before normalization.
 */
export function murmur3x64_128(key: Uint8Array): [bigint, bigint] {
  const len = key.length;
  const nblocks = len >> 4;
  let h1 = 0n;
  let h2 = 0n;
  for (let i = 0; i < nblocks; i++) {
    let k1 = le64(key, i * 16);
    let k2 = le64(key, i * 16 + 8);
    k1 = (k1 * C1) & M64; k1 = rotl(k1, 31n); k1 = (k1 * C2) & M64; h1 ^= k1;
    h1 = rotl(h1, 27n); h1 = (h1 + h2) & M64; h1 = (h1 * 5n + 0x52dce729n) & M64;
    k2 = (k2 * C2) & M64; k2 = rotl(k2, 33n); k2 = (k2 * C1) & M64; h2 ^= k2;
    h2 = rotl(h2, 31n); h2 = (h2 + h1) & M64; h2 = (h2 * 5n + 0x38495ab5n) & M64;
  }
  const tail = nblocks * 16;
  let k1 = 0n;
  let k2 = 0n;
  for (let i = (len & 15) - 1; i >= 0; i--) {
    const signed = BigInt.asUintN(64, BigInt(((key[tail + i] as number) << 24) >> 24));
    if (i >= 8) k2 ^= (signed << BigInt((i - 8) * 8)) & M64;
    else k1 ^= (signed << BigInt(i * 8)) & M64;
  }
  if ((len & 15) > 8) {
    k2 = (k2 * C2) & M64; k2 = rotl(k2, 33n); k2 = (k2 * C1) & M64; h2 ^= k2;
  }
  if ((len & 15) > 0) {
    k1 = (k1 * C1) & M64; k1 = rotl(k1, 31n); k1 = (k1 * C2) & M64; h1 ^= k1;
  }
  h1 ^= BigInt(len);
  h2 ^= BigInt(len);
  h1 = (h1 + h2) & M64;
  h2 = (h2 + h1) & M64;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) & M64;
  h2 = (h2 + h1) & M64;
  return [BigInt.asIntN(64, h1), BigInt.asIntN(64, h2)];
}

/** Collects key hashes (16 bytes per partition) and builds the filter once the key count is known. */
export class BloomFilterBuilder {
  private hashes = new BigInt64Array(1024);
  private count = 0;

  add(key: Uint8Array): void {
    if (this.count * 2 + 2 > this.hashes.length) {
      const next = new BigInt64Array(this.hashes.length * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    const [h1, h2] = murmur3x64_128(key);
    this.hashes[this.count * 2] = h1;
    this.hashes[this.count * 2 + 1] = h2;
    this.count++;
  }

  build(): Uint8Array {
    const numBits = this.count * BUCKETS_PER_ELEMENT + BITSET_EXCESS;
    const words = Math.floor((numBits - 1) / 64) + 1;
    const bits = BigInt(words * 64);
    const w = new BigUint64Array(words);
    for (let k = 0; k < this.count; k++) {
      const h1 = this.hashes[k * 2] as bigint;
      let base = this.hashes[k * 2 + 1] as bigint;
      for (let i = 0; i < HASH_COUNT; i++) {
        // Java: abs(base % max), with % keeping the dividend's sign
        let r = base % bits;
        if (r < 0n) r = -r;
        const bit = Number(r);
        const wi = Math.floor(bit / 64);
        w[wi] = (w[wi] as bigint) | (1n << BigInt(bit % 64));
        base = BigInt.asIntN(64, base + h1);
      }
    }
    const s = new ByteSink(8 + words * 8);
    s.i32(HASH_COUNT);
    s.i32(words);
    for (const x of w) s.i64(BigInt.asIntN(64, x));
    return s.toBytes();
  }
}
