/**
 * 2.x schema discovery end to end, from files: a data directory laid out as Cassandra 2.1 lays it out
 * (`system/schema_columnfamilies-<id>/system-schema_columnfamilies-ka-1-Data.db`, …), its schema
 * tables and a user table written as 2.1 `ka` bytes (test/helpers/v2-bytes.ts, §6.1, §6.2, §10.1).
 * `dump` and `extract` without --schema then find the table's columns in system.schema_columnfamilies
 * and system.schema_columns and read its rows. The fixture corpus has no 2.x schema tables (MANIFEST
 * "Known gaps"), so these bytes are built here; the unit tests of discover-legacy.ts cover the
 * discovery rules themselves.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateTable } from '../../src/catalog/locate.js';
import { resolveSchema } from '../../src/catalog/schema.js';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { formatCqlType } from '../../src/schema/format.js';
import { LocalSink } from '../../src/sink/local.js';
import { runExtract } from '../../src/tasks/extract.js';
import { cat, cell, comp, i64, int, partition, rt, u16 } from '../helpers/v2-bytes.js';

const NOW = 1_700_000_000;
const TS = 1_600_000_000_000_000;
const M = 'org.apache.cassandra.db.marshal.';
const te = new TextEncoder();

/** A 2.1 (`ka`) Statistics.db: VALIDATION (partitioner, fp chance) and STATS (§4.1, §4.4). */
function kaStatistics(): Uint8Array {
  const partitioner = te.encode('org.apache.cassandra.dht.Murmur3Partitioner');
  const validation = cat(u16(partitioner.length), partitioner, new Uint8Array(8));
  const f64 = (x: number): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x);
    return b;
  };
  const stats = cat(
    int(0), // partition size histogram: no buckets
    int(0), // cell count histogram
    new Uint8Array(12), // commit log upper bound
    i64(0n), i64(BigInt(TS) * 2n), // min/max timestamp
    int(0x7fffffff), // max local deletion time
    f64(1), // compression ratio
    int(0), int(0), // tombstone histogram: bin size, no bins
    int(0), // sstable level
    i64(0n), // repairedAt
    int(0), int(0), // min/max column names
    new Uint8Array([0]), // hasLegacyCounterShards
  );
  const tocBytes = 4 + 2 * 8;
  return cat(int(2), int(0), int(tocBytes), int(2), int(tocBytes + validation.length), validation, stats);
}

/** Partitions in Murmur3 token order, as Cassandra writes them. */
function inTokenOrder(parts: { key: Uint8Array; bytes: Uint8Array }[]): Uint8Array {
  return cat(...[...parts].sort((a, b) => (murmur3Token(a.key) < murmur3Token(b.key) ? -1 : 1)).map((p) => p.bytes));
}

