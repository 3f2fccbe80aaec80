/**
 * Synchronous decoders of one 3.x unfiltered (row or range-tombstone marker) over a Cursor (§5.4-§5.9).
 * Sources: 3.11 UnfilteredSerializer, Cell.Serializer, Columns.Serializer.serializeSubset,
 * ClusteringPrefix.Serializer, ClusteringBoundOrBoundary.Serializer.
 */
import { AgentError } from '../../errors.js';
import { addWrap64, exactBigInt, type Cursor } from '../cursor.js';
import {
  BoundKind, EMPTY_LIVENESS, I64_MIN, LIVE, NO_DELETION_TIME, NO_TTL,
  ColumnDeletions, ViewCell, sortCellsByColumn, type Cell, type ClusteringValues, type DeletionTime, type Liveness, type RangeMarker, type Row,
} from '../model.js';
import {
  CELL_HAS_EMPTY_VALUE, CELL_IS_DELETED, CELL_IS_EXPIRING, CELL_USE_ROW_TIMESTAMP, CELL_USE_ROW_TTL,
  HAS_ALL_COLUMNS, HAS_COMPLEX_DELETION, HAS_DELETION, HAS_TIMESTAMP, HAS_TTL,
} from './flags.js';
import type { ColumnLayout, V3Layout } from './layout.js';

const EMPTY_BYTES = new Uint8Array(0);


/** Reads `count` clustering values in blocks of 32 (§5.5). */
export function readClusteringValues(c: Cursor, fixed: readonly number[], count: number): (Uint8Array | null)[] {
  if (count === 1) {
    // the common single-column clustering: header 0 means a value, in a one-element packed list. At
    // the end of the fed bytes `need` throws as the header read below would: the general path is then
    // not first reached at a chunk end, which would discard the optimised decoder (Cursor.need)
    c.need(1);
    if (c.buf[c.pos] === 0) {
      c.pos++;
      const f = fixed[0] ?? -1;
      return [f >= 0 ? c.bytes(f) : c.vbytes()];
    }
  }
  const out: (Uint8Array | null)[] = new Array<Uint8Array | null>(count);
  let header = 0;
  let bigHeader = 0n;
  let useBig = false;
  for (let i = 0; i < count; i++) {
    const inBlock = i & 31;
    if (inBlock === 0) {
      useBig = count - i > 26;
      if (useBig) bigHeader = c.uvintBig();
      else header = c.uvint();
    }
    let bits: number;
    if (useBig) bits = Number((bigHeader >> BigInt(inBlock * 2)) & 3n);
    else bits = Math.floor(header / 2 ** (inBlock * 2)) & 3;
    if ((bits & 2) !== 0) {
      out[i] = null;
    } else if ((bits & 1) !== 0) {
      out[i] = EMPTY_BYTES;
    } else {
      const f = fixed[i] ?? -1;
      out[i] = f >= 0 ? c.bytes(f) : c.vbytes();
    }
  }
  return out;
}

/**
 * A delta-encoded timestamp (§5.2). When the base and the delta are small enough (every realistic
 * microsecond timestamp), the sum is computed in doubles and one BigInt is made, instead of three.
 */
function readTimestamp(c: Cursor, l: V3Layout): bigint {
  const base = l.minTimestampNumber;
  // b0 < 0xFE: at most 6 extra bytes, a delta below 2^49; with |base| <= 2^52 the sum stays exact
  if (base !== null && c.pos < c.end && (c.buf[c.pos] as number) < 0xfe) return exactBigInt(base + c.uvint());
  return addWrap64(l.minTimestamp, c.uvintBig());
}

function readDeltaDeletion(c: Cursor, l: V3Layout): DeletionTime {
  const ts = readTimestamp(c, l);
  const ldt = (c.uvintLow32() + l.minLocalDeletionTime) | 0;
  return { markedForDeleteAt: ts, localDeletionTime: ldt };
}

