/**
 * Streaming k-way merge of SSTable event streams into live CQL rows (§9).
 *
 * Order: partitions by Partitioner (token, then key bytes), rows and range-tombstone bounds by the
 * ClusteringOrder. Memory: the current batch of each source, the current head of each source, the
 * static rows of the current partition and one output batch (at most OUT_BATCH rows, or what one input
 * batch produces); a partition is never buffered. Views into chunk buffers are kept as they are: the
 * chunk reader never reuses a buffer it has handed out (src/sstable/model.ts).
 *
 * The merge core (Merger.run) is synchronous; it stops when a source's batch is exhausted and the async
 * driver awaits exactly that source's next batch, so there is one await per batch per source.
 */
import { I64_MIN } from '../sstable/model.js';
import type { EventBatches, PartitionStart, RangeMarker, Row, SSTableEvent } from '../sstable/model.js';
import { compareUnsigned } from './bytes.js';
import type { ClusteringOrder, ValueComparator } from './clustering-order.js';
import type { Partitioner, Token } from './partitioner.js';
import type { CounterMerge } from './reconcile.js';
import { writeMergedRow, writeSingleRow } from './row-merge.js';
import type { RowContext } from './row-merge.js';
import type { CqlRow } from './rows.js';
import { PartitionRows } from './partition-rows.js';
import { SourceCursor, badStream } from './source-cursor.js';

export interface ColumnInfo {
  readonly isCounter: boolean;
  readonly isMultiCell: boolean;
  readonly isStatic: boolean;
}

export interface MergeOptions {
  readonly partitioner: Partitioner;
  readonly clustering: ClusteringOrder;
  /** indexed by Cell.column (TableSchema.columns ordinals) */
  readonly columns: readonly ColumnInfo[];
  /** "now" (seconds since the epoch) for TTL expiry */
  readonly nowInSec: number;
  /** CounterContext.merge (types/counter.ts); must be commutative for the result not to depend on source order */
  readonly mergeCounterContexts: CounterMerge;
  /**
   * Per column ordinal, the cell-path order of a multi-cell column (list: TimeUUID order; set/map: the
   * key type's order; UDT: i16 field index). Used only when several sources hold cells of one
   * collection; without it paths are compared as unsigned bytes.
   */
  readonly pathComparators?: readonly (ValueComparator | undefined)[];
  readonly signal?: AbortSignal;
}

/** A merge output batch is handed out once it holds this many rows (or the input batch ran out). */
const OUT_BATCH = 2048;

const DONE = -1;
const FLUSH = -2;

const enum Phase {
  Between,
  Statics,
  Body,
}

class Merger {
  out: CqlRow[] = [];
  private phase = Phase.Between;
  private active: SourceCursor[] = [];
  private partitionDel = I64_MIN;
  private staticCheck = 0;
  private staticRows: Row[] = [];
  private readonly rowBuf: Row[] = [];
  private readonly rowSources: SourceCursor[] = [];
  private readonly rows: PartitionRows;
  private readonly ctx: RowContext;
  private readonly clustering: ClusteringOrder;
  private readonly partitioner: Partitioner;

  constructor(
    private readonly cursors: readonly SourceCursor[],
    opts: MergeOptions,
  ) {
    const n = opts.columns.length;
    this.ctx = rowContextFor(opts);
    this.rows = new PartitionRows(n, opts.clustering.size);
    this.clustering = opts.clustering;
    this.partitioner = opts.partitioner;
  }

  /** Runs until a source needs its next batch (returns its index), the output is full (FLUSH) or all is done (DONE). */
  run(): number {
    for (;;) {
      if (this.phase === Phase.Between) {
        const need = this.startPartition();
        if (need !== FLUSH) return need;
      }
      if (this.phase === Phase.Statics) {
        const need = this.readStatics();
        if (need !== FLUSH) return need;
      }
      const need = this.active.length === 1 ? this.bodySingle() : this.bodyMulti();
      if (need !== FLUSH || this.out.length >= OUT_BATCH) return need;
    }
  }