async function writeKa(dataDir: string, keyspace: string, table: string, id: string, data: Uint8Array): Promise<void> {
  const dir = join(dataDir, keyspace, `${table}-${id}`);
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${keyspace}-${table}-ka-1-`);
  await writeFile(`${base}Data.db`, data);
  await writeFile(`${base}Statistics.db`, kaStatistics());
  await writeFile(`${base}TOC.txt`, 'Data.db\nStatistics.db\nTOC.txt\n');
}

/** One CQL row of a sparse compound 2.1 table: the row marker, then a cell per non-null column. */
function cqlRow(clustering: string[], cells: Record<string, Uint8Array | string | null>): Uint8Array[] {
  const out = [cell(comp([...clustering, '']), { ts: TS, value: new Uint8Array(0) })];
  for (const [name, v] of Object.entries(cells).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (v !== null) out.push(cell(comp([...clustering, name]), { ts: TS, value: v }));
  }
  return out;
}

const uuidBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const CF_ID = '5a1c395e3b1e4c4d8f0d2c3e4f5a6b7c';
const bool = (b: boolean): Uint8Array => new Uint8Array([b ? 1 : 0]);

let dataDir = '';
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'legacy-discovery-'));
  // system.schema_columnfamilies: partition 'ks', clustering columnfamily_name
  const ksKey = te.encode('ks');
  const cfRows = [
    ...cqlRow(['events'], {
      cf_id: uuidBytes(CF_ID), comparator: `${M}CompositeType(${M}ReversedType(${M}TimestampType),${M}UTF8Type,${M}ColumnToCollectionType(74616773:${M}SetType(${M}UTF8Type)))`,
      default_validator: `${M}BytesType`, is_dense: bool(false), key_validator: `${M}CompositeType(${M}UTF8Type,${M}Int32Type)`,
      key_aliases: '["tenant","bucket"]', column_aliases: '["at"]', type: 'Standard', value_alias: null,
    }),
  ];
  await writeKa(dataDir, 'system', 'schema_columnfamilies', '45f5b36024bc3f83a3631034ea4fa697', inTokenOrder([{ key: ksKey, bytes: partition(ksKey, cfRows) }]));
  // system.schema_columns: partition 'ks', clustering (columnfamily_name, column_name)
  const col = (name: string, kind: string, validator: string, index: number | null): Uint8Array[] =>
    cqlRow(['events', name], { component_index: index === null ? null : int(index), type: kind, validator: `${M}${validator}` });
  const colRows = [
    ...col('at', 'clustering_key', `ReversedType(${M}TimestampType)`, 0),
    ...col('bucket', 'partition_key', 'Int32Type', 1),
    ...col('note', 'regular', 'UTF8Type', 1),
    ...col('tags', 'regular', `SetType(${M}UTF8Type)`, 1),
    ...col('tenant', 'partition_key', 'UTF8Type', 0),
  ];
  await writeKa(dataDir, 'system', 'schema_columns', '296e9c049bec3085827dc17d3df2122a', inTokenOrder([{ key: ksKey, bytes: partition(ksKey, colRows) }]));

  // ks.events: key (tenant text, bucket int), clustering at timestamp DESC, note text, tags set<text>
  const pk = (tenant: string, bucket: number): Uint8Array => cat(comp([tenant, int(bucket)]));
  const at = (ms: number): Uint8Array => i64(BigInt(ms));
  const p1 = pk('acme', 7);
  const p2 = pk('zeta', 1);
  const events1 = [
    // descending clustering: the later instant first
    cell(comp([at(2000), '']), { ts: TS, value: new Uint8Array(0) }),
    cell(comp([at(2000), 'note']), { ts: TS, value: 'second, "quoted"' }),
    rt(comp([at(2000), 'tags'], 0), comp([at(2000), 'tags'], 1), TS - 1),
    cell(comp([at(2000), 'tags', 'blue']), { ts: TS, value: new Uint8Array(0) }),
    cell(comp([at(2000), 'tags', 'red']), { ts: TS, value: new Uint8Array(0) }),
    cell(comp([at(1000), '']), { ts: TS, value: new Uint8Array(0) }),
    cell(comp([at(1000), 'note']), { ts: TS, value: 'first' }),
  ];
  const events2 = [
    cell(comp([at(5000), '']), { ts: TS, value: new Uint8Array(0) }),
    // a deleted note: the row stays (its marker), note is null
    cell(comp([at(5000), 'note']), { ts: TS, deletedAt: NOW - 10 }),
  ];
  await writeKa(dataDir, 'ks', 'events', CF_ID, inTokenOrder([
    { key: p1, bytes: partition(p1, events1) },
    { key: p2, bytes: partition(p2, events2) },
  ]));
});
afterAll(async () => {
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

const EXPECTED = [
  { tenant: 'acme', bucket: 7, at: '1970-01-01T00:00:02.000Z', note: 'second, "quoted"', tags: ['blue', 'red'] },
  { tenant: 'acme', bucket: 7, at: '1970-01-01T00:00:01.000Z', note: 'first', tags: null },
  { tenant: 'zeta', bucket: 1, at: '1970-01-01T00:00:05.000Z', note: null, tags: null },
];

describe('2.x schema discovery from a 2.1 data directory', () => {
  it('finds the table in system.schema_columnfamilies / schema_columns: keys, clustering order, collection', async () => {
    const loc = await locateTable([dataDir], 'ks', 'events');
    const src = await resolveSchema(loc, { nowInSec: NOW });
    expect(src.origin).toBe('system_schema');
    const s = src.schema;
    expect(s.partitionKey.map((c) => `${c.name} ${formatCqlType(c.type)}`)).toEqual(['tenant text', 'bucket int']);
    // DESC clustering: the reversed wrapper (ReversedType in the comparator and the validator)
    expect(s.clustering.map((c) => `${c.name} ${c.type.kind} ${c.type.kind === 'reversed' ? formatCqlType(c.type.base) : ''}`)).toEqual(['at reversed timestamp']);
    expect(s.columns.map((c) => `${c.name} ${formatCqlType(c.type)}`).sort()).toEqual(['note text', 'tags set<text>']);
  });

  it('dump reads the rows without --schema', async () => {
    const rows: unknown[] = [];
    for await (const b of dumpJsonRows([dataDir], { nowInSec: NOW, keyspace: 'ks', table: 'events' })) rows.push(...b);
    const sorted = [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted).toEqual([...EXPECTED].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
  });

  it('extract writes them to LOAD files and the table definition, without --schema', async () => {
    const out = `${dataDir}-out`;
    try {
      const r = await runExtract({ dataDirs: [dataDir], keyspace: 'ks', sink: new LocalSink(out), nowInSec: NOW });
      expect(r.complete).toBe(true);
      expect(r.rows).toBe(3);
      expect(r.tables.map((t) => [t.table, t.schemaOrigin])).toEqual([['events', 'system_schema']]);
      const csv = await readFile(join(out, 'ks', 'events', 'LOAD00000001.csv'), 'utf8');
      expect(csv.split('\n').filter((l) => l !== '')).toHaveLength(3);
      expect(csv).toContain('"second, ""quoted"""');
      const def = JSON.parse(await readFile(join(out, 'dms', 'table-definition.json'), 'utf8')) as { Tables: { TableColumns: { ColumnName: string }[] }[] };
      expect(def.Tables[0]?.TableColumns.map((c) => c.ColumnName)).toEqual(['tenant', 'bucket', 'at', 'note', 'tags']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
