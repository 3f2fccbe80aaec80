import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import { formatCqlType } from '../../src/schema/format.js';
import { isAgentError } from '../../src/errors.js';
import type { TableSchema } from '../../src/schema/model.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

interface ExpectedSchema {
  partitionKey: Array<{ name: string; type: string }>;
  clustering: Array<{ name: string; type: string; order: string }>;
  static: Array<{ name: string; type: string }>;
  regular: Array<{ name: string; type: string }>;
  compactStorage: boolean;
  cql?: string;
  userTypes?: Record<string, Array<[string, string]>>;
}

const byName = <T extends { name: string }>(l: T[]): T[] => [...l].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The expectation files' structured form of a table (non-key columns compared as sets). */
export function structured(t: TableSchema): Omit<ExpectedSchema, 'cql' | 'userTypes'> {
  return {
    partitionKey: t.partitionKey.map((c) => ({ name: c.name, type: formatCqlType(c.type) })),
    clustering: t.clustering.map((c) => ({ name: c.name, type: formatCqlType(c.type), order: c.type.kind === 'reversed' ? 'DESC' : 'ASC' })),
    static: byName(t.columns.filter((c) => c.kind === 'static').map((c) => ({ name: c.name, type: formatCqlType(c.type) }))),
    regular: byName(t.columns.filter((c) => c.kind === 'regular').map((c) => ({ name: c.name, type: formatCqlType(c.type) }))),
    compactStorage: t.flavour !== 'cql',
  };
}

function* expectationFiles(dir: string): Generator<string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) yield* expectationFiles(p);
    else if (p.endsWith('.json')) yield p;
  }
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

describe.runIf(haveFixture('expected'))('parseCqlSchema on every fixture schema', () => {
  const cases: Array<{ file: string; keyspace: string; schema: ExpectedSchema }> = [];
  for (const f of expectationFiles(fixturePath('expected'))) {
    const d = JSON.parse(readFileSync(f, 'utf8')) as { keyspace?: string; schema?: ExpectedSchema | null };
    if (d.schema?.cql !== undefined) cases.push({ file: relative(fixturePath('expected'), f), keyspace: d.keyspace ?? 'ks', schema: d.schema });
  }

  it('finds the schemas', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases)('$file', ({ keyspace, schema }) => {
    const ks = /^[a-z_0-9]+$/.test(keyspace) ? keyspace : 'ks';
    const types = Object.entries(schema.userTypes ?? {})
      .map(([name, fields]) => `CREATE TYPE ${name} (${fields.map(([f, t]) => `${f} ${t}`).join(', ')});`)
      .join('\n');
    const parsed = parseCqlSchema(`${types}\n${schema.cql ?? ''}`, { defaultKeyspace: ks });
    expect(parsed.tables).toHaveLength(1);
    const t = parsed.tables[0] as TableSchema;
    const { cql: _cql, userTypes: _ut, ...want } = schema;
    expect(structured(t)).toEqual({ ...want, static: byName(want.static), regular: byName(want.regular) });
    expect(t.isCounter).toBe(t.columns.some((c) => formatCqlType(c.type) === 'counter'));
    for (const [name, fields] of Object.entries(schema.userTypes ?? {})) {
      const u = parsed.types.get(`${ks}.${name}`);
      expect(u?.kind === 'udt' ? u.fields.map((f) => [f.name, formatCqlType(f.type)]) : null).toEqual(fields);
    }
  });
});

describe.runIf(haveFixture('sstable-to-arrow-md'))('a 3.11 snapshot schema.cql', () => {
  it('parses with its id, composite partition key and DESC clustering', () => {
    const dir = fixturePath('sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590/snapshots/truncated-1625783969724-iot');
    const { tables } = parseCqlSchema(readFileSync(join(dir, 'schema.cql'), 'utf8'));
    expect(tables).toHaveLength(1);
    const t = tables[0] as TableSchema;
    expect(t.keyspace).toBe('baselines');
    expect(t.table).toBe('iot');
    expect(t.id).toBe('5b608090e03d11ebb4c1d335f841c590');
    expect(t.partitionKey.map((c) => [c.name, c.position])).toEqual([['machine_id', 0], ['sensor_name', 1]]);
    expect(t.clustering).toEqual([{ name: 'time', kind: 'clustering', position: 0, type: { kind: 'reversed', base: { kind: 'native', name: 'timestamp' } } }]);
    expect(t.flavour).toBe('cql');
  });
});