  /** Picks the sources holding the smallest partition key; FLUSH means "go on". */
  private startPartition(): number {
    const cursors = this.cursors;
    const active = this.active;
    active.length = 0;
    let bestKey: Uint8Array | null = null;
    for (const c of cursors) {
      if (c.done) continue;
      if (c.idx >= c.batch.length) return c.index;
      const ev = c.batch[c.idx] as SSTableEvent;
      if (ev.kind !== 'partition') throw badStream(`expected a partition start, found a ${ev.kind}`, c);
      if (bestKey === null) {
        active.push(c);
        bestKey = ev.key;
        continue;
      }
      const cmp = this.compareKeys(c, ev.key, active[0] as SourceCursor, bestKey);
      if (cmp < 0) {
        active.length = 0;
        active.push(c);
        bestKey = ev.key;
      } else if (cmp === 0) {
        active.push(c);
      }
    }
    if (bestKey === null) return DONE;
    let del = I64_MIN;
    for (const c of active) {
      const p = c.batch[c.idx++] as PartitionStart;
      c.position = p.position;
      if (p.deletion.markedForDeleteAt > del) del = p.deletion.markedForDeleteAt;
      c.open = I64_MIN;
      c.ended = false;
    }
    this.rows.start(bestKey);
    this.partitionDel = del;
    this.staticCheck = 0;
    this.staticRows.length = 0;
    this.phase = Phase.Statics;
    return FLUSH;
  }

  /** Partitioner order (token, then key bytes unsigned) with each source's token computed once per partition. */
  private compareKeys(a: SourceCursor, aKey: Uint8Array, b: SourceCursor, bKey: Uint8Array): number {
    const p = this.partitioner;
    if (p.compareTokens === undefined) return p.compareKeys(aKey, bKey);
    const c = p.compareTokens(this.tokenOf(a, aKey), this.tokenOf(b, bKey));
    return c !== 0 ? c : compareUnsigned(aKey, bKey);
  }

  private tokenOf(c: SourceCursor, key: Uint8Array): Token {
    if (c.tokenKey !== key || c.token === null) {
      c.token = this.partitioner.token(key);
      c.tokenKey = key;
    }
    return c.token;
  }

  /** Takes the static row (if any) of every active source, then reconciles them once. */
  private readStatics(): number {
    const active = this.active;
    while (this.staticCheck < active.length) {
      const c = active[this.staticCheck] as SourceCursor;
      if (c.idx >= c.batch.length) {
        if (c.done) throw badStream('the stream ended inside a partition', c);
        return c.index;
      }
      const ev = c.batch[c.idx] as SSTableEvent;
      if (ev.kind === 'row' && ev.isStatic) {
        this.staticRows.push(ev);
        c.idx++;
      }
      this.staticCheck++;
    }
    const rows = this.staticRows;
    if (rows.length > 0) {
      const vals = this.rows.values();
      const first = rows[0] as Row;
      const live = rows.length === 1 ? writeSingleRow(first, this.partitionDel, this.ctx, vals) : writeMergedRow(rows, rows.length, this.partitionDel, this.ctx, vals);
      this.rows.statics(vals, live);
    }
    this.phase = Phase.Body;
    return FLUSH;
  }

  /** The partition has one source: no comparisons, one range-tombstone state. */
  private bodySingle(): number {
    const c = this.active[0] as SourceCursor;
    const batch = c.batch;
    const len = batch.length;
    let i = c.idx;
    while (i < len) {
      const ev = batch[i++] as SSTableEvent;
      switch (ev.kind) {
        case 'row': {
          if (ev.isStatic) throw badStream('a static row after the first unfiltered of a partition', c);
          const del = c.open > this.partitionDel ? c.open : this.partitionDel;
          const values = this.rows.values();
          if (writeSingleRow(ev, del, this.ctx, values)) this.rows.emit(this.out, ev.clustering, values);
          if (this.out.length >= OUT_BATCH) {
            c.idx = i;
            return FLUSH;
          }
          break;
        }
        case 'marker':
          c.open = ev.open === null ? I64_MIN : ev.open.markedForDeleteAt;
          break;
        case 'end':
          c.idx = i;
          this.endPartition();
          return FLUSH;
        case 'partition':
          throw badStream('a partition start inside a partition', c);
      }
    }
    c.idx = i;
    if (c.done) throw badStream('the stream ended inside a partition', c);
    return c.index;
  }

