import type { ClusteringValues } from '../sstable/model.js';

/**
 * The live value of one column in a reconciled CQL row.
 * - a Uint8Array: a simple column's winning cell bytes (for counters: the merged counter context, see
 *   types/counter.ts). A bare view, not wrapped: rows are built millions of times a second.
 * - { kind: 'complex' }: the live cells of a non-frozen collection or UDT, sorted by path as Cassandra sorts them
 *   (list: TimeUUID path; set: element as path, empty value; map: key as path; UDT: i16 field index)
 */
export interface ComplexValue {
  readonly kind: 'complex';
  readonly cells: readonly { readonly path: Uint8Array; readonly value: Uint8Array }[];
}

export type LiveValue = Uint8Array | ComplexValue;

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
