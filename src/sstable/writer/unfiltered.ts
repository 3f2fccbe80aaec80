/**
 * Serializers of one partition's pieces into Data.db bytes (§5.3-§5.9), after 3.0/3.11
 * UnfilteredSerializer, Cell.Serializer, Columns.Serializer.serializeSubset, ClusteringPrefix.Serializer
 * and DeletionTime.Serializer. Inputs are already encoded (EncodedRow, EncodedMarker).
 */
import { AgentError } from '../../errors.js';
import { BoundKind, I64_MIN, NO_DELETION_TIME, type DeletionTime, type Liveness } from '../model.js';
import {
  CELL_HAS_EMPTY_VALUE, CELL_IS_DELETED, CELL_IS_EXPIRING, CELL_USE_ROW_TIMESTAMP, CELL_USE_ROW_TTL,
  EXTENSION_FLAG, HAS_ALL_COLUMNS, HAS_COMPLEX_DELETION, HAS_DELETION, HAS_TIMESTAMP, HAS_TTL, IS_MARKER, IS_STATIC,
} from '../v3/flags.js';
import { ByteSink, uvintSize } from './byte-sink.js';
import type { EncodingStats } from './model.js';
import type { WriterColumn, WriterLayout } from './layout.js';

export interface EncodedCell {
  readonly timestamp: bigint;
  /** 0 unless expiring */
  readonly ttl: number;
  /** NO_DELETION_TIME unless a tombstone (deletion time) or expiring (expiration time) */
  readonly localDeletionTime: number;
  readonly value: Uint8Array;
  readonly path: Uint8Array | null;
}

export interface EncodedColumn {
  /** index in the header's static or regular list */
  readonly index: number;
  readonly cells: readonly EncodedCell[];
  /** complex columns only; LIVE when none */
  readonly deletion: DeletionTime;
}

export interface EncodedRow {
  readonly kind: 'row';
  readonly isStatic: boolean;
  readonly clustering: readonly (Uint8Array | null)[];
  readonly liveness: Liveness;
  readonly deletion: DeletionTime;
  /** sorted by index */
  readonly columns: readonly EncodedColumn[];
}

export interface EncodedMarker {
  readonly kind: 'marker';
  readonly boundKind: BoundKind;
  readonly values: readonly (Uint8Array | null)[];
  readonly close: DeletionTime | null;
  readonly open: DeletionTime | null;
}

export type EncodedUnfiltered = EncodedRow | EncodedMarker;


/** SerializationHeader.writeTimestamp/writeLocalDeletionTime/writeTTL: unsigned vints of wrapped deltas (P1). */
export class DeltaWriter {
  constructor(private readonly stats: EncodingStats) {}

  timestamp(s: ByteSink, ts: bigint): void {
    s.uvintBig(ts - this.stats.minTimestamp);
  }

  /** int subtraction in Java: 32-bit wrap, then sign-extended to the long that writeUnsignedVInt takes */
  localDeletionTime(s: ByteSink, ldt: number): void {
    const d = (ldt - this.stats.minLocalDeletionTime) | 0;
    if (d >= 0) s.uvint(d);
    else s.uvintBig(BigInt(d));
  }

  ttl(s: ByteSink, ttl: number): void {
    const d = (ttl - this.stats.minTTL) | 0;
    if (d >= 0) s.uvint(d);
    else s.uvintBig(BigInt(d));
  }

  deletion(s: ByteSink, d: DeletionTime): void {
    this.timestamp(s, d.markedForDeleteAt);
    this.localDeletionTime(s, d.localDeletionTime);
  }
}

/** Raw DT: i32 localDeletionTime, i64 markedForDeleteAt (partition header, Index.db). */
export function writeRawDeletion(s: ByteSink, d: DeletionTime): void {
  s.i32(d.localDeletionTime);
  s.i64(d.markedForDeleteAt);
}

/** ClusteringPrefix.Serializer.serializeValuesWithoutSize: blocks of 32 with empty/null header bits. */
export function writeClusteringValues(s: ByteSink, values: readonly (Uint8Array | null)[], fixed: readonly number[]): void {
  const n = values.length;
  for (let offset = 0; offset < n; offset += 32) {
    const limit = Math.min(n, offset + 32);
    let header = 0n;
    for (let i = offset; i < limit; i++) {
      const v = values[i] ?? null;
      const shift = BigInt((i - offset) * 2);
      if (v === null) header |= 1n << (shift + 1n);
      else if (v.length === 0) header |= 1n << shift;
    }
    s.uvintBig(header);
    for (let i = offset; i < limit; i++) {
      const v = values[i] ?? null;
      if (v === null || v.length === 0) continue;
      if ((fixed[i] ?? -1) >= 0) s.bytes(v);
      else s.vbytes(v);
    }
  }
}

/** ClusteringBoundOrBoundary.Serializer: u8 kind, u16 size, values. */
export function writeBound(s: ByteSink, kind: BoundKind, values: readonly (Uint8Array | null)[], fixed: readonly number[]): void {
  s.u8(kind);
  s.u16(values.length);
  writeClusteringValues(s, values, fixed);
}

/** Columns.Serializer.serializeSubset (§5.7) of the present header indexes (ascending). */
function writeSubset(s: ByteSink, present: readonly EncodedColumn[], superset: number): void {
  const count = present.length;
  if (superset < 64) {
    let missing = (1n << BigInt(superset)) - 1n;
    for (const c of present) missing &= ~(1n << BigInt(c.index));
    s.uvintBig(missing);
    return;
  }
  s.uvint(superset - count);
  if (count < Math.floor(superset / 2)) {
    for (const c of present) s.uvint(c.index);
    return;
  }
  let prev = -1;
  for (const c of present) {
    while (++prev !== c.index) s.uvint(prev);
  }
  while (++prev !== superset) s.uvint(prev);
}

