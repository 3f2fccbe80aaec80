/**
 * The unchecked position-based reads of the fused decoder (v3/raw.ts) and exactBigInt agree with the
 * Cursor reads and with BigInt() on every value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addWrap64, Cursor, exactBigInt } from '../../../src/sstable/cursor.js';
import type { V3Layout } from '../../../src/sstable/v3/layout.js';
import { at, timestampAt, tsNumber, uvintAt, uvintLow32At } from '../../../src/sstable/v3/raw.js';
import { uvintBytes } from '../../../src/sstable/types/vint.js';

function cursorOver(bytes: Uint8Array): Cursor {
  const c = new Cursor('test');
  c.final = true;
  c.feed([bytes]);
  return c;
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const smallish = fc.oneof(fc.bigInt({ min: 0n, max: 1n << 49n }), fc.bigInt({ min: 0n, max: 300n }), u64);

describe('exactBigInt', () => {
  it('equals BigInt(x) for every integer |x| <= 2^53', () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(2 ** 53, -(2 ** 53), 0, -1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1)), (x) => {
      expect(exactBigInt(x)).toBe(BigInt(x));
    }), { numRuns: 2000 });
  });
});

describe('raw vint reads', () => {
  it('uvintAt matches Cursor.uvint below 2^49 and gives NaN above; uvintLow32At matches uvintLow32', () => {
    fc.assert(fc.property(smallish, fc.integer({ min: 0, max: 3 }), (v, pad) => {
      const enc = uvintBytes(v);
      const bytes = new Uint8Array(pad + enc.length + 1);
      bytes.set(enc, pad);
      const n = uvintAt(bytes, pad);
      expect(at).toBe(pad + enc.length);
      if (v < 1n << 49n) expect(n).toBe(Number(v));
      else expect(Number.isNaN(n)).toBe(true);
      const c = cursorOver(bytes);
      c.pos = pad;
      expect(uvintLow32At(bytes, pad)).toBe(c.uvintLow32());
      expect(at).toBe(c.pos);
    }), { numRuns: 2000 });
  });

  it('timestampAt is tsNumber of the Cursor-decoded timestamp (exact, -Infinity for I64_MIN, NaN when inexact)', () => {
    const bases = fc.oneof(fc.bigInt({ min: -(1n << 52n), max: 1n << 52n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.constant(1_514_764_800_000_000n));
    fc.assert(fc.property(bases, smallish, (base, delta) => {
      const layout = { minTimestamp: base, minTimestampNumber: base >= -(1n << 52n) && base <= 1n << 52n ? Number(base) : null } as V3Layout;
      const bytes = uvintBytes(delta);
      const want = addWrap64(base, delta);
      const got = timestampAt(bytes, 0, layout);
      expect(at).toBe(bytes.length);
      if (Number.isNaN(got)) expect(want > 1n << 53n || want < -(1n << 53n)).toBe(true);
      else if (got === -Infinity) expect(want).toBe(-(1n << 63n));
      else expect(BigInt(got)).toBe(want);
      expect(Object.is(got, tsNumber(want)) || (Number.isNaN(got) && Number.isNaN(tsNumber(want)))).toBe(true);
    }), { numRuns: 3000 });
  });

  it('reads past the end of the buffer yield zeros, not exceptions', () => {
    const bytes = new Uint8Array([0xc0]);
    expect(uvintAt(bytes, 0)).toBe(0);
    expect(at).toBe(3);
    expect(uvintAt(bytes, 5)).toBe(0);
  });
});
