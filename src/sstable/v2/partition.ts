/**
 * Groups the atoms of one 2.x partition into 3.x rows and markers (§6.4, §6.5), as 3.11
 * LegacyLayout.CellGrouper and UnfilteredDeserializer.OldFormatDeserializer do, for every table flavour.
 *
 * Atoms arrive in comparator order. Consecutive atoms of one clustering form one row: the row marker
 * (empty column name) is its liveness, a range tombstone over exactly that clustering its deletion, a
 * tombstone over one collection of it a complex deletion. Other tombstones become markers (tombstones.ts).
 * Only the row being built is held; it is emitted when an atom of another clustering arrives.
 */
import { AgentError } from '../../errors.js';
import {
  sortCellsByColumn, ViewCell,
  BoundKind, EMPTY_LIVENESS, LIVE, NO_DELETION_TIME,
  type Bound, type Cell, type ClusteringValues, type DeletionTime, type Liveness, type Row, type SSTableEvent,
} from '../model.js';
import { findColumn, type V2Column, type V2Layout } from './layout.js';
import { BOTTOM, CompositeScan, TOP, compoundBound, sameBytes, sameRange } from './names.js';
import { RangeTracker, supersedes } from './tombstones.js';

/** LegacyLayout.CellGrouper.FAKE_TTL: a deleted 2.x row marker becomes an already expired liveness. */
const FAKE_TTL = 1;
const EMPTY_KEY = new Uint8Array(0);
const decoder = new TextDecoder();

class RowBuilder {
  key: Uint8Array = EMPTY_KEY;
  clustering: ClusteringValues = [];
  isStatic = false;
  liveness: Liveness = EMPTY_LIVENESS;
  deletion: DeletionTime = LIVE;
  cells: Cell[] = [];
  complexDeletions: Map<number, DeletionTime> | null = null;
}

export class PartitionProcessor {
  private readonly scan = new CompositeScan();
  private readonly scanEnd = new CompositeScan();
  private readonly tracker: RangeTracker;
  private readonly n: number;
  private row: RowBuilder | null = null;
  /** clustering of the last emitted row (rows must ascend) */
  private last: ClusteringValues | null = null;
  /** non-static atoms seen: static cells may no longer come */
  private body = false;
  /** static compact tables: the defined columns' cells, emitted as one row at the end */
  private compactRow: RowBuilder | null = null;

  constructor(private readonly l: V2Layout) {
    this.tracker = new RangeTracker(l.order);
    this.n = l.clusteringSize;
  }

  begin(): void {
    this.row = null;
    this.last = null;
    this.body = false;
    this.compactRow = null;
    this.tracker.reset();
  }

  end(out: SSTableEvent[]): void {
    this.finishRow(out);
    if (this.compactRow !== null) out.push(build(this.compactRow, this.l.cellsNeedSort));
    this.compactRow = null;
    this.tracker.finish(out);
    out.push({ kind: 'end' });
  }

