/**
 * How to interpret the cell names of a 2.x Data.db (ka, la, lb) for one table, derived from its CQL view.
 *
 * 2.x files do not describe their columns (§6): the comparator is rebuilt from the schema as 3.11
 * LegacyLayout.makeLegacyComparator does. CQL tables: CompositeType(clustering..., UTF8Type
 * [, ColumnToCollectionType]); dense compound: CompositeType(clustering...); dense with one clustering
 * column: that type, raw; static compact: raw column names (§6.3, pitfall P9).
 */
import { makeClusteringOrder, type ClusteringOrder } from '../../merge/clustering-order.js';
import type { TableFlavour, TableSchema } from '../../schema/model.js';
import { compareValues } from '../types/index.js';
import { baseType, isMultiCell, type CqlType } from '../types/model.js';

export interface V2Column {
  readonly name: string;
  /** UTF-8 bytes of the name, as stored in cell names */
  readonly nameBytes: Uint8Array;
  /** ordinal in TableSchema.columns */
  readonly ordinal: number;
  /** non-frozen collection/UDT: cells carry one more name component, the cell path */
  readonly complex: boolean;
  readonly isStatic: boolean;
  /** cells with timestamp <= droppedAt are dead (a column dropped and re-added); null if never dropped */
  readonly droppedAt: bigint | null;
}

export interface V2Layout {
  readonly file: string;
  readonly keyspace: string;
  readonly table: string;
  readonly flavour: TableFlavour;
  /** cell names are CompositeType values (CQL tables, dense tables with 2+ clustering columns) */
  readonly compound: boolean;
  /** COMPACT STORAGE with clustering: names hold only clustering values, the value is the compact value column */
  readonly dense: boolean;
  /** COMPACT STORAGE without clustering: raw column names, defined columns form the partition's one row */
  readonly staticCompact: boolean;
  /** the clustering types (the comparator's components before the column-name component) */
  readonly clusteringTypes: readonly CqlType[];
  readonly clusteringSize: number;
  /** Cassandra's ClusteringComparator for this table (rows and range-tombstone bounds) */
  readonly order: ClusteringOrder;
  readonly isCounter: boolean;
  readonly hasStatics: boolean;
  /** dense tables: ordinal of the compact value column; -1 when there is none (the name is the whole row) */
  readonly valueColumn: number;
  /** the defined (static and regular) columns sorted by unsigned name bytes, for findColumn */
  readonly columns: readonly V2Column[];
  /** nameSlot(name) -> 1 + index in `columns` of the one column in that slot, 0 for none, -1 for several */
  readonly nameSlots: Int16Array;
  /** per index in `columns`: the name's first 8 bytes as two big-endian i32 words and their byte masks (names of up to 8 bytes) */
  readonly nameWords: Int32Array;
  /** ColumnToCollectionType parameters: column name -> collection type (present and dropped multi-cell columns) */
  readonly collections: ReadonlyMap<string, CqlType>;
  /** dropped columns: name -> drop time (µs) */
  readonly dropped: ReadonlyMap<string, bigint>;
  /** name order differs from ordinal order: a row's cells are re-sorted by ordinal before it is emitted */
  readonly cellsNeedSort: boolean;
  /** the 2.x comparator this layout stands for (marshal-type string, for messages) */
  readonly comparator: string;
}

const encoder = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Marshal-style name of a type, only for the comparator string in messages. */
function typeLabel(t: CqlType): string {
  const b = baseType(t);
  const inner = b.kind === 'native' ? b.name : b.kind;
  return t.kind === 'reversed' ? `ReversedType(${inner})` : inner;
}

/**
 * @param file the Data.db path (named in the errors the reader throws)
 */
export function buildV2Layout(schema: TableSchema, file: string): V2Layout {
  const clusteringTypes = schema.clustering.map((c) => c.type);
  const n = clusteringTypes.length;
  const flavour = schema.flavour;
  const dense = flavour === 'dense';
  const staticCompact = flavour === 'staticCompact';
  // CreateTableStatement (2.x): COMPACT STORAGE with one clustering column uses that type as the comparator.
  const compound = flavour === 'cql' || (dense && n >= 2);
  const columns: V2Column[] = schema.columns.map((c, ordinal) => {
    const dropped = schema.dropped.get(c.name);
    return {
      name: c.name,
      nameBytes: encoder.encode(c.name),
      ordinal,
      complex: isMultiCell(c.type),
      isStatic: c.kind === 'static',
      droppedAt: dropped === undefined ? null : dropped.droppedAt,
    };
  });
  const sorted = columns.slice().sort((a, b) => compareBytes(a.nameBytes, b.nameBytes));
  let cellsNeedSort = false;
  for (let i = 1; i < sorted.length; i++) if ((sorted[i] as V2Column).ordinal < (sorted[i - 1] as V2Column).ordinal) cellsNeedSort = true;
  const collections = new Map<string, CqlType>();
  for (const d of schema.dropped.values()) if (d.type !== null && isMultiCell(d.type)) collections.set(d.name, d.type);
  for (const c of schema.columns) if (isMultiCell(c.type)) collections.set(c.name, c.type);
  const dropped = new Map<string, bigint>();
  for (const d of schema.dropped.values()) dropped.set(d.name, d.droppedAt);
  const parts = clusteringTypes.map(typeLabel);
  let comparator: string;
  if (staticCompact) comparator = 'UTF8Type';
  else if (!compound) comparator = parts[0] ?? 'BytesType';
  else {
    if (!dense) parts.push('UTF8Type');
    if (!dense && collections.size > 0) parts.push(`ColumnToCollectionType(${[...collections.keys()].join(',')})`);
    comparator = `CompositeType(${parts.join(',')})`;
  }
  return {
    file,
    keyspace: schema.keyspace,
    table: schema.table,
    flavour,
    compound,
    dense,
    staticCompact,
    clusteringTypes,
    clusteringSize: n,
    order: makeClusteringOrder(clusteringTypes.map((t) => compareValues(t))),
    isCounter: schema.isCounter,
    hasStatics: columns.some((c) => c.isStatic),
    valueColumn: dense && columns.length > 0 ? 0 : -1,
    columns: sorted,
    nameSlots: nameSlotsOf(sorted),
    nameWords: nameWordsOf(sorted),
    collections,
    dropped,
    cellsNeedSort,
    comparator,
  };
}

