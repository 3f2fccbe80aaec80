/**
 * The single-source fast path of a 3.x SSTable: Data.db decoded straight into live CQL rows, with the
 * reconciliation a one-source merge does (src/merge/merge.ts bodySingle/readStatics/endPartition and
 * row-merge.ts writeSingleRow) fused into the decoding. No Row, Liveness, cell list or complex-deletion
 * objects are made, cells that are not live are never built, and timestamps are compared as doubles.
 *
 * Exactness: a timestamp is compared as a double only when the double is exact (|t| <= 2^53, with
 * I64_MIN, "no deletion", as -Infinity). A row that touches any other timestamp, the static row, and
 * the rows of static compact tables go through the generic decoder and writeSingleRow, so the rows are
 * the merge's rows in every case (test/sstable/v3/live-rows.test.ts compares both paths).
 */
import { AgentError } from '../../errors.js';
import { rowContextFor, type MergeOptions } from '../../merge/merge.js';
import { cellSpan, writeSingleRow, type RowContext } from '../../merge/row-merge.js';
import { PartitionRows } from '../../merge/partition-rows.js';
import type { CqlRow, LiveValue } from '../../merge/rows.js';
import { exactBigInt, type Cursor } from '../cursor.js';
import type { DataSource } from '../io/data-source.js';
import { EXPIRED_LIVENESS_TTL, I64_MIN, NO_DELETION_TIME, NO_TTL, ViewCell, type Cell } from '../model.js';
import { decodeUnits, rangeEnded, type ReadOptions, type UnitDecoder } from '../unit-stream.js';
import {
  CELL_HAS_EMPTY_VALUE, CELL_IS_DELETED, CELL_IS_EXPIRING, CELL_USE_ROW_TIMESTAMP, CELL_USE_ROW_TTL,
  END_OF_PARTITION, EXTENSION_FLAG, HAS_ALL_COLUMNS, HAS_COMPLEX_DELETION, HAS_DELETION, HAS_TIMESTAMP, HAS_TTL, IS_MARKER, IS_STATIC,
} from './flags.js';
import type { ColumnLayout, V3Layout } from './layout.js';
import { at, timestampAt, tsNumber, uvintAt, uvintLow32At } from './raw.js';
import { readClusteringValues, readMarker, readRow, readSubset } from './unfiltered.js';

/**
 * Whether the fused path reproduces the merge for this SSTable: every column is stored as the schema
 * says the merge groups it (multi-cell or not), and every drop time is an exact double.
 */
export function liveRowsSupported(layout: V3Layout, merge: MergeOptions): boolean {
  for (const col of [...layout.statics, ...layout.regulars]) {
    if (col.droppedAt !== null && Number.isNaN(tsNumber(col.droppedAt))) return false;
    if (col.ordinal < 0) continue;
    const info = merge.columns[col.ordinal];
    if (info === undefined || info.isMultiCell !== col.complex) return false;
  }
  return true;
}

const enum State { PartitionHeader, StaticRow, Unfiltered }

/** The scratch list of rows without multi-cell columns: never written, so frozen. */
const NO_CELLS: Cell[] = [];
Object.freeze(NO_CELLS);

/** One 3.x structure at a time, output as live CQL rows (see unit-stream.ts for the contract). */
class V3LiveRows implements UnitDecoder<CqlRow> {
  private state = State.PartitionHeader;
  private readonly hasStatics: boolean;
  private readonly ctx: RowContext;
  private readonly now: number;
  private readonly rows: PartitionRows;
  /** per layout column: droppedAt as a double (NaN when never dropped) */
  private readonly staticDrops: number[];
  private readonly regularDrops: number[];
  /** some regular column is multi-cell: rows need a scratch list for their live collection cells */
  private readonly complexRegulars: boolean;
  private partitionDel = I64_MIN;
  private open = I64_MIN;
  /** max(partition deletion, open range tombstone) as tsNumber */
  private outerDel = -Infinity;
  // the row being decoded (its values and the scratch list of a complex column's live cells are
  // arguments, not fields: this object is old, and storing young objects into it costs a write barrier)
  private exists = false;
  private rowTs = -Infinity;
  /** the last cell's header (cellHeader) */
  private cellTs = -Infinity;
  private cellLdt = NO_DELETION_TIME;
  private cellTtl = NO_TTL;
  private rowTtl = NO_TTL;
  private rowLdt = NO_DELETION_TIME;
  // the last timestamp made a bigint (cells of a row mostly share the row's)
  private lastTs = NaN;
  private lastTsBig = I64_MIN;