function writeCell(s: ByteSink, d: DeltaWriter, cell: EncodedCell, col: WriterColumn, row: Liveness): void {
  const isExpiring = cell.ttl !== 0;
  const isDeleted = !isExpiring && cell.localDeletionTime !== NO_DELETION_TIME;
  const hasValue = cell.value.length > 0;
  const useRowTimestamp = row.timestamp !== I64_MIN && cell.timestamp === row.timestamp;
  const useRowTtl = isExpiring && row.ttl !== 0 && cell.ttl === row.ttl && cell.localDeletionTime === row.localExpirationTime;
  let flags = 0;
  if (!hasValue) flags |= CELL_HAS_EMPTY_VALUE;
  if (isDeleted) flags |= CELL_IS_DELETED;
  else if (isExpiring) flags |= CELL_IS_EXPIRING;
  if (useRowTimestamp) flags |= CELL_USE_ROW_TIMESTAMP;
  if (useRowTtl) flags |= CELL_USE_ROW_TTL;
  s.u8(flags);
  if (!useRowTimestamp) d.timestamp(s, cell.timestamp);
  if ((isDeleted || isExpiring) && !useRowTtl) d.localDeletionTime(s, cell.localDeletionTime);
  if (isExpiring && !useRowTtl) d.ttl(s, cell.ttl);
  if (col.complex) s.vbytes(cell.path ?? new Uint8Array(0));
  if (hasValue) {
    if (!col.complex && col.fixedLength >= 0) s.bytes(cell.value);
    else s.vbytes(cell.value);
  }
}

/** The row body: everything after the size fields (UnfilteredSerializer.serializeRowBody). */
function writeRowBody(s: ByteSink, d: DeltaWriter, row: EncodedRow, flags: number, columns: readonly WriterColumn[]): void {
  if ((flags & HAS_TIMESTAMP) !== 0) d.timestamp(s, row.liveness.timestamp);
  if ((flags & HAS_TTL) !== 0) {
    d.ttl(s, row.liveness.ttl);
    d.localDeletionTime(s, row.liveness.localExpirationTime);
  }
  if ((flags & HAS_DELETION) !== 0) d.deletion(s, row.deletion);
  if ((flags & HAS_ALL_COLUMNS) === 0) writeSubset(s, row.columns, columns.length);
  const complexDeletion = (flags & HAS_COMPLEX_DELETION) !== 0;
  for (const c of row.columns) {
    const col = columns[c.index] as WriterColumn;
    if (!col.complex) {
      writeCell(s, d, c.cells[0] as EncodedCell, col, row.liveness);
      continue;
    }
    if (complexDeletion) d.deletion(s, c.deletion);
    s.uvint(c.cells.length);
    for (const cell of c.cells) writeCell(s, d, cell, col, row.liveness);
  }
}

/**
 * Serializes a row (flags, clustering, sizes, body) into `out`, using `body` as scratch.
 * @param prevSize bytes from the previous unfiltered's start to this one's (0 for the static row)
 */
export function writeRow(out: ByteSink, body: ByteSink, d: DeltaWriter, layout: WriterLayout, row: EncodedRow, prevSize: number): void {
  const columns = row.isStatic ? layout.statics : layout.regulars;
  let flags = 0;
  if (row.liveness.timestamp !== I64_MIN) flags |= HAS_TIMESTAMP;
  if (row.liveness.timestamp !== I64_MIN && row.liveness.ttl !== 0) flags |= HAS_TTL;
  if (row.deletion.markedForDeleteAt !== I64_MIN) flags |= HAS_DELETION;
  if (row.columns.some((c) => (columns[c.index] as WriterColumn).complex && c.deletion.markedForDeleteAt !== I64_MIN)) flags |= HAS_COMPLEX_DELETION;
  if (row.columns.length === columns.length) flags |= HAS_ALL_COLUMNS;
  if (row.isStatic) flags |= EXTENSION_FLAG;
  out.u8(flags);
  if (row.isStatic) out.u8(IS_STATIC);
  else writeClusteringValues(out, row.clustering, layout.clusteringFixed);
  body.reset();
  writeRowBody(body, d, row, flags, columns);
  out.uvint(body.length + uvintSize(prevSize));
  out.uvint(prevSize);
  out.bytes(body.view());
}

const isBoundary = (k: BoundKind): boolean => k === BoundKind.EXCL_END_INCL_START_BOUNDARY || k === BoundKind.INCL_END_EXCL_START_BOUNDARY;

/** UnfilteredSerializer.serialize(RangeTombstoneMarker): 0x02, bound, sizes, deletion time(s). */
export function writeMarker(out: ByteSink, body: ByteSink, d: DeltaWriter, layout: WriterLayout, m: EncodedMarker, prevSize: number): void {
  out.u8(IS_MARKER);
  writeBound(out, m.boundKind, m.values, layout.clusteringFixed);
  body.reset();
  if (isBoundary(m.boundKind)) {
    if (m.close === null || m.open === null) throw new AgentError('E_BAD_ARGUMENT', 'a boundary marker needs both deletion times');
    d.deletion(body, m.close);
    d.deletion(body, m.open);
  } else {
    const dt = m.open ?? m.close;
    if (dt === null) throw new AgentError('E_BAD_ARGUMENT', 'a bound marker needs a deletion time');
    d.deletion(body, dt);
  }
  out.uvint(body.length + uvintSize(prevSize));
  out.uvint(prevSize);
  out.bytes(body.view());
}