/** Marker after its flags byte (§5.9). */
export function readMarker(c: Cursor, l: V3Layout): RangeMarker {
  const kind = c.u8() as BoundKind;
  if (kind > 7 || kind === BoundKind.STATIC_CLUSTERING || kind === BoundKind.CLUSTERING) {
    throw new AgentError('E_BAD_FORMAT', `invalid range-tombstone bound kind ${kind}`, { file: l.file, offset: c.offset - 1 });
  }
  const size = c.u16();
  const values = readClusteringValues(c, l.clusteringFixed, size);
  const markerSize = c.uvint();
  c.need(markerSize);
  c.uvint(); // previous unfiltered size
  let open: DeletionTime | null = null;
  let close: DeletionTime | null = null;
  if (kind === BoundKind.EXCL_END_INCL_START_BOUNDARY || kind === BoundKind.INCL_END_EXCL_START_BOUNDARY) {
    close = readDeltaDeletion(c, l);
    open = readDeltaDeletion(c, l);
  } else if (kind === BoundKind.EXCL_END_BOUND || kind === BoundKind.INCL_END_BOUND) {
    close = readDeltaDeletion(c, l);
  } else {
    open = readDeltaDeletion(c, l);
  }
  return { kind: 'marker', bound: { kind, values }, open, close };
}

/** Indices (into the superset) of the columns present in a row (§5.7). */
export function readSubset(c: Cursor, superset: number, file: string): number[] | null {
  if (superset < 64) {
    if (superset <= 52) {
      const missing = c.uvint();
      if (missing === 0) return null;
      const present: number[] = [];
      for (let i = 0; i < superset; i++) if (Math.floor(missing / 2 ** i) % 2 === 0) present.push(i);
      return present;
    }
    const missing = c.uvintBig();
    if (missing === 0n) return null;
    const present: number[] = [];
    for (let i = 0; i < superset; i++) if (((missing >> BigInt(i)) & 1n) === 0n) present.push(i);
    return present;
  }
  const delta = c.uvint();
  const count = superset - delta;
  if (delta > superset) throw new AgentError('E_BAD_FORMAT', `column subset larger than the header (${delta} > ${superset})`, { file, offset: c.offset });
  if (count < Math.floor(superset / 2)) {
    const present: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++) present[i] = c.uvint();
    return present;
  }
  const present: number[] = [];
  let next = 0;
  for (let i = 0; i < delta; i++) {
    const missing = c.uvint();
    while (next < missing) present.push(next++);
    next = missing + 1;
  }
  while (next < superset) present.push(next++);
  return present;
}

/**
 * Reads one cell (§5.8). Returns null for cells that must be skipped (dropped columns).
 */
function readCell(c: Cursor, l: V3Layout, col: ColumnLayout, complex: boolean, rowTs: bigint, rowTtl: number, rowLdt: number): Cell | null {
  const flags = c.u8();
  const timestamp = (flags & CELL_USE_ROW_TIMESTAMP) !== 0 ? rowTs : readTimestamp(c, l);
  let ldt = NO_DELETION_TIME;
  let ttl = NO_TTL;
  if ((flags & CELL_USE_ROW_TTL) !== 0) {
    ldt = rowLdt;
    ttl = rowTtl;
  } else {
    if ((flags & (CELL_IS_DELETED | CELL_IS_EXPIRING)) !== 0) ldt = (c.uvintLow32() + l.minLocalDeletionTime) | 0;
    if ((flags & CELL_IS_EXPIRING) !== 0) ttl = (c.uvintLow32() + l.minTTL) | 0;
  }
  let pathOffset = -1;
  let pathLength = 0;
  if (complex) {
    pathLength = c.uvint();
    pathOffset = c.pos;
    c.skip(pathLength);
  }
  let valueLength = 0;
  if ((flags & CELL_HAS_EMPTY_VALUE) === 0) valueLength = !complex && col.fixedLength >= 0 ? col.fixedLength : c.uvint();
  const valueOffset = c.pos;
  c.skip(valueLength);
  if (col.ordinal < 0 || (col.droppedAt !== null && timestamp <= col.droppedAt)) {
    if (col.ordinal === -2 && ldt === NO_DELETION_TIME) {
      throw new AgentError('E_SCHEMA', 'a COMPACT STORAGE table without clustering holds dynamic (Thrift) cells, which have no CQL column in this schema', { file: l.file, offset: c.offset });
    }
    return null;
  }
  return new ViewCell(col.ordinal, timestamp, ttl, ldt, c.buf, valueOffset, valueLength, pathOffset, pathLength);
}