  constructor(private readonly layout: V3Layout, merge: MergeOptions) {
    this.hasStatics = layout.statics.length > 0;
    this.ctx = rowContextFor(merge);
    this.now = merge.nowInSec;
    this.rows = new PartitionRows(merge.columns.length, merge.clustering.size);
    const drop = (c: ColumnLayout): number => (c.droppedAt === null ? NaN : tsNumber(c.droppedAt));
    this.staticDrops = layout.statics.map(drop);
    this.regularDrops = layout.regulars.map(drop);
    this.complexRegulars = layout.regulars.some((c) => c.complex);
  }

  insidePartition(): boolean {
    return this.state !== State.PartitionHeader;
  }

  /**
   * Continues inside a partition whose header (and static row) another decoder read: the next step
   * decodes a row or marker of the partition with key `key`, deletion `partitionDel` and the open
   * range tombstone `open` (I64_MIN: none). For src/wasm/engine.ts, which hands over single structures.
   */
  resume(key: Uint8Array, partitionDel: bigint, open: bigint): void {
    this.rows.start(key);
    this.partitionDel = partitionDel;
    this.open = open;
    this.outerDel = tsNumber(open > partitionDel ? open : partitionDel);
    this.state = State.Unfiltered;
  }

  /** The next step decodes a partition header (another decoder read up to a partition's end). */
  atPartitionStart(): void {
    this.state = State.PartitionHeader;
  }

  /** The open range tombstone's markedForDeleteAt (I64_MIN: none). */
  openDeletion(): bigint {
    return this.open;
  }

  step(c: Cursor, out: CqlRow[], stopAt: number): boolean {
    const layout = this.layout;
    if (this.state === State.PartitionHeader) {
      if (rangeEnded(c, stopAt)) return false;
      const key = c.bytes(c.u16());
      c.skip(4); // localDeletionTime: a partition deletion only shadows by markedForDeleteAt
      const markedForDeleteAt = c.i64();
      this.rows.start(key);
      this.partitionDel = markedForDeleteAt;
      this.open = I64_MIN;
      this.outerDel = tsNumber(markedForDeleteAt);
      this.state = this.hasStatics ? State.StaticRow : State.Unfiltered;
      return true;
    }
    const flags = c.u8();
    if (this.state === State.StaticRow) {
      const ext = (flags & EXTENSION_FLAG) !== 0 ? c.u8() : 0;
      if ((ext & IS_STATIC) === 0) {
        throw new AgentError('E_BAD_FORMAT', `expected the static row (the header lists static columns), found flags 0x${flags.toString(16)}`, { file: c.file, offset: c.offset });
      }
      const row = readRow(c, layout, flags, true);
      this.state = State.Unfiltered;
      const values = this.rows.values();
      if (layout.staticCompact) {
        // CompactTables: the static row is the partition's one CQL row (no range tombstone is open yet)
        if (writeSingleRow(row, this.partitionDel, this.ctx, values)) this.rows.emit(out, row.clustering, values);
        return true;
      }
      this.rows.statics(values, writeSingleRow(row, this.partitionDel, this.ctx, values));
      return true;
    }
    if ((flags & END_OF_PARTITION) !== 0) {
      // a partition whose only live data is static yields one row with null clustering values (§9.3)
      this.rows.end(out);
      this.state = State.PartitionHeader;
      return true;
    }
    if ((flags & IS_MARKER) !== 0) {
      const m = readMarker(c, layout);
      this.open = m.open === null ? I64_MIN : m.open.markedForDeleteAt;
      const del = this.open > this.partitionDel ? this.open : this.partitionDel;
      this.outerDel = tsNumber(del);
      return true;
    }
    const ext = (flags & EXTENSION_FLAG) !== 0 ? c.u8() : 0;
    if ((ext & IS_STATIC) !== 0) throw new AgentError('E_BAD_FORMAT', 'a static row after the first row of a partition', { file: c.file, offset: c.offset });
    if (layout.staticCompact) {
      // dynamic (Thrift) rows carry no CQL data; readRow rejects live cells in them
      readRow(c, layout, flags, false);
      return true;
    }
    const mark = c.pos;
    if (!Number.isNaN(this.outerDel) && this.fastRow(c, flags, out)) return true;
    c.pos = mark;
    const row = readRow(c, layout, flags, false);
    const values = this.rows.values();
    if (writeSingleRow(row, this.open > this.partitionDel ? this.open : this.partitionDel, this.ctx, values)) this.rows.emit(out, row.clustering, values);
    return true;
  }

