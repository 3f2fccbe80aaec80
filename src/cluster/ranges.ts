/**
 * Pure planning of token ranges: how a table's work is cut into ranges, and where a range starts in an
 * SSTable's Summary.db. No files are read here (range-reader.ts does the I/O).
 *
 * A TokenRange is (start, end] like Cassandra's Range<Token> (C/dht/Range.java), but never wraps:
 * `start: null` means "below every token", so the range also holds the minimum token (the token of the
 * empty key: Murmur3 i64 min, Random −1), which no (t, x] with a real t contains; `end: null` means "up
 * to the top of the ring". A Cassandra wrapping range (t_last, t_first] becomes (t_last, null] plus
 * (null, t_first] (unwrapRingRange), exactly as Range.unwrap does with the minimum token.
 *
 * Plans are ascending, disjoint and cover the whole ring, so each partition token falls in exactly one
 * range: rows are never duplicated or lost at range edges. Partitions with equal tokens (hash
 * collisions) always fall in the same range, since bounds are tokens, never keys.
 *
 * Only numeric tokens (Murmur3Partitioner, RandomPartitioner) can be split. ByteOrderedPartitioner and
 * LocalPartitioner tokens are key bytes: their tables are planned as the single FULL_RING range.
 */
import { AgentError } from '../errors.js';

export interface TokenRange {
  /** exclusive lower bound; null = below every token (the minimum token included) */
  readonly start: bigint | null;
  /** inclusive upper bound; null = the top of the ring */
  readonly end: bigint | null;
}

export const FULL_RING: TokenRange = Object.freeze({ start: null, end: null });

/** The tokens a partitioner gives to non-empty keys: [min, max]. */
export interface TokenSpace {
  readonly min: bigint;
  readonly max: bigint;
}

const PKG = 'org.apache.cassandra.dht.';

/**
 * Murmur3Partitioner: [i64 min + 1, i64 max] (a hash equal to i64 min is replaced by i64 max);
 * RandomPartitioner: [0, 2^127]. Null for partitioners whose tokens are not numbers (plan one range).
 */
export function tokenSpace(partitionerClass: string): TokenSpace | null {
  const short = partitionerClass.startsWith(PKG) ? partitionerClass.slice(PKG.length) : partitionerClass;
  switch (short) {
    case 'Murmur3Partitioner':
      return { min: -(1n << 63n) + 1n, max: (1n << 63n) - 1n };
    case 'RandomPartitioner':
      return { min: 0n, max: 1n << 127n };
    default:
      return null;
  }
}

export function rangeContains(r: TokenRange, token: bigint): boolean {
  return (r.start === null || token > r.start) && (r.end === null || token <= r.end);
}

/**
 * Where to cut a plan of n ranges whose last `tail` are each cut again in TAPER_PIECES: numerators over
 * a denominator of n × TAPER_PIECES, ascending, in (0, denominator). With tail 0 these are the n − 1
 * even cuts. Workers take the next range as they finish one, so a pass ends when the last range ends:
 * the worker that is not reading it waits, on average half a range. Small final ranges shorten that
 * wait (planRanges, parallel.ts) at the cost of a few more seeks.
 */
export function taperedCuts(n: number, tail = 0): { readonly cuts: readonly number[]; readonly denominator: number } {
  checkCount(n);
  const t = Math.max(0, Math.min(n, Math.floor(tail)));
  const cuts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) cuts.push(i * TAPER_PIECES);
    if (i >= n - t) for (let k = 1; k < TAPER_PIECES; k++) cuts.push(i * TAPER_PIECES + k);
  }
  return { cuts, denominator: n * TAPER_PIECES };
}

/** How many pieces each of a plan's final ranges is cut into (taperedCuts). */
export const TAPER_PIECES = 4;

/**
 * n ranges of equal token width over the whole ring (the first includes the minimum token); with
 * `tail`, the last `tail` of them each cut in TAPER_PIECES (taperedCuts).
 */
export function splitEvenly(space: TokenSpace | null, n: number, tail = 0): TokenRange[] {
  const { cuts, denominator } = taperedCuts(n, tail);
  if (space === null || cuts.length === 0) return [FULL_RING];
  const width = space.max - space.min;
  const bounds: bigint[] = [];
  for (const c of cuts) bounds.push(space.min + (width * BigInt(c)) / BigInt(denominator));
  return rangesFromBounds(bounds);
}

