/**
 * The `system_schema` rows that describe the sample keyspace (3.x SchemaKeyspace layout, §10.2), written
 * with the built-in schemas so that schema discovery finds the sample tables with no --schema.
 */
import type { TableSchema } from '../schema/model.js';
import { formatCqlType } from '../sstable/types/index.js';
import { baseType, type CqlType, type JsonValue } from '../sstable/types/model.js';
import type { WritePartition, WriteRow } from '../sstable/writer/model.js';

/** Fixed table ids of system_schema (SchemaKeyspace: UUID.nameUUIDFromBytes of keyspace + table). */
export const SYSTEM_SCHEMA_IDS: Readonly<Record<string, string>> = {
  keyspaces: 'abac5682dea631c5b535b3d6cffd0fb6',
  tables: 'afddfb9dbc1e30688056eed6c302ba09',
  columns: '24101c25a2ae3af787c1b40ee1aca33f',
  types: '5a8b1ca866023f77a0459273d308917a',
  dropped_columns: '5e7583b5f3f43af19a39b7e1d6f5f11f',
};

const dashed = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function row(clustering: JsonValue[], ts: bigint, cells: Record<string, JsonValue>): WriteRow {
  const out: Record<string, { value: JsonValue }> = {};
  for (const [k, v] of Object.entries(cells)) if (v !== null) out[k] = { value: v };
  return { clustering, liveness: { timestamp: ts }, cells: out };
}

/** CQL type text as system_schema.columns stores it (no ReversedType: the order is in clustering_order). */
function cqlText(t: CqlType): string {
  return formatCqlType(baseType(t));
}

export interface SchemaTablesInput {
  readonly keyspace: string;
  readonly tables: readonly TableSchema[];
  readonly types: readonly { name: string; fields: readonly { name: string; type: CqlType }[] }[];
  readonly dropped: readonly { table: string; column: string; droppedAtMicros: bigint; type: string }[];
  readonly timestamp: bigint;
}

/** One partition (the keyspace) per system_schema table, rows in clustering (name) order. */
export function systemSchemaPartitions(s: SchemaTablesInput): Record<string, WritePartition> {
  const ts = s.timestamp;
  const tables = [...s.tables].sort((a, b) => byteOrder(a.table, b.table));
  const tableRows = tables.map((t) => row([t.table], ts, {
    bloom_filter_fp_chance: 0.01, comment: '', crc_check_chance: 1, dclocal_read_repair_chance: 0.1,
    default_time_to_live: 0, gc_grace_seconds: 864000, max_index_interval: 2048, memtable_flush_period_in_ms: 0,
    min_index_interval: 128, read_repair_chance: 0, speculative_retry: '99PERCENTILE',
    flags: t.isCounter ? ['compound', 'counter'] : ['compound'],
    id: dashed(t.id ?? '00000000000000000000000000000000'),
    caching: [['keys', 'ALL'], ['rows_per_partition', 'NONE']],
    compression: [['chunk_length_in_kb', '64'], ['class', 'org.apache.cassandra.io.compress.LZ4Compressor']],
  }));
  const columnRows: WriteRow[] = [];
  for (const t of tables) {
    const cols = [...t.partitionKey, ...t.clustering, ...t.columns].sort((a, b) => byteOrder(a.name, b.name));
    for (const c of cols) {
      columnRows.push(row([t.table, c.name], ts, {
        clustering_order: c.kind !== 'clustering' ? 'none' : c.type.kind === 'reversed' ? 'desc' : 'asc',
        column_name_bytes: '0x' + Buffer.from(c.name).toString('hex'),
        kind: c.kind,
        position: c.position,
        type: cqlText(c.type),
      }));
    }
  }
  const typeRows = [...s.types].sort((a, b) => byteOrder(a.name, b.name)).map((u) => row([u.name], ts, {
    field_names: u.fields.map((f) => f.name),
    field_types: u.fields.map((f) => cqlText(f.type)),
  }));
  const droppedRows = [...s.dropped].sort((a, b) => byteOrder(a.table, b.table) || byteOrder(a.column, b.column)).map((d) => row([d.table, d.column], ts, {
    dropped_time: new Date(Number(d.droppedAtMicros / 1000n)).toISOString(),
    type: d.type,
  }));
  const part = (rows: WriteRow[]): WritePartition => ({ key: [s.keyspace], rows });
  return {
    keyspaces: { key: [s.keyspace], rows: [row([], ts, { durable_writes: true, replication: [['class', 'org.apache.cassandra.locator.SimpleStrategy'], ['replication_factor', '1']] })] },
    tables: part(tableRows),
    columns: part(columnRows),
    types: part(typeRows),
    dropped_columns: part(droppedRows),
  };
}
