import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { murmur3Hash1, murmur3Token } from '../../src/merge/murmur3.js';
import { I64_MAX, I64_MIN } from '../../src/sstable/model.js';

const M64 = (1n << 64n) - 1n;

/** A straightforward BigInt transcription of MurmurHash.hash3_x64_128 (h1 only), used as an oracle. */
function referenceH1(key: Uint8Array): bigint {
  const c1 = 0x87c37b91114253d5n;
  const c2 = 0x4cf5ad432745937fn;
  const rotl = (v: bigint, n: bigint): bigint => ((v << n) | (v >> (64n - n))) & M64;
  const fmix = (k: bigint): bigint => {
    k ^= k >> 33n;
    k = (k * 0xff51afd7ed558ccdn) & M64;
    k ^= k >> 33n;
    k = (k * 0xc4ceb9fe1a85ec53n) & M64;
    k ^= k >> 33n;
    return k;
  };
  const le64 = (p: number): bigint => {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(key[p + i] as number);
    return v;
  };
  const signed = (b: number): bigint => BigInt.asUintN(64, BigInt((b << 24) >> 24));
  let h1 = 0n;
  let h2 = 0n;
  const nblocks = Math.floor(key.length / 16);
  for (let i = 0; i < nblocks; i++) {
    let k1 = le64(i * 16);
    let k2 = le64(i * 16 + 8);
    k1 = (k1 * c1) & M64; k1 = rotl(k1, 31n); k1 = (k1 * c2) & M64; h1 ^= k1;
    h1 = rotl(h1, 27n); h1 = (h1 + h2) & M64; h1 = (h1 * 5n + 0x52dce729n) & M64;
    k2 = (k2 * c2) & M64; k2 = rotl(k2, 33n); k2 = (k2 * c1) & M64; h2 ^= k2;
    h2 = rotl(h2, 31n); h2 = (h2 + h1) & M64; h2 = (h2 * 5n + 0x38495ab5n) & M64;
  }
  const tail = nblocks * 16;
  const rem = key.length & 15;
  let k1 = 0n;
  let k2 = 0n;
  for (let i = rem - 1; i >= 8; i--) k2 ^= (signed(key[tail + i] as number) << BigInt((i - 8) * 8)) & M64;
  if (rem > 8) { k2 = (k2 * c2) & M64; k2 = rotl(k2, 33n); k2 = (k2 * c1) & M64; h2 ^= k2; }
  for (let i = Math.min(rem, 8) - 1; i >= 0; i--) k1 ^= (signed(key[tail + i] as number) << BigInt(i * 8)) & M64;
  if (rem > 0) { k1 = (k1 * c1) & M64; k1 = rotl(k1, 31n); k1 = (k1 * c2) & M64; h1 ^= k1; }
  h1 ^= BigInt(key.length);
  h2 ^= BigInt(key.length);
  h1 = (h1 + h2) & M64;
  h2 = (h2 + h1) & M64;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) & M64;
  return BigInt.asIntN(64, h1);
}

describe('murmur3Token', () => {
  it('matches the §7.4 test vectors', () => {
    expect(murmur3Token(new Uint8Array([0, 0, 0, 1]))).toBe(-4069959284402364209n);
    expect(murmur3Token(new Uint8Array([0x61]))).toBe(-8839064797231613815n);
    // 0xFF 0x80 exercises the sign-extension quirk in the tail
    expect(murmur3Token(new Uint8Array([0xff, 0x80]))).toBe(8915363533249992128n);
  });

  it('gives the empty key the minimum token', () => {
    expect(murmur3Token(new Uint8Array(0))).toBe(I64_MIN);
  });

  it('differs from the unquirked hash when a tail byte is >= 0x80', () => {
    // sign extension makes a tail byte 0x80 contribute 0xFFFF_FFFF_FFFF_FF80 to k1
    const a = murmur3Token(new Uint8Array([0x80]));
    const b = murmur3Token(new Uint8Array([0x7f]));
    expect(a).not.toBe(b);
    expect(murmur3Hash1(new Uint8Array([0x80]))).toBe(referenceH1(new Uint8Array([0x80])));
  });

  it('agrees with a BigInt transcription on block boundaries', () => {
    for (const len of [15, 16, 17, 31, 32, 33, 40]) {
      const k = new Uint8Array(len);
      for (let i = 0; i < len; i++) k[i] = (i * 37 + 200) & 0xff;
      expect(murmur3Hash1(k)).toBe(referenceH1(k));
    }
  });

  it('agrees with a BigInt transcription on random keys (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 70 }), (k) => {
        expect(murmur3Hash1(k)).toBe(referenceH1(k));
      }),
      { numRuns: 500 },
    );
  });

  it('never returns the minimum token for a non-empty key', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (k) => {
      const t = murmur3Token(k);
      expect(t).not.toBe(I64_MIN);
      expect(t <= I64_MAX).toBe(true);
    }));
  });
});
