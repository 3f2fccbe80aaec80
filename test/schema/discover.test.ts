import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFromSystemSchemaRows, type JsonRow } from '../../src/schema/discover.js';
import { formatCqlType } from '../../src/schema/format.js';
import { isAgentError } from '../../src/errors.js';
import type { TableSchema } from '../../src/schema/model.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

const byName = <T extends { name: string }>(l: T[]): T[] => [...l].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

function structured(t: TableSchema): unknown {
  return {
    partitionKey: t.partitionKey.map((c) => ({ name: c.name, type: formatCqlType(c.type) })),
    clustering: t.clustering.map((c) => ({ name: c.name, type: formatCqlType(c.type), order: c.type.kind === 'reversed' ? 'DESC' : 'ASC' })),
    static: byName(t.columns.filter((c) => c.kind === 'static').map((c) => ({ name: c.name, type: formatCqlType(c.type) }))),
    regular: byName(t.columns.filter((c) => c.kind === 'regular').map((c) => ({ name: c.name, type: formatCqlType(c.type) }))),
    compactStorage: t.flavour !== 'cql',
  };
}

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isAgentError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

const find = (tables: TableSchema[], ks: string, name: string): TableSchema => {
  const t = tables.find((x) => x.keyspace === ks && x.table === name);
  if (t === undefined) throw new Error(`no table ${ks}.${name}`);
  return t;
};

describe.runIf(haveFixture('expected/pcass-me/data'))('3.x discovery from the pcass system_schema rows', () => {
  const dir = fixturePath('expected/pcass-me/data');
  const load = (sub: string, prefix: string): { rows?: JsonRow[] | null; partialRows?: JsonRow[] | null } => {
    const f = readdirSync(join(dir, sub)).find((x) => x.startsWith(prefix));
    if (f === undefined) throw new Error(`no ${prefix}`);
    return JSON.parse(readFileSync(join(dir, sub, f), 'utf8')) as { rows?: JsonRow[] | null; partialRows?: JsonRow[] | null };
  };
  const schema = schemaFromSystemSchemaRows({
    tables: load('system_schema', 'tables-').partialRows ?? [],
    columns: load('system_schema', 'columns-').partialRows ?? [],
    types: load('system_schema', 'types-').rows ?? [],
    dropped_columns: load('system_schema', 'dropped_columns-').rows ?? [],
  });
  const expectations = readdirSync(join(dir, 'sina_test')).map((f) => ({
    file: f,
    e: JSON.parse(readFileSync(join(dir, 'sina_test', f), 'utf8')) as { table: string; schema: Record<string, unknown> & { userTypes?: Record<string, Array<[string, string]>> } },
  }));

  it('finds the 16 sina_test tables and 4 types', () => {
    expect(schema.tables.filter((t) => t.keyspace === 'sina_test')).toHaveLength(16);
    expect([...schema.types.keys()].sort()).toEqual(['sina_test.address', 'sina_test.band_info_type', 'sina_test.phone_number', 'sina_test.tags']);
  });

  it.each(expectations)('$file', ({ file, e }) => {
    const t = find(schema.tables, 'sina_test', e.table);
    const { cql: _cql, userTypes, ...want } = e.schema;
    const w = want as { static: Array<{ name: string }>; regular: Array<{ name: string }> };
    expect(structured(t)).toEqual({ ...want, static: byName(w.static), regular: byName(w.regular) });
    expect(t.id).toBe(file.replace(/^.*-([0-9a-f]{32})\.json$/, '$1'));
    for (const [name, fields] of Object.entries(userTypes ?? {})) {
      const u = schema.types.get(`sina_test.${name}`);
      expect(u?.kind === 'udt' ? u.fields.map((f) => [f.name, formatCqlType(f.type)]) : null).toEqual(fields);
    }
  });

  it('keeps frozen UDTs frozen (pitfall P6: 3.0 headers do not say so)', () => {
    const songs = find(schema.tables, 'sina_test', 'songs');
    const info = songs.columns.find((c) => c.name === 'info')?.type;
    expect(info?.kind === 'udt' && info.frozen).toBe(true);
    const users = find(schema.tables, 'sina_test', 'users');
    const addresses = users.columns.find((c) => c.name === 'addresses')?.type;
    expect(addresses?.kind === 'set' && !addresses.frozen && addresses.element.kind === 'udt' && addresses.element.frozen).toBe(true);
  });

  it('discovers the tables without data too', () => {
    const empty = find(schema.tables, 'sina_test', 'empty_composite_table');
    expect(structured(empty)).toMatchObject({ partitionKey: [{ name: 'lonelykey', type: 'float' }], clustering: [{ name: 'lonelycol', type: 'text', order: 'ASC' }] });
  });
});

