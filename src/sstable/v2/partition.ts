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
import { BoundKind, NO_DELETION_TIME, type Bound, type ClusteringValues, type DeletionTime, type SSTableEvent } from '../model.js';
import { findColumn, findColumnFast, type V2Column, type V2Layout } from './layout.js';
import { BOTTOM, CompositeScan, TOP, compoundBound, sameBytes, viewOf } from './names.js';
import { RowBuilder, makeCell } from './row-builder.js';
import { RangeTracker, supersedes } from './tombstones.js';

/** LegacyLayout.CellGrouper.FAKE_TTL: a deleted 2.x row marker becomes an already expired liveness. */
const FAKE_TTL = 1;
const decoder = new TextDecoder();

export class PartitionProcessor {
  private readonly scan = new CompositeScan();
  private readonly scanEnd = new CompositeScan();
  private readonly tracker: RangeTracker;
  private readonly n: number;
  /** the row being built (reused from row to row), valid while `rowOpen` */
  private readonly row = new RowBuilder();
  private rowOpen = false;
  /** clustering of the last emitted row (rows must ascend) */
  private last: ClusteringValues | null = null;
  /** non-static atoms seen: static cells may no longer come */
  private body = false;
  /** static compact tables: the defined columns' cells, emitted as one row at the end */
  private compactRow: RowBuilder | null = null;
  /** CQL names with clustering: atoms of the row being built take the fast paths (cellInRow, tombstoneInRow) */
  private readonly fast: boolean;
  /** a DataView of `dvBuf` (the chunk buffer atoms last came from), for RowBuilder.hasKey */
  private dvBuf: Uint8Array = new Uint8Array(0);
  private dv = new DataView(this.dvBuf.buffer);

  constructor(private readonly l: V2Layout) {
    this.tracker = new RangeTracker(l.order);
    this.n = l.clusteringSize;
    this.fast = l.compound && !l.dense && !l.staticCompact && l.clusteringSize > 0;
  }

  begin(): void {
    this.rowOpen = false;
    this.last = null;
    this.body = false;
    this.compactRow = null;
    this.tracker.reset();
  }

  end(out: SSTableEvent[]): void {
    this.finishRow(out);
    if (this.compactRow !== null) out.push(this.compactRow.take(this.l.cellsNeedSort));
    this.compactRow = null;
    this.tracker.finish(out);
    out.push({ kind: 'end' });
  }

  /** One cell atom named buf[ns, ne); `offset` (the atom's stream offset) is for error messages. */
  cell(out: SSTableEvent[], buf: Uint8Array, ns: number, ne: number, ts: bigint, ttl: number, ldt: number, vOff: number, vLen: number, lastDelete: bigint | null, offset: number): void {
    if (!this.cellInRow(buf, ns, ne, ts, ttl, ldt, vOff, vLen, lastDelete)) this.anyCell(out, buf, ns, ne, ts, ttl, ldt, vOff, vLen, lastDelete, offset);
  }

