import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinTables, findBuiltinTable } from '../../src/schema/builtin.js';
import { formatCqlType } from '../../src/schema/format.js';
import { selectStarColumns, type TableSchema } from '../../src/schema/model.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

interface Expectation {
  keyspace: string;
  table: string;
  schema: {
    partitionKey: Array<{ name: string; type: string }>;
    clustering: Array<{ name: string; type: string; order: string }>;
    static: Array<{ name: string; type: string }>;
    regular: Array<{ name: string; type: string }>;
    compactStorage: boolean;
  } | null;
  rows?: Array<Record<string, unknown>> | null;
  partialRows?: Array<Record<string, unknown>> | null;
  observedValues?: Record<string, unknown> | null;
}

const col = (t: TableSchema, name: string): string | undefined => {
  const c = selectStarColumns(t).find((x) => x.name === name);
  return c === undefined ? undefined : formatCqlType(c.type);
};

describe('builtinTables', () => {
  it('defines the 3.x schema tables, the node tables and the 2.x schema tables', () => {
    const names = builtinTables().map((t) => `${t.keyspace}.${t.table}`);
    expect(names.sort()).toEqual([
      'system.local', 'system.peers', 'system.schema_columnfamilies', 'system.schema_columns', 'system.schema_keyspaces',
      'system.schema_usertypes', 'system_schema.aggregates', 'system_schema.columns', 'system_schema.dropped_columns',
      'system_schema.functions', 'system_schema.indexes', 'system_schema.keyspaces', 'system_schema.tables',
      'system_schema.triggers', 'system_schema.types', 'system_schema.views',
    ]);
  });

  it('finds tables per family', () => {
    expect(findBuiltinTable('system_schema', 'tables', '3.x')?.clustering.map((c) => c.name)).toEqual(['table_name']);
    expect(findBuiltinTable('system_schema', 'tables', '2.x')).toBeUndefined();
    expect(findBuiltinTable('system', 'schema_columns', '3.x')).toBeUndefined();
    expect(findBuiltinTable('system', 'local', '2.x')?.partitionKey.map((c) => c.name)).toEqual(['key']);
    expect(findBuiltinTable('system', 'peers', '3.x')?.partitionKey.map((c) => `${c.name}:${formatCqlType(c.type)}`)).toEqual(['peer:inet']);
  });

  it('has the 3.11 column types that matter for discovery', () => {
    const tables = findBuiltinTable('system_schema', 'tables', '3.x') as TableSchema;
    expect(col(tables, 'flags')).toBe('frozen<set<text>>');
    expect(col(tables, 'id')).toBe('uuid');
    expect(col(tables, 'extensions')).toBe('frozen<map<text, blob>>');
    expect(col(tables, 'cdc')).toBe('boolean');
    const dropped = findBuiltinTable('system_schema', 'dropped_columns', '3.x') as TableSchema;
    expect(col(dropped, 'dropped_time')).toBe('timestamp');
    const fns = findBuiltinTable('system_schema', 'functions', '3.x') as TableSchema;
    expect(fns.clustering.map((c) => `${c.name}:${formatCqlType(c.type)}`)).toEqual(['function_name:text', 'argument_types:frozen<list<text>>']);
    const local = findBuiltinTable('system', 'local', '3.x') as TableSchema;
    expect(col(local, 'tokens')).toBe('set<text>');
    expect(col(local, 'truncated_at')).toBe('map<uuid, blob>');
  });

  it('has the 2.1 definitions, schema_keyspaces as a static compact table', () => {
    const ks = findBuiltinTable('system', 'schema_keyspaces', '2.x') as TableSchema;
    expect(ks.flavour).toBe('staticCompact');
    expect(ks.columns.map((c) => `${c.name}:${c.kind}`).sort()).toEqual(['durable_writes:regular', 'strategy_class:regular', 'strategy_options:regular']);
    const cf = findBuiltinTable('system', 'schema_columnfamilies', '2.x') as TableSchema;
    expect(cf.flavour).toBe('cql');
    expect(cf.partitionKey.map((c) => c.name)).toEqual(['keyspace_name']);
    expect(cf.clustering.map((c) => c.name)).toEqual(['columnfamily_name']);
    expect(col(cf, 'dropped_columns')).toBe('map<text, bigint>');
    expect(col(cf, 'is_dense')).toBe('boolean');
    expect(col(cf, 'cf_id')).toBe('uuid');
    expect(cf.columns).toHaveLength(28);
    const cols = findBuiltinTable('system', 'schema_columns', '2.x') as TableSchema;
    expect(cols.clustering.map((c) => c.name)).toEqual(['columnfamily_name', 'column_name']);
    expect(col(cols, 'component_index')).toBe('int');
    const ut = findBuiltinTable('system', 'schema_usertypes', '2.x') as TableSchema;
    expect(col(ut, 'field_types')).toBe('list<text>');
  });
});

describe.runIf(haveFixture('expected/pcass-me/data'))('builtin definitions against the pcass (Cassandra 3.0) fixtures', () => {
  const files: Array<{ file: string; e: Expectation }> = [];
  for (const ks of ['system_schema', 'system']) {
    const dir = fixturePath('expected/pcass-me/data', ks);
    for (const f of readdirSync(dir)) files.push({ file: `${ks}/${f}`, e: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Expectation });
  }
  const builtin = files.filter(({ e }) => findBuiltinTable(e.keyspace, e.table, '3.x') !== undefined);

  it('covers every system_schema table and system.local', () => {
    expect(builtin.map(({ e }) => `${e.keyspace}.${e.table}`).sort()).toEqual([
      'system.local', 'system_schema.aggregates', 'system_schema.columns', 'system_schema.dropped_columns',
      'system_schema.functions', 'system_schema.indexes', 'system_schema.keyspaces', 'system_schema.tables',
      'system_schema.triggers', 'system_schema.types', 'system_schema.views',
    ]);
  });

  it.each(builtin)('$file: structured schema, column for column', ({ e }) => {
    const t = findBuiltinTable(e.keyspace, e.table, '3.x') as TableSchema;
    if (e.schema !== null) {
      expect(t.partitionKey.map((c) => ({ name: c.name, type: formatCqlType(c.type) }))).toEqual(e.schema.partitionKey);
      expect(t.clustering.map((c) => ({ name: c.name, type: formatCqlType(c.type), order: c.type.kind === 'reversed' ? 'DESC' : 'ASC' }))).toEqual(e.schema.clustering);
      expect(t.columns.filter((c) => c.kind === 'static')).toEqual([]);
      expect(e.schema.static).toEqual([]);
      for (const r of e.schema.regular) expect(`${r.name}:${col(t, r.name)}`).toBe(`${r.name}:${r.type}`);
      expect(t.flavour !== 'cql').toBe(e.schema.compactStorage);
    }
    // every column named by the rows is a column of the definition
    const names = new Set<string>();
    for (const r of [...(e.rows ?? []), ...(e.partialRows ?? [])]) for (const k of Object.keys(r)) names.add(k);
    for (const k of Object.keys(e.observedValues ?? {})) if (k !== 'tokens_count') names.add(k);
    for (const n of names) expect(col(t, n), `${e.keyspace}.${e.table}.${n}`).toBeDefined();
  });
});