describe('parseCqlSchema features', () => {
  it('handles comments, several statements, IF NOT EXISTS, quoted names and skipped statements', () => {
    const { tables, types } = parseCqlSchema(`
      -- a comment
      CREATE KEYSPACE IF NOT EXISTS "Ks" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
      USE "Ks"; // another
      /* block
         comment */
      CREATE TYPE IF NOT EXISTS point (x int, y int, tags set<text>);
      CREATE TABLE IF NOT EXISTS "Events" (
        "Id" uuid, Bucket INT, seq timeuuid, note TEXT STATIC, at frozen<point>, PRIMARY KEY (("Id", bucket), seq)
      ) WITH CLUSTERING ORDER BY (seq DESC) AND comment = 'a; b AND c' AND gc_grace_seconds = 10;
      CREATE INDEX ON "Events" (note);
      CREATE MATERIALIZED VIEW v AS SELECT * FROM "Events" WHERE seq IS NOT NULL PRIMARY KEY (seq, "Id", bucket);
      CREATE FUNCTION f (a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS $$ return a; $$;
      INSERT INTO "Events" ("Id") VALUES (5b608090-e03d-11eb-b4c1-d335f841c590)
    `);
    expect(tables).toHaveLength(1);
    const t = tables[0] as TableSchema;
    expect([t.keyspace, t.table]).toEqual(['Ks', 'Events']);
    expect(t.partitionKey.map((c) => c.name)).toEqual(['Id', 'bucket']);
    expect(t.clustering[0]?.type).toEqual({ kind: 'reversed', base: { kind: 'native', name: 'timeuuid' } });
    expect(t.columns.map((c) => [c.name, c.kind, formatCqlType(c.type)])).toEqual([['note', 'static', 'text'], ['at', 'regular', 'frozen<point>']]);
    const point = types.get('Ks.point');
    expect(point?.kind === 'udt' && point.fields.map((f) => formatCqlType(f.type))).toEqual(['int', 'int', 'frozen<set<text>>']);
    const at = t.columns[1]?.type;
    expect(at?.kind === 'udt' && at.frozen && at.fields.length).toBe(3);
  });

  it('applies ALTER TABLE ADD / DROP USING TIMESTAMP / RENAME and re-adds (the snapshot writer order)', () => {
    const { tables } = parseCqlSchema(`
      CREATE TABLE ks.t (k int, c int, v text, gone list<int>, back int, PRIMARY KEY (k, c));
      ALTER TABLE ks.t DROP gone USING TIMESTAMP 1430472654234000;
      ALTER TABLE ks.t DROP back USING TIMESTAMP 1430472654235000;
      ALTER TABLE ks.t ADD back bigint;
      ALTER TABLE ks.t ADD s int static;
      ALTER TABLE ks.t RENAME c TO c2;
      ALTER TABLE ks.t WITH comment = 'x';
    `);
    const t = tables[0] as TableSchema;
    expect(t.clustering.map((c) => c.name)).toEqual(['c2']);
    expect(t.columns.map((c) => `${c.name}:${c.kind}:${formatCqlType(c.type)}`)).toEqual(['v:regular:text', 'back:regular:bigint', 's:static:int']);
    expect(t.dropped.get('gone')).toEqual({ name: 'gone', droppedAt: 1430472654234000n, type: { kind: 'list', element: { kind: 'native', name: 'int' }, frozen: false } });
    expect(t.dropped.get('back')?.droppedAt).toBe(1430472654235000n);
  });

  it('reads the 3.11 snapshot writer shapes: types without a space, commented-out legacy tables, dropped tuples', () => {
    const { tables, types } = parseCqlSchema(`CREATE TYPE IF NOT EXISTS ks.pt(x int, y int);
/*
Warning: Table ks.legacy omitted because it has constructs not compatible with CQL (was created via legacy API).
CREATE TABLE IF NOT EXISTS ks.legacy (key blob, column1 text, value blob, v2 int, PRIMARY KEY (key, column1)) WITH COMPACT STORAGE;
*/
CREATE TABLE IF NOT EXISTS ks.t (
\tk int PRIMARY KEY,
\tp frozen<pt>,
\told frozen<tuple<int, int>>)
\tWITH ID = abcdef01-e03d-11eb-b4c1-d335f841c590
\tAND bloom_filter_fp_chance = 0.01
\tAND speculative_retry = '99PERCENTILE'
\tAND caching = { 'keys': 'ALL', 'rows_per_partition': 'NONE' }
\tAND cdc = false
\tAND extensions = {  };
ALTER TABLE ks.t DROP old USING TIMESTAMP 1625783969724000;`);
    expect(tables.map((t) => t.table)).toEqual(['t']);
    const t = tables[0] as TableSchema;
    expect(t.id).toBe('abcdef01e03d11ebb4c1d335f841c590');
    expect(t.columns.map((c) => c.name)).toEqual(['p']);
    expect(t.dropped.get('old')).toEqual({ name: 'old', droppedAt: 1625783969724000n, type: { kind: 'tuple', elements: [{ kind: 'native', name: 'int' }, { kind: 'native', name: 'int' }] } });
    expect([...types.keys()]).toEqual(['ks.pt']);
  });

  it('knows compact storage flavours and counter tables', () => {
    const { tables } = parseCqlSchema(`
      CREATE TABLE ks.d (k int, c int, v blob, PRIMARY KEY (k, c)) WITH COMPACT STORAGE;
      CREATE TABLE ks.s (k int PRIMARY KEY, a text, b int) WITH compaction = {'class': 'X'} AND COMPACT STORAGE;
      CREATE TABLE ks.n (k int, c int, PRIMARY KEY (k, c)) WITH COMPACT STORAGE;
      CREATE TABLE ks.cnt (k int PRIMARY KEY, n counter, m counter);
    `);
    expect(tables.map((t) => [t.table, t.flavour, t.isCounter, t.columns.length])).toEqual([
      ['d', 'dense', false, 1], ['s', 'staticCompact', false, 2], ['n', 'dense', false, 0], ['cnt', 'cql', true, 2],
    ]);
  });

  it('drops tables and types, and lets a table use a type defined later', () => {
    const { tables, types } = parseCqlSchema(`
      CREATE TABLE ks.a (k int PRIMARY KEY, v frozen<later>);
      CREATE TYPE ks.later (x frozen<inner>);
      CREATE TYPE ks.inner (y int);
      CREATE TABLE ks.b (k int PRIMARY KEY);
      DROP TABLE IF EXISTS ks.b;
    `);
    expect(tables.map((t) => t.table)).toEqual(['a']);
    expect(types.size).toBe(2);
    expect(formatCqlType(tables[0]?.columns[0]?.type ?? { kind: 'native', name: 'int' })).toBe('frozen<later>');
  });
});

