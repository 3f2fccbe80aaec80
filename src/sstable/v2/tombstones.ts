/**
 * Turns the range tombstones of one 2.x partition into 3.x range-tombstone markers: well nested, never
 * overlapping, in clustering order, a boundary where one deletion gives way to another.
 *
 * 2.x tombstones are a multiset (§6.5, pitfall P12): writers repeat the open ones at every column-index
 * block and compaction leaves overlapping ones, so a point is deleted at the maximum deletion of the
 * tombstones that cover it. 3.11 UnfilteredDeserializer.OldFormatDeserializer.TombstoneTracker does the
 * same flattening; this version also takes the maximum where several tombstones start at one bound.
 *
 * Streaming: markers are produced lazily. Tombstones wait, sorted by start, until a row (or the end of the
 * partition) moves the stream past them, so tombstones starting at one bound are combined first and
 * tombstones written before the cells they follow (2.1 files, scylla wrong_range_tombstone_order) still
 * land in order. A tombstone whose start was already passed (the repeats at index blocks) starts at the
 * first position not yet emitted. Memory: the open tombstones (shadowed ones are dropped) plus at most
 * MAX_WAITING waiting ones; beyond that the waiting ones before the newest start are settled.
 */
import type { ClusteringOrder } from '../../merge/clustering-order.js';
import { BoundKind, type Bound, type ClusteringValues, type DeletionTime, type RangeMarker, type SSTableEvent } from '../model.js';
import { isBeforeKind } from './names.js';

/** Waiting tombstones beyond which the older ones are settled (bounds memory in tombstone-only stretches). */
const MAX_WAITING = 256;

interface Tombstone {
  readonly start: Bound;
  readonly end: Bound;
  readonly del: DeletionTime;
}

/** DeletionTime.supersedes: the higher markedForDeleteAt, then the higher localDeletionTime. */
export function supersedes(a: DeletionTime, b: DeletionTime): boolean {
  return a.markedForDeleteAt > b.markedForDeleteAt || (a.markedForDeleteAt === b.markedForDeleteAt && a.localDeletionTime > b.localDeletionTime);
}

function sameDeletion(a: DeletionTime | null, b: DeletionTime | null): boolean {
  if (a === null || b === null) return a === b;
  return a.markedForDeleteAt === b.markedForDeleteAt && a.localDeletionTime === b.localDeletionTime;
}

/** The bound "just after" a clustering: where a tombstone arriving late can still start. */
function afterClustering(c: ClusteringValues): Bound {
  return { kind: BoundKind.EXCL_START_BOUND, values: c };
}

export class RangeTracker {
  /** started tombstones, none shadowed by another */
  private active: Tombstone[] = [];
  /** tombstones not yet started, sorted by start */
  private starting: Tombstone[] = [];
  /** the deletion open in the emitted marker stream */
  private open: DeletionTime | null = null;
  /** every position before it has been emitted; null = none yet */
  private floor: Bound | null = null;
  /**
   * the last row passed by beforeRow and not yet folded into `floor`: the floor is only needed when a
   * tombstone arrives, and most partitions have none
   */
  private passed: ClusteringValues | null = null;

  constructor(private readonly order: ClusteringOrder) {}

  reset(): void {
    this.active.length = 0;
    this.starting.length = 0;
    this.open = null;
    this.floor = null;
    this.passed = null;
  }

  get isEmpty(): boolean {
    return this.active.length === 0 && this.starting.length === 0;
  }

  /**
   * Adds a range tombstone. A start before the already emitted part (tombstones repeated at index blocks,
   * or out of order) is moved up to the first position that can still be emitted. `rowOpen`: the caller
   * holds an unemitted row, so nothing may be settled now.
   */
  add(start: Bound, end: Bound, del: DeletionTime, rowOpen: boolean, out: SSTableEvent[]): void {
    const order = this.order;
    const floor = this.currentFloor();
    const s = floor !== null && order.compareBounds(start, floor) < 0 ? floor : start;
    if (order.compareBounds(end, s) <= 0) return;
    const starting = this.starting;
    let at = starting.length;
    for (let i = starting.length - 1; i >= 0; i--) {
      const t = starting[i] as Tombstone;
      const c = order.compareBounds(t.start, s);
      if (c === 0 && !supersedes(del, t.del) && order.compareBounds(t.end, end) >= 0) return;
      if (c > 0) at = i;
      else if (c < 0) break;
    }
    starting.splice(at, 0, { start: s, end, del });
    if (!rowOpen && starting.length > MAX_WAITING) {
      this.flush(s, null, out);
      this.floor = s;
      this.passed = null;
    }
  }

