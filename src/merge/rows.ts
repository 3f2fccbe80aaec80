import type { Cell, ClusteringValues } from '../sstable/model.js';

/**
 * The live value of one column in a reconciled CQL row.
 * - a Cell: a simple column's winning cell (its `value`; for counters the merged counter context, see
 *   types/counter.ts). The cell itself, not a copy or a wrapper: rows are built millions of times a second.
 * - { kind: 'complex' }: the live cells of a non-frozen collection or UDT, sorted by path as Cassandra
 *   sorts them (list: TimeUUID path; set: element as path, empty value; map: key as path; UDT: i16 field index)
 */
export interface ComplexValue {
  readonly kind: 'complex';
  readonly cells: readonly Cell[];
}

export type LiveValue = Cell | ComplexValue;

export function isComplexValue(v: LiveValue): v is ComplexValue {
  return (v as Partial<ComplexValue>).kind === 'complex';
}

/**
 * One live CQL row, as `SELECT *` returns it: the partition key bytes, the clustering values, and the
 * value of every non-key column (indexed by ordinal in TableSchema.columns; null = no live value).
 * Static column values are repeated on every row of their partition.
 */
export interface CqlRow {
  readonly partitionKey: Uint8Array;
  readonly clustering: ClusteringValues;
  readonly values: readonly (LiveValue | null)[];
}
