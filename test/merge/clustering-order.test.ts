import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeClusteringOrder } from '../../src/merge/clustering-order.js';
import { compareUnsigned } from '../../src/merge/bytes.js';
import { BoundKind } from '../../src/sstable/model.js';
import type { Bound, ClusteringValues } from '../../src/sstable/model.js';

const v = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const desc = (a: Uint8Array, b: Uint8Array): number => -compareUnsigned(a, b);
const order = makeClusteringOrder([compareUnsigned, desc]);
const bound = (kind: BoundKind, ...vals: (Uint8Array | null)[]): Bound => ({ kind, values: vals });

describe('makeClusteringOrder', () => {
  it('compares full clusterings column by column, honouring reversed comparators', () => {
    expect(order.size).toBe(2);
    expect(order.compare([v(1), v(5)], [v(2), v(0)])).toBeLessThan(0);
    expect(order.compare([v(1), v(5)], [v(1), v(4)])).toBeLessThan(0); // DESC second column
    expect(order.compare([v(1), v(5)], [v(1), v(5)])).toBe(0);
  });

  it('sorts null before every value and an empty value before non-empty ones', () => {
    expect(order.compare([null, v(1)], [v(), v(1)])).toBeLessThan(0);
    expect(order.compare([v(), v(1)], [v(0), v(1)])).toBeLessThan(0);
    expect(order.compare([null, v(1)], [null, v(1)])).toBe(0);
  });

  it('places prefix bounds by kind around the clusterings that extend them', () => {
    const c = [v(3), v(9)];
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_START_BOUND, v(3)), c)).toBe(-1);
    expect(order.compareBoundToClustering(bound(BoundKind.EXCL_END_BOUND, v(3)), c)).toBe(-1);
    expect(order.compareBoundToClustering(bound(BoundKind.EXCL_END_INCL_START_BOUNDARY, v(3)), c)).toBe(-1);
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_END_BOUND, v(3)), c)).toBe(1);
    expect(order.compareBoundToClustering(bound(BoundKind.EXCL_START_BOUND, v(3)), c)).toBe(1);
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_END_EXCL_START_BOUNDARY, v(3)), c)).toBe(1);
    // full-size bounds, too
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_START_BOUND, v(3), v(9)), c)).toBe(-1);
    expect(order.compareBoundToClustering(bound(BoundKind.EXCL_START_BOUND, v(3), v(9)), c)).toBe(1);
    // a different prefix value decides first
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_END_BOUND, v(2)), c)).toBeLessThan(0);
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_START_BOUND, v(4)), c)).toBeGreaterThan(0);
  });

  it('treats empty bounds as BOTTOM and TOP', () => {
    const c: ClusteringValues = [v(0), v(0)];
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_START_BOUND), c)).toBe(-1);
    expect(order.compareBoundToClustering(bound(BoundKind.INCL_END_BOUND), c)).toBe(1);
    expect(order.compareBounds(bound(BoundKind.INCL_START_BOUND), bound(BoundKind.INCL_START_BOUND, v(0)))).toBe(-1);
    expect(order.compareBounds(bound(BoundKind.INCL_END_BOUND), bound(BoundKind.INCL_END_BOUND, v(255)))).toBe(1);
  });

  it('orders bounds at the same prefix by kind', () => {
    const excEnd = bound(BoundKind.EXCL_END_BOUND, v(3));
    const incStart = bound(BoundKind.INCL_START_BOUND, v(3));
    const incEnd = bound(BoundKind.INCL_END_BOUND, v(3));
    const excStart = bound(BoundKind.EXCL_START_BOUND, v(3));
    expect(order.compareBounds(excEnd, incStart)).toBe(0);
    expect(order.compareBounds(incStart, incEnd)).toBe(-1);
    expect(order.compareBounds(incEnd, excStart)).toBe(0);
    // a longer bound inside the prefix sorts between the prefix's start and end
    const inner = bound(BoundKind.INCL_START_BOUND, v(3), v(1));
    expect(order.compareBounds(incStart, inner)).toBe(-1);
    expect(order.compareBounds(inner, incEnd)).toBe(-1);
    expect(order.compareBounds(inner, incStart)).toBe(1);
  });

  it('is antisymmetric over random bounds (property)', () => {
    const val = fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 2 }));
    const kind = fc.constantFrom(0, 1, 2, 5, 6, 7) as fc.Arbitrary<BoundKind>;
    const b = fc.record({ kind, values: fc.array(val, { maxLength: 2 }) });
    fc.assert(fc.property(b, b, (x, y) => {
      expect(Math.sign(order.compareBounds(x, y)) + Math.sign(order.compareBounds(y, x))).toBe(0);
    }));
  });
});