  /** One cell atom named buf[ns, ne); `offset` (the atom's stream offset) is for error messages. */
  cell(out: SSTableEvent[], buf: Uint8Array, ns: number, ne: number, ts: bigint, ttl: number, ldt: number, vOff: number, vLen: number, lastDelete: bigint | null, offset: number): void {
    const l = this.l;
    if (l.staticCompact) return this.compactCell(buf, ns, ne, ts, ttl, ldt, vOff, vLen, lastDelete, offset);
    if (!l.compound) {
      // dense, one clustering column: the name is the raw clustering value
      const row = this.rowFor(out, buf, ns, ne, false, offset, null, 0);
      return this.denseCell(row, buf, ts, ttl, ldt, vOff, vLen, lastDelete);
    }
    const s = this.scan;
    const n = this.n;
    s.scan(buf, ns, ne, l.dense ? n : n + 2, l.file, offset);
    if (l.dense) {
      const k = s.count;
      const row = this.rowFor(out, buf, s.first, s.keyEnd(k), false, offset, s, k);
      return this.denseCell(row, buf, ts, ttl, ldt, vOff, vLen, lastDelete);
    }
    if (s.count < n + 1) {
      throw new AgentError('E_BAD_FORMAT', `cell name has ${s.count} components, the comparator ${l.comparator} needs ${n + 1} or more`, { file: l.file, offset });
    }
    const colLen = s.length(n);
    if (colLen === 0) {
      // the CQL row marker (§6.4, pitfall P10)
      const row = this.rowFor(out, s.buf, s.first, s.keyEnd(n), s.isStatic, offset, s, n);
      if (ldt === NO_DELETION_TIME || ttl !== 0) row.liveness = { timestamp: ts, ttl, localExpirationTime: ldt };
      else row.liveness = { timestamp: ts, ttl: FAKE_TTL, localExpirationTime: ldt };
      return;
    }
    const col = findColumn(l, buf, s.start(n), s.start(n) + colLen);
    if (col === undefined || (col.droppedAt !== null && ts <= col.droppedAt)) {
      this.unknownOrDropped(col, decoder.decode(s.view(n)), ts, offset);
      return;
    }
    if (col.isStatic !== s.isStatic) {
      throw new AgentError('E_SCHEMA', `column "${col.name}" is ${col.isStatic ? '' : 'not '}static in the schema of ${l.keyspace}.${l.table} but its cells are ${s.isStatic ? '' : 'not '}static; the schema does not match the data`, { file: l.file, offset });
    }
    const hasPath = s.count === n + 2;
    if (hasPath !== col.complex) {
      throw new AgentError('E_SCHEMA', `column "${col.name}" is ${col.complex ? 'a non-frozen collection' : 'a simple column'} in the schema of ${l.keyspace}.${l.table}, but its cells are ${hasPath ? 'collection elements' : 'simple'}; the schema does not match the data`, { file: l.file, offset });
    }
    const pOff = hasPath ? s.start(n + 1) : -1;
    const pLen = hasPath ? s.length(n + 1) : 0;
    const row = this.rowFor(out, s.buf, s.first, s.keyEnd(n), s.isStatic, offset, s, n);
    row.cells.push(makeCell(col.ordinal, buf, pOff, pLen, ts, ttl, ldt, vOff, vLen, lastDelete));
  }

  /** One range-tombstone atom: bounds `min`..`max` (composite or raw), deletion `del`. */
  tombstone(out: SSTableEvent[], min: Uint8Array, max: Uint8Array, del: DeletionTime, offset: number): void {
    const l = this.l;
    // Static compact tables: tombstones only cover dynamic (column1, value) cells, which this CQL view has not.
    if (l.staticCompact) return;
    const n = this.n;
    if (!l.compound) {
      // LegacyLayout.decodeBound, non-compound: inclusive raw values; empty = BOTTOM/TOP
      if (min.length > 0 && sameBytes(min, max)) {
        const row = this.rowFor(out, min, 0, min.length, false, offset, null, 0);
        if (supersedes(del, row.deletion)) row.deletion = del;
        return;
      }
      const start: Bound = min.length === 0 ? BOTTOM : { kind: BoundKind.INCL_START_BOUND, values: [min] };
      const end: Bound = max.length === 0 ? TOP : { kind: BoundKind.INCL_END_BOUND, values: [max] };
      return this.rangeTombstone(out, start, end, del);
    }
    const a = this.scan;
    const b = this.scanEnd;
    a.scan(min, 0, min.length, n + 1, l.file, offset);
    b.scan(max, 0, max.length, n + 1, l.file, offset);
    const ka = a.count;
    const kb = b.count;
    if (ka === n + 1 && kb === n + 1 && a.isStatic === b.isStatic && sameBytes(a.key(n), b.key(n)) && sameBytes(a.view(n), b.view(n))) {
      return this.collectionTombstone(out, a, del, offset);
    }
    if (ka === n && kb === n && !a.isStatic && !b.isStatic && sameBytes(a.key(n), b.key(n))) {
      const row = this.rowFor(out, min, a.first, a.keyEnd(n), false, offset, a, n);
      if (supersedes(del, row.deletion)) row.deletion = del;
      return;
    }
    // A bound inside a row (a column-name component) comes from a 2.x RangeTombstoneList split around a newer
    // collection tombstone; widening it to the whole row keeps every point at its maximum deletion.
    let start: Bound;
    if (min.length === 0 || a.isStatic) start = BOTTOM;
    else if (ka > n) start = compoundBound(a, n, -1, true, n);
    else start = compoundBound(a, ka, a.lastEoc(), true, n);
    if (b.isStatic) return; // ends inside the static row: covers no clustering
    let end: Bound;
    if (max.length === 0) end = TOP;
    else if (kb > n) end = compoundBound(b, n, 1, false, n);
    else end = compoundBound(b, kb, b.lastEoc(), false, n);
    this.rangeTombstone(out, start, end, del);
  }