/**
 * Up to n ranges holding about the same number of samples each: `samples` are partition tokens drawn
 * evenly from the data (Summary.db entries, one per ~minIndexInterval partitions), in any order. With
 * `tail`, the last `tail` of them are each cut in TAPER_PIECES (taperedCuts). Fewer ranges come back
 * when there are too few distinct samples.
 */
export function splitBySamples(samples: readonly bigint[], n: number, tail = 0): TokenRange[] {
  const { cuts, denominator } = taperedCuts(n, tail);
  if (cuts.length === 0 || samples.length === 0) return [FULL_RING];
  const sorted = [...samples].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bounds: bigint[] = [];
  for (const c of cuts) {
    const b = sorted[Math.floor((sorted.length * c) / denominator) - 1];
    if (b !== undefined && (bounds.length === 0 || b > (bounds[bounds.length - 1] as bigint))) bounds.push(b);
  }
  return rangesFromBounds(bounds);
}

/** Ranges (null, b0], (b0, b1], ..., (bk, null] from strictly ascending bounds. */
export function rangesFromBounds(bounds: readonly bigint[]): TokenRange[] {
  const out: TokenRange[] = [];
  let start: bigint | null = null;
  for (const b of bounds) {
    if (start !== null && b <= start) throw new AgentError('E_BAD_ARGUMENT', `range bounds must ascend strictly: ${b} after ${start}`);
    out.push({ start, end: b });
    start = b;
  }
  out.push({ start, end: null });
  return out;
}

/**
 * Cassandra's Range(start, end] over a ring whose tokens run from `minToken` (C/dht/Range.java): it wraps
 * when start >= end, and (t, t] is the whole ring; an end equal to the minimum token means "to the top".
 */
export function unwrapRingRange(start: bigint, end: bigint, minToken: bigint): TokenRange[] {
  const s = start === minToken ? null : start;
  if (end === minToken) return [{ start: s, end: null }];
  if (start < end) return [{ start: s, end }];
  if (start === end) return [FULL_RING];
  return s === null ? [{ start: null, end }] : [{ start: null, end }, { start: s, end: null }];
}

function lowerBefore(a: bigint | null, b: bigint | null): boolean {
  return a === null ? b !== null : b !== null && a < b;
}

function upperBefore(a: bigint | null, b: bigint | null): boolean {
  return a !== null && (b === null || a < b);
}

/** Sorts ranges and merges the ones that touch or overlap. */
export function coalesce(ranges: readonly TokenRange[]): TokenRange[] {
  const sorted = [...ranges].sort((a, b) => (lowerBefore(a.start, b.start) ? -1 : lowerBefore(b.start, a.start) ? 1 : 0));
  const out: TokenRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    // touching: last.end >= r.start (both bounds are tokens; (a, b] and (b, c] join to (a, c])
    if (last !== undefined && (r.start === null || !upperBefore(last.end, r.start))) {
      if (upperBefore(last.end, r.end)) out[out.length - 1] = { start: last.start, end: r.end };
    } else {
      out.push(r);
    }
  }
  return out;
}

/** The parts of `a` inside `b`; both ascending and disjoint. */
export function intersectRanges(a: readonly TokenRange[], b: readonly TokenRange[]): TokenRange[] {
  const out: TokenRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as TokenRange;
    const y = b[j] as TokenRange;
    const start = lowerBefore(x.start, y.start) ? y.start : x.start;
    const end = upperBefore(x.end, y.end) ? x.end : y.end;
    if (end === null || start === null || start < end) out.push({ start, end });
    if (upperBefore(x.end, y.end)) i++;
    else j++;
  }
  return out;
}

/**
 * Where to start scanning Index.db for the first partition with token > bound: the index of the last
 * Summary.db entry whose token is <= bound (every partition before it has a token <= bound, since
 * entries are in partition order), or -1 to start at the beginning of Index.db.
 * @param tokens tokens of the summary entries, in entry order (ascending)
 */
export function summarySeekIndex(tokens: readonly bigint[], bound: bigint): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((tokens[mid] as bigint) <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Text of a range for messages and reports: (start, end]. */
export function formatRange(r: TokenRange): string {
  return `(${r.start === null ? '-inf' : r.start.toString()}, ${r.end === null ? '+inf' : r.end.toString()}]`;
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new AgentError('E_BAD_ARGUMENT', `the number of token ranges must be a positive integer, got ${n}`);
}