  /** `cell` without the fast path (for callers that tried cellInRow first). */
  anyCell(out: SSTableEvent[], buf: Uint8Array, ns: number, ne: number, ts: bigint, ttl: number, ldt: number, vOff: number, vLen: number, lastDelete: bigint | null, offset: number): void {
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
    const col = this.column(buf, s.start(n), s.start(n) + colLen);
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

  /**
   * A cell of a simple or collection column of the row being built, the common case, decided without a
   * CompositeScan: the name is the row's key, its last EOC, then the column name component and at most a
   * path component ending exactly at the name's end. False (nothing done) for anything else, which
   * `anyCell` then handles (and reports) in full.
   */
  cellInRow(buf: Uint8Array, ns: number, ne: number, ts: bigint, ttl: number, ldt: number, vOff: number, vLen: number, lastDelete: bigint | null): boolean {
    const row = this.row;
    if (!this.fast || !this.rowOpen || row.isStatic) return false;
    // a non-static row's key never starts with the static marker, so neither does a name that starts with it
    const kl = row.keyEnd - row.keyStart;
    const p = ns + kl + 1;
    if (p + 2 > ne || !row.hasKey(buf, this.dataView(buf), ns, ns + kl)) return false;
    const cs = p + 2;
    const ce = cs + (((buf[p] as number) << 8) | (buf[p + 1] as number));
    if (ce === cs || ce >= ne) return false;
    let pOff = -1;
    let pLen = 0;
    if (ce + 1 !== ne) {
      const q = ce + 1;
      if (q + 2 > ne) return false;
      pLen = ((buf[q] as number) << 8) | (buf[q + 1] as number);
      pOff = q + 2;
      if (pOff + pLen + 1 !== ne) return false;
    }
    const col = this.column(buf, cs, ce);
    if (col === undefined || col.droppedAt !== null || col.isStatic || col.complex !== pOff >= 0) return false;
    row.cells.push(makeCell(col.ordinal, buf, pOff, pLen, ts, ttl, ldt, vOff, vLen, lastDelete));
    return true;
  }

  /**
   * One range-tombstone atom: bounds buf[ms, me) .. buf[xs, xe) (composite or raw), deletion `del`.
   * The common one, a collection tombstone of the row being built, takes a fast path (tombstoneInRow).
   */
  tombstone(out: SSTableEvent[], buf: Uint8Array, ms: number, me: number, xs: number, xe: number, del: DeletionTime, offset: number): void {
    const l = this.l;
    // Static compact tables: tombstones only cover dynamic (column1, value) cells, which this CQL view has not.
    if (l.staticCompact) return;
    if (this.fast && this.tombstoneInRow(buf, ms, me, xs, xe, del)) return;
    const n = this.n;
    if (!l.compound) {
      const min = buf.subarray(ms, me);
      const max = buf.subarray(xs, xe);
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
    a.scan(buf, ms, me, n + 1, l.file, offset);
    b.scan(buf, xs, xe, n + 1, l.file, offset);
    const ka = a.count;
    const kb = b.count;
    if (ka === n + 1 && kb === n + 1 && a.isStatic === b.isStatic && sameBytes(a.key(n), b.key(n)) && sameBytes(a.view(n), b.view(n))) {
      return this.collectionTombstone(out, a, del, offset);
    }
    if (ka === n && kb === n && !a.isStatic && !b.isStatic && sameBytes(a.key(n), b.key(n))) {
      const row = this.rowFor(out, buf, a.first, a.keyEnd(n), false, offset, a, n);
      if (supersedes(del, row.deletion)) row.deletion = del;
      return;
    }
    // A bound inside a row (a column-name component) comes from a 2.x RangeTombstoneList split around a newer
    // collection tombstone; widening it to the whole row keeps every point at its maximum deletion.
    let start: Bound;
    if (me === ms || a.isStatic) start = BOTTOM;
    else if (ka > n) start = compoundBound(a, n, -1, true, n);
    else start = compoundBound(a, ka, a.lastEoc(), true, n);
    if (b.isStatic) return; // ends inside the static row: covers no clustering
    let end: Bound;
    if (xe === xs) end = TOP;
    else if (kb > n) end = compoundBound(b, n, 1, false, n);
    else end = compoundBound(b, kb, b.lastEoc(), false, n);
    this.rangeTombstone(out, start, end, del);
  }

  /**
   * A tombstone over one collection of the row being built: both bounds are the row's key, its last EOC and
   * the same column-name component ending the bound. False (nothing done) otherwise.
   */
  private tombstoneInRow(buf: Uint8Array, ms: number, me: number, xs: number, xe: number, del: DeletionTime): boolean {
    const row = this.row;
    if (!this.rowOpen || row.isStatic || me - ms !== xe - xs) return false;
    const kl = row.keyEnd - row.keyStart;
    const p = ms + kl + 1;
    if (p + 2 > me) return false;
    const dv = this.dataView(buf);
    if (!row.hasKey(buf, dv, ms, ms + kl) || !row.hasKey(buf, dv, xs, xs + kl)) return false;
    const cs = p + 2;
    const ce = cs + (((buf[p] as number) << 8) | (buf[p + 1] as number));
    if (ce === cs || ce + 1 !== me) return false;
    // the column components (length and name) of both bounds agree; their EOCs do not matter
    for (let i = p, j = xs + kl + 1; i < ce; i++, j++) if (buf[i] !== buf[j]) return false;
    const col = this.column(buf, cs, ce);
    if (col === undefined || !col.complex || col.isStatic) return false;
    if (col.droppedAt !== null && del.markedForDeleteAt <= col.droppedAt) return true;
    row.setComplexDeletion(col.ordinal, del);
    return true;
  }

  private collectionTombstone(out: SSTableEvent[], s: CompositeScan, del: DeletionTime, offset: number): void {
    const l = this.l;
    const n = this.n;
    const col = this.column(s.buf, s.start(n), s.start(n) + s.length(n));
    if (col === undefined || !col.complex || col.isStatic !== s.isStatic) {
      const name = decoder.decode(s.view(n));
      // LegacyLayout.decodeBound: a collection that was dropped (or dropped and re-added as another type) is skipped
      if (l.dropped.has(name)) return;
      throw new AgentError('E_SCHEMA', `collection tombstone for column "${name}", which is not a ${s.isStatic ? 'static ' : ''}non-frozen collection in the schema of ${l.keyspace}.${l.table}; the schema does not match the data`, { file: l.file, offset });
    }
    if (col.droppedAt !== null && del.markedForDeleteAt <= col.droppedAt) return;
    const row = this.rowFor(out, s.buf, s.first, s.keyEnd(n), s.isStatic, offset, s, n);
    row.setComplexDeletion(col.ordinal, del);
  }

  private dataView(buf: Uint8Array): DataView {
    if (buf === this.dvBuf) return this.dv;
    this.dvBuf = buf;
    return (this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength));
  }

  /** The defined column named buf[start, end) (findColumnFast). */
  private column(buf: Uint8Array, start: number, end: number): V2Column | undefined {
    const i = findColumnFast(this.l, buf, this.dataView(buf), start, end);
    return i < 0 ? undefined : this.l.columns[i];
  }

  private rangeTombstone(out: SSTableEvent[], start: Bound, end: Bound, del: DeletionTime): void {
    // A tombstone starting after the row being built ends it (CellGrouper.addGenericRangeTombstone); one
    // starting before it is a repeat from an index block start and leaves it open.
    const row = this.row;
    if (this.rowOpen && (row.isStatic || this.l.order.compareBoundToClustering(start, row.clustering) > 0)) this.finishRow(out);
    this.body = true;
    this.tracker.add(start, end, del, this.rowOpen, out);
  }

  /**
   * The row being built if buf[start, end) is its clustering key (CompositeScan.key), else a new one (after
   * emitting the current one) whose clustering is the first k components of `scan`, or the key itself for
   * raw (non-compound) names.
   * @throws AgentError E_BAD_FORMAT when rows do not ascend or a static atom follows a clustering one
   */
  private rowFor(out: SSTableEvent[], buf: Uint8Array, start: number, end: number, isStatic: boolean, offset: number, scan: CompositeScan | null, k: number): RowBuilder {
    const cur = this.row;
    if (this.rowOpen && cur.isStatic === isStatic && cur.hasKey(buf, this.dataView(buf), start, end)) return cur;
    const l = this.l;
    if (isStatic) {
      if (this.body || this.rowOpen) throw new AgentError('E_BAD_FORMAT', 'a static cell after the first non-static atom of a partition', { file: l.file, offset });
    } else {
      this.finishRow(out);
      this.body = true;
    }
    const clustering: ClusteringValues = isStatic ? [] : scan === null ? [viewOf(buf, start, end - start)] : scan.values(k, this.n);
    if (!isStatic && this.last !== null && l.order.compare(clustering, this.last) <= 0) {
      throw new AgentError('E_BAD_FORMAT', 'cells are not in clustering order (the comparator rebuilt from the schema does not match the data?)', { file: l.file, offset });
    }
    cur.start(buf, start, end, clustering, isStatic);
    this.rowOpen = true;
    return cur;
  }

  private finishRow(out: SSTableEvent[]): void {
    if (!this.rowOpen) return;
    const row = this.row;
    this.rowOpen = false;
    if (!row.isStatic) {
      this.tracker.beforeRow(row.clustering, out);
      this.last = row.clustering;
    }
    out.push(row.take(this.l.cellsNeedSort));
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
