import type { CqlType } from '../sstable/types/model.js';

export type ColumnKind = 'partition_key' | 'clustering' | 'static' | 'regular';

export interface ColumnDef {
  readonly name: string;
  /** the CQL type; for DESC clustering columns a { kind: 'reversed' } wrapper */
  readonly type: CqlType;
  readonly kind: ColumnKind;
  /** position within the partition key or clustering; -1 for static and regular columns */
  readonly position: number;
}

/**
 * How the table is stored (3.x system_schema.tables.flags, 2.x comparator + is_dense):
 * - 'cql': a normal (compound, sparse) CQL table
 * - 'dense': COMPACT STORAGE with clustering columns (one value column, possibly of type empty)
 * - 'staticCompact': COMPACT STORAGE without clustering columns (3.x stores its columns as statics)
 */
export type TableFlavour = 'cql' | 'dense' | 'staticCompact';

export interface DroppedColumn {
  readonly name: string;
  /** µs since the epoch: cells with timestamp <= droppedAt are dead */
  readonly droppedAt: bigint;
  readonly type: CqlType | null;
}

/** A table as CQL sees it (the CQL view, even for compact tables). */
export interface TableSchema {
  readonly keyspace: string;
  readonly table: string;
  /** table id as 32 lowercase hex digits, when known */
  readonly id: string | null;
  readonly partitionKey: readonly ColumnDef[];
  readonly clustering: readonly ColumnDef[];
  /** static and regular columns */
  readonly columns: readonly ColumnDef[];
  readonly flavour: TableFlavour;
  readonly isCounter: boolean;
  readonly dropped: ReadonlyMap<string, DroppedColumn>;
  /** true when the schema was synthesized from an SSTable header (generated key names) */
  readonly fromHeader?: boolean;
}

/** Output column order of `SELECT *`: partition key, clustering, then the other columns by name. */
export function selectStarColumns(t: TableSchema): ColumnDef[] {
  const rest = [...t.columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...t.partitionKey, ...t.clustering, ...rest];
}

/** A keyspace's user types, by name (used while resolving CQL type strings). */
export type UserTypeLookup = (keyspace: string, name: string) => CqlType | undefined;
