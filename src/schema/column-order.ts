/**
 * Cassandra's internal column order (3.11 ColumnDefinition.compareTo / comparisonOrder): simple columns
 * before complex ones, then by name, comparing the first six bytes unsigned with the top bit of the first
 * byte inverted, then the whole name unsigned. SerializationHeader lists, row bitmaps and cells follow it.
 */
import { isMultiCell } from '../sstable/types/model.js';
import type { ColumnDef, TableSchema } from './model.js';

export interface OrderKey {
  readonly complex: boolean;
  readonly nameBytes: Uint8Array;
}

export function compareColumnOrder(a: OrderKey, b: OrderKey): number {
  if (a.complex !== b.complex) return a.complex ? 1 : -1;
  const x = a.nameBytes;
  const y = b.nameBytes;
  for (let i = 0; i < 6; i++) {
    let bx = x[i] ?? 0;
    let by = y[i] ?? 0;
    if (i === 0) {
      bx ^= 0x80;
      by ^= 0x80;
    }
    if (bx !== by) return bx - by;
  }
  const n = Math.min(x.length, y.length);
  for (let i = 6; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

const utf8 = new TextEncoder();

/**
 * The schema with its non-key columns in internal order: statics, then regulars, each group in
 * Cassandra's order. Readers then find cells already sorted by ordinal (no per-row sort for 3.x files).
 * Ordinals into CqlRow.values follow the returned schema's `columns`.
 */
export function withInternalColumnOrder(schema: TableSchema): TableSchema {
  const key = (c: ColumnDef): OrderKey => ({ complex: isMultiCell(c.type), nameBytes: utf8.encode(c.name) });
  const group = (kind: ColumnDef['kind']): ColumnDef[] =>
    schema.columns.filter((c) => c.kind === kind).map((c) => ({ c, k: key(c) })).sort((a, b) => compareColumnOrder(a.k, b.k)).map((x) => x.c);
  const columns = [...group('static'), ...group('regular')];
  if (columns.length !== schema.columns.length) return schema;
  if (columns.every((c, i) => c === schema.columns[i])) return schema;
  return { ...schema, columns };
}