  /** Emits the markers before row `c`; the caller emits the row next. */
  beforeRow(c: ClusteringValues, out: SSTableEvent[]): void {
    if (this.active.length !== 0 || this.starting.length !== 0) this.flush(null, c, out);
    // rows ascend, so only the last one passed can raise the floor
    this.passed = c;
  }

  /** `floor` with the last passed row folded in. */
  private currentFloor(): Bound | null {
    const c = this.passed;
    if (c !== null) {
      this.passed = null;
      const after = afterClustering(c);
      if (this.floor === null || this.order.compareBounds(after, this.floor) > 0) this.floor = after;
    }
    return this.floor;
  }

  /** Emits every remaining marker (end of partition). */
  finish(out: SSTableEvent[]): void {
    this.flush(null, null, out);
    this.reset();
  }

  /** Settles every position before `limit` (a bound), or before clustering `row`, or all of them. */
  private flush(limit: Bound | null, row: ClusteringValues | null, out: SSTableEvent[]): void {
    const order = this.order;
    for (;;) {
      let p: Bound | null = this.starting[0]?.start ?? null;
      for (const t of this.active) if (p === null || order.compareBounds(t.end, p) < 0) p = t.end;
      if (p === null) return;
      if (limit !== null && order.compareBounds(p, limit) >= 0) return;
      if (row !== null && order.compareBoundToClustering(p, row) >= 0) return;
      this.settle(p, out);
    }
  }

  /** Applies every end and start at position p and emits the marker if the open deletion changes. */
  private settle(p: Bound, out: SSTableEvent[]): void {
    const order = this.order;
    const close = this.open;
    const active = this.active;
    let w = 0;
    for (let i = 0; i < active.length; i++) {
      const t = active[i] as Tombstone;
      if (order.compareBounds(t.end, p) !== 0) active[w++] = t;
    }
    active.length = w;
    const starting = this.starting;
    let k = 0;
    while (k < starting.length && order.compareBounds((starting[k] as Tombstone).start, p) === 0) this.activate(starting[k++] as Tombstone);
    if (k > 0) starting.splice(0, k);
    let next: DeletionTime | null = null;
    for (const t of active) if (next === null || supersedes(t.del, next)) next = t.del;
    if (!sameDeletion(close, next)) out.push(marker(p, close, next));
    this.open = next;
  }

  /** Adds a started tombstone unless one that ends no earlier deletes at least as much; drops those it shadows. */
  private activate(t: Tombstone): void {
    const order = this.order;
    const active = this.active;
    for (const a of active) if (!supersedes(t.del, a.del) && order.compareBounds(a.end, t.end) >= 0) return;
    let w = 0;
    for (let i = 0; i < active.length; i++) {
      const a = active[i] as Tombstone;
      if (supersedes(a.del, t.del) || order.compareBounds(a.end, t.end) > 0) active[w++] = a;
    }
    active.length = w;
    active.push(t);
  }
}

function marker(p: Bound, close: DeletionTime | null, open: DeletionTime | null): RangeMarker {
  const before = isBeforeKind(p.kind);
  let kind: BoundKind;
  if (close !== null && open !== null) kind = before ? BoundKind.EXCL_END_INCL_START_BOUNDARY : BoundKind.INCL_END_EXCL_START_BOUNDARY;
  else if (open !== null) kind = before ? BoundKind.INCL_START_BOUND : BoundKind.EXCL_START_BOUND;
  else kind = before ? BoundKind.EXCL_END_BOUND : BoundKind.INCL_END_BOUND;
  return { kind: 'marker', bound: { kind, values: p.values }, close, open };
}