  private bigTs(ts: number): bigint {
    if (ts === this.lastTs) return this.lastTsBig;
    const b = ts === -Infinity ? I64_MIN : exactBigInt(ts);
    this.lastTs = ts;
    this.lastTsBig = b;
    return b;
  }

  /**
   * A regular row after its flags, as readRow + writeSingleRow would make it. Returns false (having
   * emitted nothing) when a timestamp is not an exact double or the row reads past its size; the caller
   * then rewinds and takes the generic path.
   */
  private fastRow(c: Cursor, flags: number, out: CqlRow[]): boolean {
    const l = this.layout;
    const clustering = readClusteringValues(c, l.clusteringFixed, l.clusteringFixed.length);
    const rowSize = c.uvint();
    c.need(rowSize);
    const buf = c.buf;
    const rowEnd = c.pos + rowSize;
    uvintAt(buf, c.pos); // previous unfiltered size
    let pos = at;
    let del = this.outerDel;
    let rowTs = -Infinity;
    let rowTtl = NO_TTL;
    let rowLdt = NO_DELETION_TIME;
    if ((flags & HAS_TIMESTAMP) !== 0) {
      rowTs = timestampAt(buf, pos, l);
      pos = at;
      if (Number.isNaN(rowTs)) return false;
      if ((flags & HAS_TTL) !== 0) {
        rowTtl = (uvintLow32At(buf, pos) + l.minTTL) | 0;
        rowLdt = (uvintLow32At(buf, at) + l.minLocalDeletionTime) | 0;
        pos = at;
      }
    }
    if ((flags & HAS_DELETION) !== 0) {
      const d = timestampAt(buf, pos, l);
      uvintLow32At(buf, at);
      pos = at;
      if (Number.isNaN(d)) return false;
      if (d > del) del = d;
    }
    // liveness with EXPIRED_LIVENESS_TTL (materialized views) acts as a primary-key deletion (writeSingleRow)
    if (rowTtl === EXPIRED_LIVENESS_TTL && rowTs > del) del = rowTs;
    this.exists = rowTs > del && (rowTtl === NO_TTL || (rowTtl !== EXPIRED_LIVENESS_TTL && this.now < rowLdt));
    this.rowTs = rowTs;
    this.rowTtl = rowTtl;
    this.rowLdt = rowLdt;
    const values = this.rows.values();
    // scratch list of a complex column's live cells, young like the cells stored into it
    const live: Cell[] = this.complexRegulars ? [] : NO_CELLS;
    const columns = l.regulars;
    const drops = this.regularDrops;
    const hasComplexDeletion = (flags & HAS_COMPLEX_DELETION) !== 0;
    const superset = columns.length;
    if ((flags & HAS_ALL_COLUMNS) !== 0 || superset <= 31) {
      let missing = 0;
      if ((flags & HAS_ALL_COLUMNS) === 0) {
        missing = uvintAt(buf, pos);
        pos = at;
        if (Number.isNaN(missing)) return false;
      }
      for (let i = 0; i < superset; i++) {
        if (((missing >>> i) & 1) !== 0) continue;
        const col = columns[i] as ColumnLayout;
        pos = col.complex
          ? this.complexColumn(buf, pos, rowEnd, col, drops[i] as number, hasComplexDeletion, del, values, live)
          : this.simpleColumn(buf, pos, rowEnd, col, drops[i] as number, del, values);
        if (pos < 0) return false;
      }
    } else {
      c.pos = pos;
      const present = readSubset(c, superset, l.file);
      pos = c.pos;
      const n = present === null ? superset : present.length;
      for (let i = 0; i < n; i++) {
        const idx = present === null ? i : (present[i] as number);
        const col = columns[idx];
        if (col === undefined) throw new AgentError('E_BAD_FORMAT', `row names column #${idx}, the header has ${superset}`, { file: l.file, offset: c.offset });
        pos = col.complex
          ? this.complexColumn(buf, pos, rowEnd, col, drops[idx] as number, hasComplexDeletion, del, values, live)
          : this.simpleColumn(buf, pos, rowEnd, col, drops[idx] as number, del, values);
        if (pos < 0) return false;
      }
    }
    c.pos = pos;
    if (this.exists) this.rows.emit(out, clustering, values);
    return true;
  }