/** The defined column whose name is buf[start, end), by binary search over the unsigned name order. */
export function findColumn(l: V2Layout, buf: Uint8Array, start: number, end: number): V2Column | undefined {
  const i = findColumnIndex(l, buf, start, end);
  return i < 0 ? undefined : l.columns[i];
}

/** Index in l.columns of the column named buf[start, end), or -1. */
export function findColumnIndex(l: V2Layout, buf: Uint8Array, start: number, end: number): number {
  const cols = l.columns;
  let lo = 0;
  let hi = cols.length - 1;
  const len = end - start;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const name = (cols[mid] as V2Column).nameBytes;
    const m = name.length < len ? name.length : len;
    let d = 0;
    for (let i = 0; i < m && d === 0; i++) d = (name[i] as number) - (buf[start + i] as number);
    if (d === 0) d = name.length - len;
    if (d === 0) return mid;
    if (d < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** How many columns findColumnNear tries, from the hint on, before a binary search. */
const NAME_SLOTS = 1024;

/** A name's slot: its length, first and last byte, mixed. */
function nameSlot(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len === 0) return 0;
  return ((len * 31 + (buf[start] as number)) * 31 + (buf[end - 1] as number)) & (NAME_SLOTS - 1);
}

function nameSlotsOf(columns: readonly V2Column[]): Int16Array {
  const slots = new Int16Array(NAME_SLOTS);
  columns.forEach((c, i) => {
    const k = nameSlot(c.nameBytes, 0, c.nameBytes.length);
    slots[k] = slots[k] === 0 ? i + 1 : -1;
  });
  return slots;
}

/** [hi, lo, hiMask, loMask] per column: a name of up to 8 bytes, zero-padded, as big-endian words. */
function nameWordsOf(columns: readonly V2Column[]): Int32Array {
  const words = new Int32Array(columns.length * 4);
  columns.forEach((c, i) => {
    const n = c.nameBytes;
    if (n.length > 8) return;
    const padded = new Uint8Array(8);
    const mask = new Uint8Array(8);
    padded.set(n);
    mask.fill(0xff, 0, n.length);
    const pv = new DataView(padded.buffer);
    const mv = new DataView(mask.buffer);
    words.set([pv.getInt32(0), pv.getInt32(4), mv.getInt32(0), mv.getInt32(4)], i * 4);
  });
  return words;
}

/**
 * findColumnIndex for the atoms of a partition, which name columns millions of times: the name's slot
 * gives the one column it can be, checked in full (two masked word compares for names of up to 8 bytes
 * when 8 bytes can be read from `start`); only names sharing a slot are searched. `dv` views exactly
 * `buf` (whose `length` is read rather than the DataView's byteLength, a call TurboFan does not inline).
 */
export function findColumnFast(l: V2Layout, buf: Uint8Array, dv: DataView, start: number, end: number): number {
  const slot = l.nameSlots[nameSlot(buf, start, end)] as number;
  if (slot === 0) return -1;
  if (slot < 0) return findColumnIndex(l, buf, start, end);
  const i = slot - 1;
  const name = (l.columns[i] as V2Column).nameBytes;
  const len = end - start;
  if (name.length !== len) return -1;
  if (len <= 8 && start + 8 <= buf.length) {
    const w = l.nameWords;
    const k = i * 4;
    return (dv.getInt32(start) & (w[k + 2] as number)) === w[k] && (dv.getInt32(start + 4) & (w[k + 3] as number)) === w[k + 1] ? i : -1;
  }
  return sameName(name, buf, start, end) ? i : -1;
}

function sameName(name: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  const n = name.length;
  if (n !== end - start) return false;
  for (let i = 0; i < n; i++) if (name[i] !== buf[start + i]) return false;
  return true;
}