type Deletions = ColumnDeletions | undefined;

/**
 * One column's data: a simple cell, or a complex column's deletion and cells.
 * @returns the row's complex deletions so far (created on the first one)
 */
function readColumn(
  c: Cursor, l: V3Layout, col: ColumnLayout, hasComplexDeletion: boolean,
  rowTs: bigint, rowTtl: number, rowLdt: number, cells: Cell[], deletions: Deletions,
): Deletions {
  if (!col.complex) {
    const cell = readCell(c, l, col, false, rowTs, rowTtl, rowLdt);
    if (cell !== null) cells.push(cell);
    return deletions;
  }
  let out = deletions;
  if (hasComplexDeletion) {
    const d = readDeltaDeletion(c, l);
    if (d.markedForDeleteAt !== I64_MIN && col.ordinal >= 0 && (col.droppedAt === null || d.markedForDeleteAt > col.droppedAt)) {
      (out ??= new ColumnDeletions()).set(col.ordinal, d);
    }
  }
  const count = c.uvint();
  for (let k = 0; k < count; k++) {
    const cell = readCell(c, l, col, true, rowTs, rowTtl, rowLdt);
    if (cell !== null) cells.push(cell);
  }
  return out;
}

/**
 * Reads a row after its flags byte(s): clustering (unless static), sizes, liveness, deletion, cells.
 */
export function readRow(c: Cursor, l: V3Layout, flags: number, isStatic: boolean): Row {
  const clustering: ClusteringValues = isStatic ? [] : readClusteringValues(c, l.clusteringFixed, l.clusteringFixed.length);
  const rowSize = c.uvint();
  c.need(rowSize);
  c.uvint(); // previous unfiltered size
  let liveness: Liveness = EMPTY_LIVENESS;
  let rowTs = I64_MIN;
  let rowTtl = NO_TTL;
  let rowLdt = NO_DELETION_TIME;
  if ((flags & HAS_TIMESTAMP) !== 0) {
    rowTs = readTimestamp(c, l);
    if ((flags & HAS_TTL) !== 0) {
      rowTtl = (c.uvintLow32() + l.minTTL) | 0;
      rowLdt = (c.uvintLow32() + l.minLocalDeletionTime) | 0;
    }
    liveness = { timestamp: rowTs, ttl: rowTtl, localExpirationTime: rowLdt };
  }
  const deletion = (flags & HAS_DELETION) !== 0 ? readDeltaDeletion(c, l) : LIVE;
  const columns = isStatic ? l.statics : l.regulars;
  const cells: Cell[] = [];
  let complexDeletions: Deletions;
  const hasComplexDeletion = (flags & HAS_COMPLEX_DELETION) !== 0;
  const superset = columns.length;
  if ((flags & HAS_ALL_COLUMNS) !== 0) {
    for (let i = 0; i < superset; i++) complexDeletions = readColumn(c, l, columns[i] as ColumnLayout, hasComplexDeletion, rowTs, rowTtl, rowLdt, cells, complexDeletions);
  } else if (superset <= 31) {
    // the common case, without allocating the list of present columns
    const missing = c.uvint();
    for (let i = 0; i < superset; i++) {
      if (((missing >>> i) & 1) === 0) complexDeletions = readColumn(c, l, columns[i] as ColumnLayout, hasComplexDeletion, rowTs, rowTtl, rowLdt, cells, complexDeletions);
    }
  } else {
    const present = readSubset(c, superset, l.file);
    const n = present === null ? superset : present.length;
    for (let i = 0; i < n; i++) {
      const idx = present === null ? i : (present[i] as number);
      const col = columns[idx];
      if (col === undefined) throw new AgentError('E_BAD_FORMAT', `row names column #${idx}, the header has ${superset}`, { file: l.file, offset: c.offset });
      complexDeletions = readColumn(c, l, col, hasComplexDeletion, rowTs, rowTtl, rowLdt, cells, complexDeletions);
    }
  }
  if (isStatic ? l.staticsNeedSort : l.regularsNeedSort) sortCellsByColumn(cells);
  // one object shape for every row (complexDeletions present, possibly undefined) keeps consumers monomorphic
  return { kind: 'row', isStatic, clustering, liveness, deletion, cells, complexDeletions };
}