  /**
   * A cell's timestamp, local deletion time and TTL after its flags (Cell.Serializer, §5.8), into
   * cellTs / cellLdt / cellTtl (the row's where the flags say so). Returns the position after them, or
   * -1 when the timestamp is not an exact double.
   */
  private cellHeader(buf: Uint8Array, pos: number, flags: number): number {
    const l = this.layout;
    this.cellTs = this.rowTs;
    this.cellLdt = NO_DELETION_TIME;
    this.cellTtl = NO_TTL;
    if ((flags & CELL_USE_ROW_TIMESTAMP) === 0) {
      this.cellTs = timestampAt(buf, pos, l);
      pos = at;
      if (Number.isNaN(this.cellTs)) return -1;
    }
    if ((flags & CELL_USE_ROW_TTL) !== 0) {
      this.cellLdt = this.rowLdt;
      this.cellTtl = this.rowTtl;
      return pos;
    }
    if ((flags & (CELL_IS_DELETED | CELL_IS_EXPIRING)) !== 0) {
      this.cellLdt = (uvintLow32At(buf, pos) + l.minLocalDeletionTime) | 0;
      pos = at;
    }
    if ((flags & CELL_IS_EXPIRING) !== 0) {
      this.cellTtl = (uvintLow32At(buf, pos) + l.minTTL) | 0;
      pos = at;
    }
    return pos;
  }

  /**
   * One simple column's cell at `pos` (Cell.Serializer, §5.8); a live cell goes to `values`. `del` is
   * the deletion over the row's cells. Returns the position after it, or -1 when a timestamp is not an
   * exact double or the cell ends past `rowEnd`.
   *
   * Simple and complex columns are two methods, not one: TurboFan declines to inline a function whose
   * own optimised code already inlines much (it counts that code's size), and a single method was
   * inlined into fastRow or not depending on which of the two V8 compiled first. Apart, the simple
   * one (most cells) is small enough either way (docs/extract.md, "Session 10").
   */
  private simpleColumn(buf: Uint8Array, pos: number, rowEnd: number, col: ColumnLayout, drop: number, del: number, values: (LiveValue | null)[]): number {
    const ord = col.ordinal;
    const flags = buf[pos] as number;
    pos = this.cellHeader(buf, pos + 1, flags);
    if (pos < 0) return -1;
    const ts = this.cellTs;
    const ldt = this.cellLdt;
    const ttl = this.cellTtl;
    let length = 0;
    if ((flags & CELL_HAS_EMPTY_VALUE) === 0) {
      length = col.fixedLength;
      if (length < 0) {
        length = uvintAt(buf, pos);
        pos = at;
      }
    }
    const offset = pos;
    pos += length;
    if (!(pos <= rowEnd)) return -1;
    // dropped column, or dropped since (static compact tables, whose column -2 is special, never come here)
    if (ord < 0 || (col.droppedAt !== null && ts <= drop)) return pos;
    // writeSingleRow: a simple cell is shadowed only when a deletion is there (-Infinity: none)
    if ((del === -Infinity || ts > del) && (ldt === NO_DELETION_TIME || (ttl !== NO_TTL && this.now < ldt))) {
      values[ord] = new ViewCell(ord, this.bigTs(ts), ttl, ldt, buf, offset, length, -1, 0);
      this.exists = true;
    }
    return pos;
  }