  /** Several sources: repeatedly take the smallest head (rows of equal clustering together). */
  private bodyMulti(): number {
    const active = this.active;
    const order = this.clustering;
    const rows = this.rowBuf;
    const rowSources = this.rowSources;
    for (;;) {
      let best: SourceCursor | null = null;
      let bestEv: Row | RangeMarker | null = null;
      rows.length = 0;
      rowSources.length = 0;
      for (const c of active) {
        if (c.ended) continue;
        if (c.idx >= c.batch.length) {
          if (c.done) throw badStream('the stream ended inside a partition', c);
          return c.index;
        }
        const ev = c.batch[c.idx] as SSTableEvent;
        if (ev.kind === 'end') {
          c.ended = true;
          c.open = I64_MIN;
          c.idx++;
          continue;
        }
        if (ev.kind === 'partition') throw badStream('a partition start inside a partition', c);
        if (ev.kind === 'row' && ev.isStatic) throw badStream('a static row after the first unfiltered of a partition', c);
        const cmp = bestEv === null ? -1 : compareUnfiltered(order, ev, bestEv);
        if (cmp < 0) {
          best = c;
          bestEv = ev;
          rows.length = 0;
          rowSources.length = 0;
          if (ev.kind === 'row') {
            rows.push(ev);
            rowSources.push(c);
          }
        } else if (cmp === 0 && ev.kind === 'row') {
          rows.push(ev);
          rowSources.push(c);
        }
      }
      if (best === null || bestEv === null) {
        this.endPartition();
        return FLUSH;
      }
      if (bestEv.kind === 'marker') {
        best.open = bestEv.open === null ? I64_MIN : bestEv.open.markedForDeleteAt;
        best.idx++;
        continue;
      }
      let del = this.partitionDel;
      for (const c of active) if (c.open > del) del = c.open;
      for (const c of rowSources) c.idx++;
      const values = this.rows.values();
      const exists = rows.length === 1 ? writeSingleRow(bestEv, del, this.ctx, values) : writeMergedRow(rows, rows.length, del, this.ctx, values);
      if (exists) this.rows.emit(this.out, bestEv.clustering, values);
      if (this.out.length >= OUT_BATCH) return FLUSH;
    }
  }

  /** A partition whose only live data is static yields one row with null clustering values (§9.3). */
  private endPartition(): void {
    this.rows.end(this.out);
    this.staticRows.length = 0;
    this.phase = Phase.Between;
  }
}

/** What writeSingleRow/writeMergedRow need of the merge options. */
export function rowContextFor(opts: MergeOptions): RowContext {
  const n = opts.columns.length;
  const multiCell = new Uint8Array(n);
  const counter = new Uint8Array(n);
  opts.columns.forEach((c, i) => {
    multiCell[i] = c.isMultiCell ? 1 : 0;
    counter[i] = c.isCounter ? 1 : 0;
  });
  return { nowInSec: opts.nowInSec, multiCell, counter, mergeCounterContexts: opts.mergeCounterContexts, pathComparators: opts.pathComparators };
}

function compareUnfiltered(order: ClusteringOrder, a: Row | RangeMarker, b: Row | RangeMarker): number {
  if (a.kind === 'row') {
    return b.kind === 'row' ? order.compare(a.clustering, b.clustering) : -order.compareBoundToClustering(b.bound, a.clustering);
  }
  return b.kind === 'row' ? order.compareBoundToClustering(a.bound, b.clustering) : order.compareBounds(a.bound, b.bound);
}

/**
 * Merges the event streams of several SSTables (each in partitioner order) into live CQL rows, in
 * partition then clustering order, reconciling as Cassandra's read path does (§9). Throws E_BAD_FORMAT
 * when a stream breaks the event grammar, E_SCHEMA for a cell of an unknown column, and the signal's
 * reason when aborted. Every source iterator is closed when the result is closed or fails.
 */
export async function* mergeToCqlRows(sources: readonly EventBatches[], opts: MergeOptions): AsyncIterable<CqlRow[]> {
  const cursors = sources.map((s, i) => new SourceCursor(i, s[Symbol.asyncIterator]()));
  const merger = new Merger(cursors, opts);
  try {
    for (;;) {
      const need = merger.run();
      if (merger.out.length > 0) {
        const batch = merger.out;
        merger.out = [];
        yield batch;
      }
      if (need === DONE) return;
      if (need >= 0) {
        opts.signal?.throwIfAborted();
        await (cursors[need] as SourceCursor).fill();
      }
    }
  } finally {
    for (const c of cursors) await c.close();
  }
}
