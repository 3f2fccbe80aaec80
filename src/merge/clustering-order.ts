/**
 * The order of rows and range-tombstone bounds inside a partition (Cassandra's ClusteringComparator).
 */
import { BoundKind } from '../sstable/model.js';
import type { Bound, ClusteringValues } from '../sstable/model.js';

/** Orders two values of one clustering column; for DESC columns it is already reversed. */
export type ValueComparator = (a: Uint8Array, b: Uint8Array) => number;

export interface ClusteringOrder {
  /** number of clustering columns */
  readonly size: number;
  /** full clusterings (rows) */
  compare(a: ClusteringValues, b: ClusteringValues): number;
  /** where a bound sorts relative to a row; never 0 for a real bound */
  compareBoundToClustering(b: Bound, c: ClusteringValues): number;
  compareBounds(a: Bound, b: Bound): number;
}

/**
 * ClusteringPrefix.Kind: `comparison` orders kinds at equal values and equal sizes; `comparedToClustering`
 * says where a bound sorts relative to every clustering that extends its (shorter) prefix. Starts that
 * include and ends that exclude their prefix sort before it; the others after it. Indexed by BoundKind.
 */
const KIND_COMPARISON = [0, 0, 0, 1, 2, 3, 3, 3] as const;
const KIND_TO_CLUSTERING = [-1, -1, -1, -1, 0, 1, 1, 1] as const;

function kindComparison(k: BoundKind): number {
  return KIND_COMPARISON[k] ?? 2;
}

function kindToClustering(k: BoundKind): number {
  return KIND_TO_CLUSTERING[k] ?? 0;
}

/**
 * Builds Cassandra's ClusteringComparator over the given per-column comparators. A null value (the
 * "null" bit) sorts before every value (ClusteringComparator.compareComponent).
 */
export function makeClusteringOrder(columns: readonly ValueComparator[]): ClusteringOrder {
  const cmps = columns.slice();
  const size = cmps.length;

  /** compares the first n components; 0 if all equal */
  function compareValues(a: ClusteringValues, b: ClusteringValues, n: number): number {
    for (let i = 0; i < n; i++) {
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      if (x === null || y === null) {
        if (x !== y) return x === null ? -1 : 1;
        continue;
      }
      const cmp = cmps[i];
      const c = cmp === undefined ? 0 : cmp(x, y);
      if (c !== 0) return c;
    }
    return 0;
  }

  /** ClusteringComparator.compare(ClusteringPrefix, ClusteringPrefix) */
  function comparePrefixes(av: ClusteringValues, ak: BoundKind, bv: ClusteringValues, bk: BoundKind): number {
    const s1 = av.length;
    const s2 = bv.length;
    const c = compareValues(av, bv, s1 < s2 ? s1 : s2);
    if (c !== 0) return c;
    if (s1 === s2) {
      const k1 = kindComparison(ak);
      const k2 = kindComparison(bk);
      return k1 === k2 ? 0 : k1 < k2 ? -1 : 1;
    }
    return s1 < s2 ? kindToClustering(ak) : -kindToClustering(bk);
  }

  return {
    size,
    compare(a, b) {
      const n = a.length < b.length ? a.length : b.length;
      return compareValues(a, b, n);
    },
    compareBoundToClustering(b, c) {
      return comparePrefixes(b.values, b.kind, c, BoundKind.CLUSTERING);
    },
    compareBounds(a, b) {
      return comparePrefixes(a.values, a.kind, b.values, b.kind);
    },
  };
}