  private collectionTombstone(out: SSTableEvent[], s: CompositeScan, del: DeletionTime, offset: number): void {
    const l = this.l;
    const n = this.n;
    const col = findColumn(l, s.buf, s.start(n), s.start(n) + s.length(n));
    if (col === undefined || !col.complex || col.isStatic !== s.isStatic) {
      const name = decoder.decode(s.view(n));
      // LegacyLayout.decodeBound: a collection that was dropped (or dropped and re-added as another type) is skipped
      if (l.dropped.has(name)) return;
      throw new AgentError('E_SCHEMA', `collection tombstone for column "${name}", which is not a ${s.isStatic ? 'static ' : ''}non-frozen collection in the schema of ${l.keyspace}.${l.table}; the schema does not match the data`, { file: l.file, offset });
    }
    if (col.droppedAt !== null && del.markedForDeleteAt <= col.droppedAt) return;
    const row = this.rowFor(out, s.buf, s.first, s.keyEnd(n), s.isStatic, offset, s, n);
    const map = (row.complexDeletions ??= new Map<number, DeletionTime>());
    const prev = map.get(col.ordinal);
    if (prev === undefined || supersedes(del, prev)) map.set(col.ordinal, del);
  }

  private rangeTombstone(out: SSTableEvent[], start: Bound, end: Bound, del: DeletionTime): void {
    // A tombstone starting after the row being built ends it (CellGrouper.addGenericRangeTombstone); one
    // starting before it is a repeat from an index block start and leaves it open.
    const row = this.row;
    if (row !== null && (row.isStatic || this.l.order.compareBoundToClustering(start, row.clustering) > 0)) this.finishRow(out);
    this.body = true;
    this.tracker.add(start, end, del, this.row !== null, out);
  }

  /**
   * The row being built if buf[start, end) is its clustering key (CompositeScan.key), else a new one (after
   * emitting the current one) whose clustering is the first k components of `scan`, or the key itself for
   * raw (non-compound) names.
   * @throws AgentError E_BAD_FORMAT when rows do not ascend or a static atom follows a clustering one
   */
  private rowFor(out: SSTableEvent[], buf: Uint8Array, start: number, end: number, isStatic: boolean, offset: number, scan: CompositeScan | null, k: number): RowBuilder {
    const cur = this.row;
    if (cur !== null && cur.isStatic === isStatic && sameRange(cur.key, buf, start, end)) return cur;
    const key = buf.subarray(start, end);
    const l = this.l;
    if (isStatic) {
      if (this.body || cur !== null) throw new AgentError('E_BAD_FORMAT', 'a static cell after the first non-static atom of a partition', { file: l.file, offset });
    } else {
      this.finishRow(out);
      this.body = true;
    }
    const clustering: ClusteringValues = isStatic ? [] : scan === null ? [key] : scan.values(k, this.n);
    if (!isStatic && this.last !== null && l.order.compare(clustering, this.last) <= 0) {
      throw new AgentError('E_BAD_FORMAT', 'cells are not in clustering order (the comparator rebuilt from the schema does not match the data?)', { file: l.file, offset });
    }
    const row = new RowBuilder();
    row.key = key;
    row.clustering = clustering;
    row.isStatic = isStatic;
    this.row = row;
    return row;
  }

