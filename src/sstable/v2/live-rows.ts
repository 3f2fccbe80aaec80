/**
 * The single-source path of a 2.x SSTable: the events of each decoded structure are reconciled into live
 * CQL rows at once, with exactly the one-source merge (src/merge/merge.ts startPartition, readStatics,
 * bodySingle and endPartition; row-merge.ts writeSingleRow), instead of going through the k-way merge's
 * cursors, event batches and awaits.
 *
 * A row's cells stay in name order (the layout's cellsNeedSort is not applied): writeSingleRow indexes
 * values by column ordinal and only needs the cells of one column together and in path order, which the
 * 2.x comparator order already gives.
 */
import { AgentError } from '../../errors.js';
import { rowContextFor, type MergeOptions } from '../../merge/merge.js';
import { writeSingleRow, type RowContext } from '../../merge/row-merge.js';
import { PartitionRows } from '../../merge/partition-rows.js';
import type { CqlRow } from '../../merge/rows.js';
import type { Cursor } from '../cursor.js';
import type { DataSource } from '../io/data-source.js';
import { I64_MIN, type Row, type SSTableEvent } from '../model.js';
import { decodeUnits, type ReadOptions, type UnitDecoder } from '../unit-stream.js';
import type { V2Layout } from './layout.js';
import { V2Units } from './reader.js';

class V2LiveRows implements UnitDecoder<CqlRow> {
  private readonly units: V2Units;
  /** the events of the structure being decoded (reused) */
  private readonly events: SSTableEvent[] = [];
  private readonly ctx: RowContext;
  private readonly rows: PartitionRows;
  private partitionDel = I64_MIN;
  /** markedForDeleteAt of the open range tombstone (I64_MIN: none) */
  private open = I64_MIN;
  /** a non-static event of the partition was seen: no static row may follow */
  private body = false;

  constructor(layout: V2Layout, merge: MergeOptions) {
    this.units = new V2Units(layout.cellsNeedSort ? { ...layout, cellsNeedSort: false } : layout);
    this.ctx = rowContextFor(merge);
    this.rows = new PartitionRows(merge.columns.length, merge.clustering.size);
  }

  insidePartition(): boolean {
    return this.units.insidePartition();
  }

  step(c: Cursor, out: CqlRow[], stopAt: number): boolean {
    const events = this.events;
    events.length = 0;
    // V2Units pushes events only once the structure is wholly decoded (it throws NEED_MORE before any),
    // so nothing below runs for a structure the driver will rewind.
    const more = this.units.step(c, events, stopAt);
    for (let i = 0; i < events.length; i++) this.apply(events[i] as SSTableEvent, out, c);
    return more;
  }

  private apply(ev: SSTableEvent, out: CqlRow[], c: Cursor): void {
    switch (ev.kind) {
      case 'row':
        if (ev.isStatic) this.staticRow(ev, c);
        else this.row(ev, out);
        return;
      case 'marker':
        this.body = true;
        this.open = ev.open === null ? I64_MIN : ev.open.markedForDeleteAt;
        return;
      case 'partition':
        this.rows.start(ev.key);
        this.partitionDel = ev.deletion.markedForDeleteAt;
        this.open = I64_MIN;
        this.body = false;
        return;
      case 'end':
        this.rows.end(out);
        return;
    }
  }

  private staticRow(row: Row, c: Cursor): void {
    if (this.body) throw new AgentError('E_BAD_FORMAT', 'a static row after the first unfiltered of a partition', { file: c.file, offset: c.offset });
    this.body = true;
    const vals = this.rows.values();
    this.rows.statics(vals, writeSingleRow(row, this.partitionDel, this.ctx, vals));
  }

  private row(row: Row, out: CqlRow[]): void {
    this.body = true;
    const del = this.open > this.partitionDel ? this.open : this.partitionDel;
    const values = this.rows.values();
    if (writeSingleRow(row, del, this.ctx, values)) this.rows.emit(out, row.clustering, values);
  }
}

/**
 * Live CQL rows of one 2.x SSTable read alone: the rows mergeToCqlRows yields for this one source
 * (test/sstable/v2/live-rows.test.ts compares both), for the partitions of [opts.start, opts.end).
 * @throws AgentError as readV2 does
 */
export function readV2LiveRows(source: DataSource, layout: V2Layout, merge: MergeOptions, opts: ReadOptions = {}): AsyncGenerator<CqlRow[]> {
  return decodeUnits(source, new V2LiveRows(layout, merge), opts);
}