  /**
   * One complex (multi-cell) column's data at `pos`: its deletion, then its cells; the live ones go to
   * `values` as one complex value (`live`: scratch). Otherwise as simpleColumn.
   */
  private complexColumn(buf: Uint8Array, pos: number, rowEnd: number, col: ColumnLayout, drop: number, hasComplexDeletion: boolean, del: number, values: (LiveValue | null)[], live: Cell[]): number {
    const l = this.layout;
    const ord = col.ordinal;
    const dropped = col.droppedAt !== null;
    let cdel = del;
    if (hasComplexDeletion) {
      const d = timestampAt(buf, pos, l);
      uvintLow32At(buf, at);
      pos = at;
      if (Number.isNaN(d)) return -1;
      if (ord >= 0 && (!dropped || d > drop) && d > cdel) cdel = d;
    }
    const count = uvintAt(buf, pos);
    pos = at;
    if (Number.isNaN(count)) return -1;
    let n = 0;
    for (let k = 0; k < count; k++) {
      const flags = buf[pos] as number;
      pos = this.cellHeader(buf, pos + 1, flags);
      if (pos < 0) return -1;
      const ts = this.cellTs;
      const ldt = this.cellLdt;
      const ttl = this.cellTtl;
      const pathLength = uvintAt(buf, pos);
      pos = at;
      const pathOffset = pos;
      pos += pathLength;
      let length = 0;
      if ((flags & CELL_HAS_EMPTY_VALUE) === 0) {
        length = uvintAt(buf, pos);
        pos = at;
      }
      const offset = pos;
      pos += length;
      if (!(pos <= rowEnd)) return -1;
      if (ord < 0 || (dropped && ts <= drop)) continue;
      if (ts > cdel && (ldt === NO_DELETION_TIME || (ttl !== NO_TTL && this.now < ldt))) {
        live[n++] = new ViewCell(ord, this.bigTs(ts), ttl, ldt, buf, offset, length, pathOffset, pathLength);
      }
    }
    if (n > 0) {
      values[ord] = { kind: 'complex', cells: cellSpan(live, 0, n) };
      this.exists = true;
    }
    return pos;
  }
}

/**
 * Live CQL rows of one 3.x SSTable read alone: the rows mergeToCqlRows yields for this one source
 * (check liveRowsSupported first), in batches of about MAX_BATCH (unit-stream.ts).
 * @throws AgentError as readV3 does
 */
/** The fused decoder itself, for drivers that feed it single structures (src/wasm/engine.ts). */
export interface V3LiveRowsDecoder extends UnitDecoder<CqlRow> {
  resume(key: Uint8Array, partitionDel: bigint, open: bigint): void;
  atPartitionStart(): void;
  openDeletion(): bigint;
}

export function v3LiveRowsDecoder(layout: V3Layout, merge: MergeOptions): V3LiveRowsDecoder {
  return new V3LiveRows(layout, merge);
}

export function readV3LiveRows(source: DataSource, layout: V3Layout, merge: MergeOptions, opts: ReadOptions = {}): AsyncGenerator<CqlRow[]> {
  return decodeUnits(source, new V3LiveRows(layout, merge), opts);
}
