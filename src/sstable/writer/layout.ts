/**
 * What the writer needs to know about a table: the SerializationHeader it writes (key type, clustering
 * types, static and regular columns in Cassandra's internal order, §4.5, P16) and per-column encoders.
 */
import { compareColumnOrder as compareInternalOrder } from '../../schema/column-order.js';
import { AgentError } from '../../errors.js';
import type { ColumnDef, TableSchema } from '../../schema/model.js';
import { utf8Bytes } from '../types/bytes.js';
import { compareValues, fixedLength, formatMarshalType, type Comparator } from '../types/index.js';
import { baseType, isMultiCell, native, type CqlType } from '../types/model.js';

export interface WriterColumn {
  readonly def: ColumnDef;
  readonly name: string;
  readonly nameBytes: Uint8Array;
  /** marshal type string written in the header */
  readonly typeString: string;
  readonly complex: boolean;
  /** fixed value length of a simple cell (-1: vint length prefix), §5.10 */
  readonly fixedLength: number;
  /** order of cell paths (complex columns only) */
  readonly pathCompare: Comparator | null;
}

export interface WriterLayout {
  readonly schema: TableSchema;
  readonly keyTypeString: string;
  readonly clusteringTypes: readonly CqlType[];
  readonly clusteringTypeStrings: readonly string[];
  readonly clusteringFixed: readonly number[];
  /** value comparators per clustering column (ReversedType already reversed) */
  readonly clusteringCompare: readonly Comparator[];
  readonly statics: readonly WriterColumn[];
  readonly regulars: readonly WriterColumn[];
  readonly byName: ReadonlyMap<string, { column: WriterColumn; index: number; isStatic: boolean }>;
}

/** ColumnDefinition.compareTo (schema/column-order.ts), for the writer's columns. */
export function compareColumnOrder(a: WriterColumn, b: WriterColumn): number {
  return compareInternalOrder(a, b);
}

/** Order of the cell paths of a complex column (list: TimeUUID, set: element, map: key, UDT: i16 index). */
export function pathType(t: CqlType): CqlType | null {
  const b = baseType(t);
  switch (b.kind) {
    case 'list': return native('timeuuid');
    case 'set': return b.element;
    case 'map': return b.key;
    case 'udt': return native('smallint');
    default: return null;
  }
}

function column(def: ColumnDef): WriterColumn {
  const complex = isMultiCell(def.type);
  const pt = complex ? pathType(def.type) : null;
  return {
    def,
    name: def.name,
    nameBytes: utf8Bytes(def.name),
    typeString: formatMarshalType(def.type),
    complex,
    fixedLength: complex ? -1 : fixedLength(def.type),
    pathCompare: pt === null ? null : compareValues(pt),
  };
}

/** @throws AgentError E_BAD_ARGUMENT for static COMPACT STORAGE tables (not supported by this writer) */
export function buildWriterLayout(schema: TableSchema, headerColumns?: readonly string[]): WriterLayout {
  if (schema.flavour === 'staticCompact') {
    throw new AgentError('E_BAD_ARGUMENT', `${schema.keyspace}.${schema.table}: the writer does not support COMPACT STORAGE tables without clustering columns`);
  }
  if (schema.partitionKey.length === 0) throw new AgentError('E_BAD_ARGUMENT', `${schema.keyspace}.${schema.table} has no partition key`);
  const keyTypes = schema.partitionKey.map((c) => c.type);
  const keyTypeString = keyTypes.length === 1
    ? formatMarshalType(keyTypes[0] as CqlType)
    : formatMarshalType({ kind: 'composite', components: keyTypes });
  const only = headerColumns === undefined ? null : new Set(headerColumns);
  for (const n of only ?? []) {
    if (!schema.columns.some((c) => c.name === n)) throw new AgentError('E_BAD_ARGUMENT', `${schema.keyspace}.${schema.table} has no column "${n}"`);
  }
  const used = schema.columns.filter((c) => only === null || only.has(c.name));
  const statics = used.filter((c) => c.kind === 'static').map(column).sort(compareColumnOrder);
  const regulars = used.filter((c) => c.kind !== 'static').map(column).sort(compareColumnOrder);
  const byName = new Map<string, { column: WriterColumn; index: number; isStatic: boolean }>();
  statics.forEach((c, index) => byName.set(c.name, { column: c, index, isStatic: true }));
  regulars.forEach((c, index) => byName.set(c.name, { column: c, index, isStatic: false }));
  const clusteringTypes = schema.clustering.map((c) => c.type);
  return {
    schema,
    keyTypeString,
    clusteringTypes,
    clusteringTypeStrings: clusteringTypes.map(formatMarshalType),
    clusteringFixed: clusteringTypes.map(fixedLength),
    clusteringCompare: clusteringTypes.map((t) => compareValues(t)),
    statics,
    regulars,
    byName,
  };
}