describe('parseCqlSchema errors (E_SCHEMA with line:column and token)', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['missing paren', 'CREATE TABLE ks.t (k int PRIMARY KEY, v int', /expected '\)' at 1:44, found end of input/],
    ['bad type', 'CREATE TABLE ks.t (\n  k int PRIMARY KEY,\n  v list<int,\n)', /expected '>' at 3:13, found ','/],
    ['unknown pk column', 'CREATE TABLE ks.t (k int, v int, PRIMARY KEY (kk))', /unknown column kk at 1:47/],
    ['no primary key', 'CREATE TABLE ks.t (k int, v int)', /no PRIMARY KEY at 1:14/],
    ['unknown udt', 'CREATE TABLE ks.t (k int PRIMARY KEY,\n v frozen<nope>)', /unknown user type ks.nope at 2:11/],
    ['no keyspace', 'CREATE TABLE t (k int PRIMARY KEY)', /has no keyspace .* at 1:14/],
    ['duplicate column', 'CREATE TABLE ks.t (k int PRIMARY KEY, k text)', /duplicate column k at 1:39/],
    ['bad clustering order', 'CREATE TABLE ks.t (k int, c int, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (k DESC)', /not a clustering column at 1:80/],
    ['unknown table in alter', 'ALTER TABLE ks.zz ADD x int', /unknown table ks.zz at 1:13/],
    ['bad character', 'CREATE TABLE ks.t (k int PRIMARY KEY) @', /unexpected character '@' at 1:39/],
    ['unterminated string', "CREATE TABLE ks.t (k int PRIMARY KEY) WITH comment = 'abc", /unterminated string at 1:54/],
    ['garbage statement start', '(((', /expected a statement at 1:1, found '\('/],
    ['static without clustering', 'CREATE TABLE ks.t (k int PRIMARY KEY, s int static)', /needs at least one clustering column at 1:39/],
    ['drop a key column', 'CREATE TABLE ks.t (k int PRIMARY KEY, v int); ALTER TABLE ks.t DROP k', /cannot drop primary key column k at 1:69/],
  ];
  it.each(cases)('%s', (_name, text, re) => {
    const e = errorOf(() => parseCqlSchema(text));
    expect(e.code).toBe('E_SCHEMA');
    expect(e.message).toMatch(re);
  });
});
