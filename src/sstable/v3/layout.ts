/**
 * How to decode one 3.x SSTable: its SerializationHeader resolved against the table schema.
 * Values are decoded with the header's types (pitfall P19); frozenness comes from the schema (P6).
 */
import { AgentError } from '../../errors.js';
import { compareColumnOrder } from '../../schema/column-order.js';
import type { ColumnDef, TableSchema } from '../../schema/model.js';
import type { SerializationHeader } from '../io/statistics.js';
import { isMultiCell, type CqlType } from '../types/model.js';
import { fixedLength, parseMarshalType } from '../types/index.js';

export interface ColumnLayout {
  readonly name: string;
  /** ordinal in the decode columns, or -1 for a dropped column whose cells are all skipped */
  readonly ordinal: number;
  /** stored as several cells (non-frozen collection or UDT) */
  readonly complex: boolean;
  /** fixed value length of a simple cell, -1 = length-prefixed */
  readonly fixedLength: number;
  /** cells with timestamp <= droppedAt are dead (system_schema.dropped_columns); null if never dropped */
  readonly droppedAt: bigint | null;
}

export interface V3Layout {
  readonly file: string;
  /** fixed lengths of the header's clustering types (-1 = length-prefixed) */
  readonly clusteringFixed: readonly number[];
  readonly statics: readonly ColumnLayout[];
  readonly regulars: readonly ColumnLayout[];
  readonly minTimestamp: bigint;
  /** minTimestamp as a number when |minTimestamp| <= 2^52 (fast path of timestamp decoding), else null */
  readonly minTimestampNumber: number | null;
  readonly minLocalDeletionTime: number;
  readonly minTTL: number;
  /**
   * COMPACT STORAGE without clustering (CompactTables): the CQL columns are stored as statics. The static
   * row is emitted as the partition's one regular row; dynamic (Thrift) rows must not hold live data.
   */
  readonly staticCompact: boolean;
  /** header order differs from ordinal order: cells must be re-sorted by ordinal after a row is read */
  readonly staticsNeedSort: boolean;
  readonly regularsNeedSort: boolean;
}

function needsSort(cols: readonly ColumnLayout[]): boolean {
  let last = -1;
  for (const c of cols) {
    if (c.ordinal < 0) continue;
    if (c.ordinal < last) return true;
    last = c.ordinal;
  }
  return false;
}

function parseHeaderType(s: string, file: string): CqlType {
  try {
    return parseMarshalType(s);
  } catch (e) {
    if (e instanceof AgentError) throw e.withFile(file);
    throw e;
  }
}

function resolve(
  name: string,
  typeString: string,
  byName: ReadonlyMap<string, { def: ColumnDef; ordinal: number }>,
  schema: TableSchema,
  file: string,
): ColumnLayout {
  const headerType = parseHeaderType(typeString, file);
  const found = byName.get(name);
  const dropped = schema.dropped.get(name);
  if (found === undefined && dropped === undefined) {
    throw new AgentError(
      'E_SCHEMA',
      `column "${name}" (${typeString}) of the SSTable header is not in the schema of ${schema.keyspace}.${schema.table}; the schema does not match the data (pass the right --schema, or none to use the header)`,
      { file },
    );
  }
  const complex = isMultiCell(headerType) && (found === undefined || isMultiCell(found.def.type));
  return {
    name,
    ordinal: found === undefined ? -1 : found.ordinal,
    complex,
    fixedLength: complex ? -1 : fixedLength(headerType),
    droppedAt: dropped === undefined ? null : dropped.droppedAt,
  };
}

/**
 * Header columns in Cassandra's internal order (schema/column-order.ts): SerializationHeader.Serializer
 * rebuilds its lists in that order whatever order the file lists them in; Cassandra's own writers already
 * list them so, other writers (ScyllaDB's) do not.
 */
function internalOrder<T extends { nameBytes: Uint8Array; type: string }>(cols: readonly T[], file: string): T[] {
  const keyed = cols.map((c) => ({ c, complex: isMultiCell(parseHeaderType(c.type, file)), nameBytes: c.nameBytes }));
  keyed.sort(compareColumnOrder);
  return keyed.map((k) => k.c);
}

/**
 * @param columns the decode columns (TableSchema.columns plus hidden ones, see decodeColumns)
 * @throws AgentError E_SCHEMA when the header names a column the schema neither has nor dropped
 */
export function buildV3Layout(header: SerializationHeader, schema: TableSchema, columns: readonly ColumnDef[], file: string): V3Layout {
  const byName = new Map<string, { def: ColumnDef; ordinal: number }>();
  columns.forEach((def, ordinal) => byName.set(def.name, { def, ordinal }));
  const staticCompact = schema.flavour === 'staticCompact';
  const statics = internalOrder(header.staticColumns, file).map((c) => resolve(c.name, c.type, byName, schema, file));
  const regulars = internalOrder(header.regularColumns, file).map((c) => {
    // In static compact tables the header's regular column is the internal dynamic `value` column.
    if (staticCompact && !byName.has(c.name)) {
      return { name: c.name, ordinal: -2, complex: false, fixedLength: fixedLength(parseHeaderType(c.type, file)), droppedAt: null };
    }
    return resolve(c.name, c.type, byName, schema, file);
  });
  return {
    file,
    clusteringFixed: header.clusteringTypes.map((t) => fixedLength(parseHeaderType(t, file))),
    statics,
    regulars,
    minTimestamp: header.minTimestamp,
    minTimestampNumber: header.minTimestamp >= -(1n << 52n) && header.minTimestamp <= 1n << 52n ? Number(header.minTimestamp) : null,
    minLocalDeletionTime: header.minLocalDeletionTime,
    minTTL: header.minTTL,
    staticCompact,
    staticsNeedSort: needsSort(statics),
    regularsNeedSort: needsSort(regulars),
  };
}