const col = (ks: string, table: string, name: string, kind: string, position: number, type: string, order = 'none'): JsonRow => ({
  keyspace_name: ks, table_name: table, column_name: name, kind, position, type, clustering_order: order,
});

describe('3.x discovery from hand-written rows', () => {
  const rows: { tables: JsonRow[]; columns: JsonRow[]; types: JsonRow[]; dropped_columns: JsonRow[] } = {
    tables: [
      { keyspace_name: 'ks', table_name: 'cql', id: '5b608090-e03d-11eb-b4c1-d335f841c590', flags: ['compound'] },
      { keyspace_name: 'ks', table_name: 'static_compact', id: null, flags: [] },
      { keyspace_name: 'ks', table_name: 'dense_empty', flags: ['dense'] },
      { keyspace_name: 'ks', table_name: 'dense', flags: ['dense', 'counter'] },
    ],
    columns: [
      col('ks', 'cql', 'k2', 'partition_key', 1, 'text'),
      col('ks', 'cql', 'k1', 'partition_key', 0, 'int'),
      col('ks', 'cql', 'c', 'clustering', 0, 'timestamp', 'desc'),
      col('ks', 'cql', 's', 'static', -1, 'int'),
      col('ks', 'cql', 'v', 'regular', -1, 'frozen<outer>'),
      col('ks', 'cql', 'm', 'regular', -1, 'map<text, frozen<list<int>>>'),
      col('ks', 'static_compact', 'key', 'partition_key', 0, 'text'),
      col('ks', 'static_compact', 'column1', 'clustering', 0, 'text', 'asc'),
      col('ks', 'static_compact', 'c1', 'static', -1, 'text'),
      col('ks', 'static_compact', 'c2', 'static', -1, 'int'),
      col('ks', 'static_compact', 'value', 'regular', -1, 'blob'),
      col('ks', 'dense_empty', 'k', 'partition_key', 0, 'int'),
      col('ks', 'dense_empty', 'c', 'clustering', 0, 'int', 'asc'),
      col('ks', 'dense_empty', 'value', 'regular', -1, 'empty'),
      col('ks', 'dense', 'k', 'partition_key', 0, 'int'),
      col('ks', 'dense', 'c', 'clustering', 0, 'int', 'asc'),
      col('ks', 'dense', 'n', 'regular', -1, 'counter'),
    ],
    // outer is listed before the type it refers to
    types: [
      { keyspace_name: 'ks', type_name: 'outer', field_names: ['i', 'tags'], field_types: ['frozen<inner>', 'frozen<set<text>>'] },
      { keyspace_name: 'ks', type_name: 'inner', field_names: ['x'], field_types: ['int'] },
    ],
    dropped_columns: [
      { keyspace_name: 'ks', table_name: 'cql', column_name: 'old', dropped_time: '2015-05-01T09:30:54.234Z', type: 'frozen<tuple<int, text>>' },
      { keyspace_name: 'ks', table_name: 'cql', column_name: 'weird', dropped_time: 1000, type: 'frozen<gone_type>' },
    ],
  };
  const { tables, types } = schemaFromSystemSchemaRows(rows);

  it('builds a CQL table: key order by position, DESC as reversed, UDTs in dependency order', () => {
    const t = find(tables, 'ks', 'cql');
    expect(t.id).toBe('5b608090e03d11ebb4c1d335f841c590');
    expect(t.flavour).toBe('cql');
    expect(t.partitionKey.map((c) => [c.name, c.position])).toEqual([['k1', 0], ['k2', 1]]);
    expect(t.clustering[0]?.type).toEqual({ kind: 'reversed', base: { kind: 'native', name: 'timestamp' } });
    expect(t.columns.map((c) => `${c.name}:${c.kind}:${formatCqlType(c.type)}`)).toEqual(['m:regular:map<text, frozen<list<int>>>', 's:static:int', 'v:regular:frozen<outer>']);
    const outer = types.get('ks.outer');
    expect(outer?.kind === 'udt' && outer.fields.map((f) => formatCqlType(f.type))).toEqual(['frozen<inner>', 'frozen<set<text>>']);
  });

  it('converts dropped_time (ms, ISO) to µs and keeps unresolvable dropped types as null', () => {
    const t = find(tables, 'ks', 'cql');
    expect(t.dropped.get('old')).toEqual({
      name: 'old', droppedAt: 1430472654234000n,
      type: { kind: 'tuple', elements: [{ kind: 'native', name: 'int' }, { kind: 'native', name: 'text' }] },
    });
    expect(t.dropped.get('weird')).toEqual({ name: 'weird', droppedAt: 1000000n, type: null });
  });

  it('shows a static compact table as CQL does: statics as regular columns, column1/value hidden', () => {
    const t = find(tables, 'ks', 'static_compact');
    expect(t.flavour).toBe('staticCompact');
    expect(t.id).toBeNull();
    expect(t.clustering).toEqual([]);
    expect(t.columns).toEqual([
      { name: 'c1', kind: 'regular', position: -1, type: { kind: 'native', name: 'text' } },
      { name: 'c2', kind: 'regular', position: -1, type: { kind: 'native', name: 'int' } },
    ]);
  });

  it('hides the empty compact value of a dense table and keeps a real one', () => {
    expect(find(tables, 'ks', 'dense_empty').columns).toEqual([]);
    const d = find(tables, 'ks', 'dense');
    expect([d.flavour, d.isCounter, d.columns.map((c) => c.name)]).toEqual(['dense', true, ['n']]);
  });

  it('rejects tables without partition key, unknown kinds, unknown types and bad values', () => {
    const base = { columns: [], types: [], dropped_columns: [] };
    expect(errorOf(() => schemaFromSystemSchemaRows({ ...base, tables: [{ keyspace_name: 'ks', table_name: 't', flags: ['compound'] }] })).message).toMatch(/ks\.t: no partition key/);
    const tables1 = [{ keyspace_name: 'ks', table_name: 't', flags: ['compound'] }];
    expect(errorOf(() => schemaFromSystemSchemaRows({ ...base, tables: tables1, columns: [col('ks', 't', 'k', 'weird', 0, 'int')] })).message).toMatch(/unknown kind 'weird'/);
    const e = errorOf(() => schemaFromSystemSchemaRows({ ...base, tables: tables1, columns: [col('ks', 't', 'k', 'partition_key', 0, 'frozen<nope>')] }));
    expect([e.code, /unknown user type ks\.nope/.test(e.message)]).toEqual(['E_SCHEMA', true]);
    expect(errorOf(() => schemaFromSystemSchemaRows({ ...base, tables: tables1, columns: [col('ks', 't', 'k', 'partition_key', 0, 'list<')] })).message).toMatch(/ks\.t\.k.*expected a type at 1:6/);
    expect(errorOf(() => schemaFromSystemSchemaRows({ ...base, tables: [{ keyspace_name: 'ks', table_name: 't', flags: 'compound' }] })).message).toMatch(/flags should be a list of text/);
    expect(errorOf(() => schemaFromSystemSchemaRows({ ...base, tables: [{ keyspace_name: 'ks', table_name: 't' }] })).message).toMatch(/ks\.t: flags is missing/);
    const cyclic = [{ keyspace_name: 'ks', type_name: 'a', field_names: ['b'], field_types: ['frozen<a>'] }];
    expect(errorOf(() => schemaFromSystemSchemaRows({ ...base, tables: [], types: cyclic })).message).toMatch(/refers to itself/);
  });
});
