/** Pure range planning: coverage without gaps or overlaps, the minimum token, wraparound, summary seeks. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coalesce, FULL_RING, intersectRanges, rangeContains, rangesFromBounds, splitBySamples, splitEvenly, summarySeekIndex,
  TAPER_PIECES, taperedCuts, tokenSpace, unwrapRingRange, type TokenRange,
} from '../../src/cluster/ranges.js';

const MURMUR = 'org.apache.cassandra.dht.Murmur3Partitioner';
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const token = fc.bigInt({ min: I64_MIN, max: I64_MAX });

function owners(ranges: readonly TokenRange[], t: bigint): number {
  return ranges.filter((r) => rangeContains(r, t)).length;
}

describe('token ranges', () => {
  it('splitEvenly covers every token exactly once, the minimum token included', () => {
    const space = tokenSpace(MURMUR);
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.array(token, { maxLength: 20 }), (n, ts) => {
      const ranges = splitEvenly(space, n);
      expect(ranges).toHaveLength(n);
      for (const t of [...ts, I64_MIN, I64_MIN + 1n, I64_MAX, 0n]) expect(owners(ranges, t)).toBe(1);
    }));
  });

  it('RandomPartitioner space, and a single range for ByteOrdered', () => {
    const r = splitEvenly(tokenSpace('RandomPartitioner'), 4);
    expect(r[1]?.start).toBe(1n << 125n);
    expect(owners(r, -1n)).toBe(1);
    expect(owners(r, 1n << 127n)).toBe(1);
    expect(splitEvenly(tokenSpace('org.apache.cassandra.dht.ByteOrderedPartitioner'), 8)).toEqual([FULL_RING]);
  });

  it('splitBySamples cuts at sample quantiles, ranges ascending and covering', () => {
    fc.assert(fc.property(fc.array(token, { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), fc.array(token, { maxLength: 10 }), (samples, n, probes) => {
      const ranges = splitBySamples(samples, n);
      expect(ranges.length).toBeLessThanOrEqual(n);
      for (const t of [...samples, ...probes, I64_MIN]) expect(owners(ranges, t)).toBe(1);
    }));
    const samples = Array.from({ length: 100 }, (_, i) => BigInt(i));
    expect(splitBySamples(samples, 4).map((r) => r.end)).toEqual([24n, 49n, 74n, null]);
  });

  it('a tapered plan cuts its last ranges in TAPER_PIECES, still covering every token once', () => {
    expect(taperedCuts(3, 0)).toEqual({ cuts: [4, 8], denominator: 12 });
    expect(taperedCuts(3, 1)).toEqual({ cuts: [4, 8, 9, 10, 11], denominator: 12 });
    // a tail longer than the plan tapers the whole plan; a negative one none of it
    expect(taperedCuts(2, 5).cuts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(taperedCuts(2, -1).cuts).toEqual([4]);
    const space = tokenSpace(MURMUR);
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 8 }), fc.array(token, { maxLength: 20 }), (n, tail, ts) => {
      const ranges = splitEvenly(space, n, tail);
      expect(ranges).toHaveLength(n + Math.min(n, tail) * (TAPER_PIECES - 1));
      for (const t of [...ts, I64_MIN, I64_MIN + 1n, I64_MAX, 0n]) expect(owners(ranges, t)).toBe(1);
    }));
    fc.assert(fc.property(fc.array(token, { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 4 }), (samples, n, tail) => {
      const ranges = splitBySamples(samples, n, tail);
      expect(ranges.length).toBeLessThanOrEqual(n + Math.min(n, tail) * (TAPER_PIECES - 1));
      for (const t of [...samples, I64_MIN, I64_MAX]) expect(owners(ranges, t)).toBe(1);
    }));
    // 400 samples, 5 ranges, the last 2 in quarters: 80 samples per range, then 20 per piece
    const samples = Array.from({ length: 400 }, (_, i) => BigInt(i));
    const sizes = splitBySamples(samples, 5, 2).map((r) => samples.filter((t) => rangeContains(r, t)).length);
    expect(sizes).toEqual([80, 80, 80, 20, 20, 20, 20, 20, 20, 20, 20]);
    // tail 0 is the plan as before
    expect(splitBySamples(samples, 5, 0)).toEqual(splitBySamples(samples, 5));
  });

  it('rangesFromBounds rejects bounds that do not ascend', () => {
    expect(() => rangesFromBounds([5n, 5n])).toThrow(/ascend/);
  });

  it('unwrapRingRange follows Range(start, end]: wraps at start >= end, (t, t] is the whole ring, end = min means the top', () => {
    expect(unwrapRingRange(10n, 20n, I64_MIN)).toEqual([{ start: 10n, end: 20n }]);
    expect(unwrapRingRange(20n, 10n, I64_MIN)).toEqual([{ start: null, end: 10n }, { start: 20n, end: null }]);
    expect(unwrapRingRange(7n, 7n, I64_MIN)).toEqual([FULL_RING]);
    expect(unwrapRingRange(20n, I64_MIN, I64_MIN)).toEqual([{ start: 20n, end: null }]);
    expect(unwrapRingRange(I64_MIN, 10n, I64_MIN)).toEqual([{ start: null, end: 10n }]);
    // the wrapping range holds the minimum token, like Range.contains
    expect(owners(unwrapRingRange(20n, 10n, I64_MIN), I64_MIN)).toBe(1);
  });

  it('a ring of any tokens unwraps into ranges that cover every token once', () => {
    fc.assert(fc.property(fc.uniqueArray(token, { minLength: 1, maxLength: 12 }), fc.array(token, { maxLength: 10 }), (ring, probes) => {
      const sorted = [...ring].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const ranges = sorted.flatMap((end, i) => unwrapRingRange(sorted[(i + sorted.length - 1) % sorted.length] as bigint, end, I64_MIN));
      for (const t of [...probes, ...ring, I64_MIN, I64_MAX]) expect(owners(ranges, t)).toBe(1);
      expect(coalesce(ranges)).toEqual([FULL_RING]);
    }));
  });

  it('coalesce joins touching ranges; intersectRanges keeps the common parts', () => {
    expect(coalesce([{ start: 5n, end: 9n }, { start: null, end: 1n }, { start: 1n, end: 3n }, { start: 9n, end: null }]))
      .toEqual([{ start: null, end: 3n }, { start: 5n, end: null }]);
    const a = [{ start: null, end: 10n }, { start: 20n, end: 30n }];
    const b = rangesFromBounds([5n, 25n]);
    expect(intersectRanges(a, b)).toEqual([{ start: null, end: 5n }, { start: 5n, end: 10n }, { start: 20n, end: 25n }, { start: 25n, end: 30n }]);
    fc.assert(fc.property(fc.uniqueArray(token, { maxLength: 8 }), fc.uniqueArray(token, { maxLength: 8 }), fc.array(token, { maxLength: 10 }), (x, y, probes) => {
      const sort = (v: bigint[]): bigint[] => [...v].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
      const ra = rangesFromBounds(sort(x));
      const rb = rangesFromBounds(sort(y));
      const both = intersectRanges(ra, rb);
      for (const t of [...probes, ...x, ...y]) expect(owners(both, t)).toBe(1);
    }));
  });

  it('summarySeekIndex finds the last sample <= bound', () => {
    const tokens = [-50n, -10n, -10n, 0n, 40n];
    expect(summarySeekIndex(tokens, -51n)).toBe(-1);
    expect(summarySeekIndex(tokens, -50n)).toBe(0);
    expect(summarySeekIndex(tokens, -10n)).toBe(2);
    expect(summarySeekIndex(tokens, 39n)).toBe(3);
    expect(summarySeekIndex(tokens, I64_MAX)).toBe(4);
    expect(summarySeekIndex([], 0n)).toBe(-1);
  });
});