  private finishRow(out: SSTableEvent[]): void {
    const row = this.row;
    if (row === null) return;
    this.row = null;
    if (!row.isStatic) {
      this.tracker.beforeRow(row.clustering, out);
      this.last = row.clustering;
    }
    out.push(build(row, this.l.cellsNeedSort));
  }

  private denseCell(row: RowBuilder, buf: Uint8Array, ts: bigint, ttl: number, ldt: number, vOff: number, vLen: number, lastDelete: bigint | null): void {
    const vc = this.l.valueColumn;
    if (vc >= 0) {
      row.cells.push(makeCell(vc, buf, -1, 0, ts, ttl, ldt, vOff, vLen, lastDelete));
      return;
    }
    // No compact value column (CompactTables: an EmptyType value): the cell is the row's only data, so its
    // liveness stands for the row and its tombstone deletes exactly that row.
    if (ldt === NO_DELETION_TIME || ttl !== 0) row.liveness = { timestamp: ts, ttl, localExpirationTime: ldt };
    else if (supersedes({ markedForDeleteAt: ts, localDeletionTime: ldt }, row.deletion)) row.deletion = { markedForDeleteAt: ts, localDeletionTime: ldt };
  }

  private compactCell(buf: Uint8Array, ns: number, ne: number, ts: bigint, ttl: number, ldt: number, vOff: number, vLen: number, lastDelete: bigint | null, offset: number): void {
    const l = this.l;
    const col = findColumn(l, buf, ns, ne);
    if (col === undefined || (col.droppedAt !== null && ts <= col.droppedAt)) {
      const colName = decoder.decode(buf.subarray(ns, ne));
      const dropped = l.dropped.get(colName);
      if (dropped !== undefined && ts <= dropped) return;
      if (col === undefined && ldt !== NO_DELETION_TIME) return; // a dead dynamic cell
      if (col !== undefined) return;
      throw new AgentError('E_SCHEMA', `a COMPACT STORAGE table without clustering holds dynamic (Thrift) cells (column name "${colName}"), which have no CQL column in the schema of ${l.keyspace}.${l.table}`, { file: l.file, offset });
    }
    const row = (this.compactRow ??= new RowBuilder());
    row.cells.push(makeCell(col.ordinal, buf, -1, 0, ts, ttl, ldt, vOff, vLen, lastDelete));
  }

  private unknownOrDropped(col: V2Column | undefined, name: string, ts: bigint, offset: number): void {
    if (col !== undefined) return; // dropped, then re-added: this cell predates the drop
    const l = this.l;
    const droppedAt = l.dropped.get(name);
    if (droppedAt !== undefined && ts <= droppedAt) return;
    const why = droppedAt === undefined ? 'not in the schema' : `dropped at ${droppedAt}, before this cell's timestamp ${ts}`;
    throw new AgentError('E_SCHEMA', `column "${name}" of a cell in the data is ${why} of ${l.keyspace}.${l.table}; the schema does not match the data`, { file: l.file, offset });
  }
}

/**
 * A cell whose name component (path) and value stay unsliced in the chunk buffer (ViewCell); counter
 * cells, rare, carry their last-delete timestamp in a plain object.
 */
function makeCell(column: number, buf: Uint8Array, pOff: number, pLen: number, timestamp: bigint, ttl: number, localDeletionTime: number, vOff: number, vLen: number, lastDelete: bigint | null): Cell {
  if (lastDelete === null) return new ViewCell(column, timestamp, ttl, localDeletionTime, buf, vOff, vLen, pOff, pLen);
  const path = pOff < 0 ? null : buf.subarray(pOff, pOff + pLen);
  return { column, path, timestamp, ttl, localDeletionTime, value: buf.subarray(vOff, vOff + vLen), counterLastDelete: lastDelete };
}

function build(r: RowBuilder, needSort: boolean): Row {
  const cells = r.cells;
  if (needSort) sortCellsByColumn(cells);
  // one object shape for every row keeps the merge's property accesses monomorphic
  return { kind: 'row', isStatic: r.isStatic, clustering: r.clustering, liveness: r.liveness, deletion: r.deletion, cells, complexDeletions: r.complexDeletions ?? undefined };
}
