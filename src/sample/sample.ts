/**
 * `writeSampleDataDir`: a small Cassandra 3.x data directory made in code (no shared corpus needed):
 * `<dir>/sample/<table>-<id>/me-1-big-*` for every sample table, plus `<dir>/system_schema/<table>-<id>/`
 * describing them. `sampleExpectedRows` gives the live rows a reader must return, from the generator's
 * model alone.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareUnsigned } from '../merge/bytes.js';
import { murmur3Token } from '../merge/murmur3.js';
import { findBuiltinTable } from '../schema/builtin.js';
import { parseCqlSchema } from '../schema/cql-ddl.js';
import type { TableSchema } from '../schema/model.js';
import { AgentError } from '../errors.js';
import { buildWriterLayout } from '../sstable/writer/layout.js';
import type { EncodingStats } from '../sstable/writer/model.js';
import { partitionKeyBytes, writeSSTable } from '../sstable/writer/writer.js';
import { expectedPartitionRows, type ExpectedRow } from './expected.js';
import { SYSTEM_SCHEMA_IDS, systemSchemaPartitions } from './system-schema.js';
import {
  OLD_COL_DROPPED_AT, SAMPLE_CQL, SAMPLE_GENERATORS, SAMPLE_KEYSPACE, SAMPLE_TABLE_IDS, SAMPLE_WRITE_CQL, SAMPLE_WRITE_TIME,
  samplePartitionCounts, type SamplePartition,
} from './tables.js';

export const DEFAULT_SAMPLE_ROWS = 300;
const SAMPLE_HOST_ID = '2c6e0b8e-5a3e-4c10-9b6a-11eea1b2d3c4';
/** below every timestamp and deletion time of the sample: every delta is small and positive */
const SAMPLE_STATS: EncodingStats = { minTimestamp: 1_600_000_000_000_000n - 1000n, minLocalDeletionTime: 1_600_000_000, minTTL: 0 };

export interface SampleOptions {
  /** about how many CQL rows (live or deleted) to generate in total; default 300 */
  readonly rows?: number;
}

function withIds(tables: readonly TableSchema[]): TableSchema[] {
  return tables.map((t) => ({ ...t, id: SAMPLE_TABLE_IDS[t.table] ?? null }));
}

/** The sample tables as a reader sees them (old_col dropped), with their ids. */
export function sampleSchemas(): TableSchema[] {
  const parsed = parseCqlSchema(SAMPLE_CQL).tables;
  return withIds(parsed).map((t) => t.table !== 'all_types' ? t : { ...t, dropped: new Map([['old_col', { name: 'old_col', droppedAt: OLD_COL_DROPPED_AT, type: { kind: 'native', name: 'int' } }]]) });
}

/** Partitions of a table in token order. */
function orderedPartitions(schema: TableSchema, count: number, gen: (i: number) => SamplePartition): SamplePartition[] {
  const layout = buildWriterLayout(schema);
  const keyed = Array.from({ length: count }, (_, i) => {
    const sp = gen(i);
    const key = partitionKeyBytes(layout, sp.partition.key);
    return { sp, key, token: murmur3Token(key) };
  });
  keyed.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : compareUnsigned(a.key, b.key)));
  return keyed.map((k) => k.sp);
}

function rowsOption(opts: SampleOptions): number {
  const rows = opts.rows ?? DEFAULT_SAMPLE_ROWS;
  if (!Number.isInteger(rows) || rows < 1) throw new AgentError('E_BAD_ARGUMENT', `rows must be a positive integer, got ${rows}`);
  return rows;
}

/**
 * Writes the sample data directory. Deterministic: the same `rows` gives the same bytes.
 * @throws AgentError E_IO when the directory cannot be written
 */
export async function writeSampleDataDir(dir: string, opts: SampleOptions = {}): Promise<{ keyspace: string; tables: string[] }> {
  const counts = samplePartitionCounts(rowsOption(opts));
  const writeSchemas = withIds(parseCqlSchema(SAMPLE_WRITE_CQL).tables);
  const common = { generation: 1, nowInSec: SAMPLE_WRITE_TIME, encodingStats: SAMPLE_STATS, hostId: SAMPLE_HOST_ID };
  const tables: string[] = [];
  for (const schema of writeSchemas) {
    const gen = SAMPLE_GENERATORS[schema.table];
    if (gen === undefined) continue;
    const tableDir = join(dir, SAMPLE_KEYSPACE, `${schema.table}-${schema.id ?? ''}`);
    await mkdir(tableDir, { recursive: true });
    const parts = orderedPartitions(schema, counts[schema.table] ?? 1, gen).map((sp) => sp.partition);
    await writeSSTable(tableDir, schema, parts, { ...common, compression: schema.table === 'counters' ? 'none' : 'lz4', chunkLength: 4096 });
    tables.push(schema.table);
  }
  const parsed = parseCqlSchema(SAMPLE_CQL);
  const types = [...parsed.types.values()].flatMap((t) => (t.kind === 'udt' ? [{ name: t.name, fields: t.fields }] : []));
  const sys = systemSchemaPartitions({
    keyspace: SAMPLE_KEYSPACE,
    tables: sampleSchemas(),
    types,
    dropped: [{ table: 'all_types', column: 'old_col', droppedAtMicros: OLD_COL_DROPPED_AT, type: 'int' }],
    timestamp: 1_600_000_000_000_000n,
  });
  for (const [table, partition] of Object.entries(sys)) {
    const schema = findBuiltinTable('system_schema', table, '3.x');
    const id = SYSTEM_SCHEMA_IDS[table];
    if (schema === undefined || id === undefined) continue;
    const tableDir = join(dir, 'system_schema', `${table}-${id}`);
    await mkdir(tableDir, { recursive: true });
    await writeSSTable(tableDir, schema, [partition], { ...common, compression: 'lz4' });
  }
  return { keyspace: SAMPLE_KEYSPACE, tables };
}

/**
 * The live rows of every sample table at `nowInSec`, by table name, in the order `dump` prints them
 * (token order, then clustering order). Computed from the generator's model, not by decoding.
 */
export function sampleExpectedRows(nowInSec: number, opts: SampleOptions = {}): Record<string, ExpectedRow[]> {
  const counts = samplePartitionCounts(rowsOption(opts));
  const out: Record<string, ExpectedRow[]> = {};
  for (const schema of sampleSchemas()) {
    const gen = SAMPLE_GENERATORS[schema.table];
    if (gen === undefined) continue;
    out[schema.table] = orderedPartitions(schema, counts[schema.table] ?? 1, gen)
      .flatMap((sp) => expectedPartitionRows(schema, sp.partition, nowInSec, SAMPLE_WRITE_TIME, sp.covers));
  }
  return out;
}
