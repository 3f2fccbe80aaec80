/**
 * readV2 over hand-built 2.x Data.db bytes (§6): every table flavour, row markers, statics, collections,
 * counters, expiring and deleted cells, range tombstones, schema mismatches, chunk splitting.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/errors.js';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import { BoundKind, type SSTableEvent } from '../../../src/sstable/model.js';
import { buildV2Layout } from '../../../src/sstable/v2/layout.js';
import { readV2 } from '../../../src/sstable/v2/reader.js';
import { cat, cell, comp, i64, int, partition, rt, source, u16 } from '../../helpers/v2-bytes.js';

// ---- event rendering -----------------------------------------------------------------------------

const hex = (b: Uint8Array | null | undefined): string => (b === null || b === undefined ? 'null' : Buffer.from(b).toString('hex'));
function show(events: SSTableEvent[]): string[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'partition':
        return `P ${hex(e.key)} del=${e.deletion.markedForDeleteAt === -(1n << 63n) ? '-' : e.deletion.markedForDeleteAt}`;
      case 'end':
        return 'END';
      case 'marker':
        return `M ${BoundKind[e.bound.kind]} [${e.bound.values.map(hex).join(',')}] ${e.close?.markedForDeleteAt ?? '-'}>${e.open?.markedForDeleteAt ?? '-'}`;
      case 'row': {
        const lv = e.liveness.timestamp === -(1n << 63n) ? '' : ` lv=${e.liveness.timestamp}/${e.liveness.ttl}/${e.liveness.localExpirationTime}`;
        const del = e.deletion.markedForDeleteAt === -(1n << 63n) ? '' : ` del=${e.deletion.markedForDeleteAt}`;
        const cd = e.complexDeletions === undefined ? '' : ` cdel=${[...e.complexDeletions].map(([k, d]) => `${k}@${d.markedForDeleteAt}`).join(',')}`;
        const cells = e.cells.map((c) => {
          const extra = c.ttl !== 0 ? `ttl${c.ttl}` : c.localDeletionTime !== 0x7fffffff ? `x${c.localDeletionTime}` : '';
          const cnt = c.counterLastDelete === undefined ? '' : ` ld${c.counterLastDelete}`;
          return `${c.column}${c.path === null ? '' : `[${hex(c.path)}]`}=${hex(c.value)}@${c.timestamp}${extra}${cnt}`;
        });
        return `R${e.isStatic ? 'S' : ''} [${e.clustering.map(hex).join(',')}]${lv}${del}${cd} ${cells.join(' ')}`.trimEnd();
      }
    }
  });
}

async function read(cql: string, data: Uint8Array, sizes?: number[], start?: number): Promise<SSTableEvent[]> {
  const schema = parseCqlSchema(cql).tables[0];
  if (schema === undefined) throw new Error('no table');
  const src = source(data, sizes);
  const out: SSTableEvent[] = [];
  for await (const b of readV2(src, buildV2Layout(schema, src.path), start === undefined ? {} : { start })) out.push(...b);
  return out;
}

async function failure(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AgentError) return e;
    throw e;
  }
  throw new Error('expected an AgentError');
}

// ---- tables --------------------------------------------------------------------------------------

const CQL_TABLE = 'CREATE TABLE ks.t (k int, c int, s int static, v text, m map<text,int>, l list<int>, PRIMARY KEY (k, c))';
const UUID = new Uint8Array(16).fill(0x11);

/** A sparse CQL partition exercising statics, markers, collections, expiring/deleted cells and tombstones. */
const cqlPartition = partition(1, [
  cell(comp(['', 's'], 0, true), { ts: 10, value: 7 }),
  cell(comp([1, '']), { ts: 20 }),
  cell(comp([1, 'l', UUID]), { ts: 20, value: 5 }),
  rt(comp([1, 'm'], -1), comp([1, 'm'], 1), 19),
  cell(comp([1, 'm', 'a']), { ts: 20, value: 1 }),
  cell(comp([1, 'v']), { ts: 20, value: 'x', ttl: 100, exp: 5000 }),
  rt(comp([2], -1), comp([2], 1), 30),
  cell(comp([2, 'v']), { ts: 25, deletedAt: 4000 }),
  rt(comp([3], -1), comp([5], 1), 40),
  cell(comp([4, 'v']), { ts: 50, value: 'y' }),
]);

const cqlEvents = [
  'P 00000001 del=-',
  'RS [] 0=00000007@10',
  'R [00000001] lv=20/0/2147483647 cdel=2@19 1=78@20ttl100 2[61]=00000001@20 3[11111111111111111111111111111111]=00000005@20',
  'R [00000002] del=30 1=@25x4000',
  'M INCL_START_BOUND [00000003] ->40',
  'R [00000004] 1=79@50',
  'M INCL_END_BOUND [00000005] 40>-',
  'END',
];

describe('readV2: CQL (sparse, compound) tables', () => {
  it('groups atoms into rows: static row, row marker, collections, expiring and deleted cells, tombstones', async () => {
    expect(show(await read(CQL_TABLE, cqlPartition))).toEqual(cqlEvents);
  });

  it('reads several partitions and starts at a given partition offset', async () => {
    const second = partition(2, [cell(comp([9, 'v']), { ts: 1, value: 'z' })], 77);
    const data = cat(cqlPartition, second);
    expect(show(await read(CQL_TABLE, data)).slice(-3)).toEqual(['P 00000002 del=77', 'R [00000009] 1=7a@1', 'END']);
    expect(show(await read(CQL_TABLE, data, [7], cqlPartition.length))).toEqual(['P 00000002 del=77', 'R [00000009] 1=7a@1', 'END']);
  });

  it('turns a deleted row marker into an expired liveness (CellGrouper FAKE_TTL)', async () => {
    const data = partition(1, [cell(comp([1, '']), { ts: 5, deletedAt: 900 })]);
    expect(show(await read(CQL_TABLE, data))).toEqual(['P 00000001 del=-', 'R [00000001] lv=5/1/900', 'END']);
  });

  it('tables without clustering: the row marker is 00 00 00', async () => {
    const data = partition(3, [cell(comp(['']), { ts: 5 }), cell(comp(['v']), { ts: 5, value: 'a' })]);
    expect(show(await read('CREATE TABLE ks.p (k int PRIMARY KEY, v text)', data))).toEqual(['P 00000003 del=-', 'R [] lv=5/0/2147483647 0=61@5', 'END']);
  });

  it('flattens repeated and overlapping tombstones, also when repeated inside a row (P12)', async () => {
    const data = partition(1, [
      rt(comp([1], -1), comp([5], 1), 10),
      cell(comp([2, '']), { ts: 11 }),
      rt(comp([1], -1), comp([5], 1), 10),
      cell(comp([2, 'v']), { ts: 11, value: 'a' }),
      rt(comp([3], -1), comp([8], 1), 20),
      rt(comp([3], -1), comp([8], 1), 20),
      cell(comp([4, 'v']), { ts: 21, value: 'b' }),
      rt(comp([3], -1), comp([8], 1), 20),
      cell(comp([9, 'v']), { ts: 1, value: 'c' }),
    ]);
    expect(show(await read(CQL_TABLE, data))).toEqual([
      'P 00000001 del=-',
      'M INCL_START_BOUND [00000001] ->10',
      'R [00000002] lv=11/0/2147483647 1=61@11',
      'M EXCL_END_INCL_START_BOUNDARY [00000003] 10>20',
      'R [00000004] 1=62@21',
      'M INCL_END_BOUND [00000008] 20>-',
      'R [00000009] 1=63@1',
      'END',
    ]);
  });

  it('static collections and their tombstones go to the static row', async () => {
    const cql = 'CREATE TABLE ks.st (k int, c int, ss set<text> static, PRIMARY KEY (k, c))';
    const data = partition(1, [rt(comp(['', 'ss'], -1, true), comp(['', 'ss'], 1, true), 3), cell(comp(['', 'ss', 'e'], 0, true), { ts: 4 })]);
    expect(show(await read(cql, data))).toEqual(['P 00000001 del=-', 'RS [] cdel=0@3 0[65]=@4', 'END']);
  });

  it('skips cells of dropped columns written before the drop, fails on later ones', async () => {
    const cql = 'CREATE TABLE ks.t (k int, c int, v text, gone int, PRIMARY KEY (k, c)); ALTER TABLE ks.t DROP gone USING TIMESTAMP 100';
    const ok = partition(1, [cell(comp([1, 'gone']), { ts: 100, value: 1 }), cell(comp([1, 'v']), { ts: 1, value: 'a' })]);
    expect(show(await read(cql, ok))).toEqual(['P 00000001 del=-', 'R [00000001] 0=61@1', 'END']);
    const bad = partition(1, [cell(comp([1, 'gone']), { ts: 101, value: 1 })]);
    const e = await failure(read(cql, bad));
    expect(e.code).toBe('E_SCHEMA');
    expect(e.message).toMatch(/gone.*dropped/);
  });

  it('fails clearly on a column the schema does not have, naming the file and offset', async () => {
    const data = partition(1, [cell(comp([1, 'v']), { ts: 1, value: 'a' }), cell(comp([1, 'zz']), { ts: 1, value: 'a' })]);
    const e = await failure(read(CQL_TABLE, data));
    expect(e.code).toBe('E_SCHEMA');
    expect(e.message).toContain('"zz"');
    expect(e.location.file).toBe('/data/ks/t/la-1-big-Data.db');
    expect(e.location.offset).toBe(18 + 2 + 11 + 1 + 8 + 4 + 1);
  });

  it('fails when the schema has a simple column where the data has collection cells', async () => {
    const data = partition(1, [cell(comp([1, 'v', 'x']), { ts: 1, value: 'a' })]);
    expect((await failure(read(CQL_TABLE, data))).code).toBe('E_SCHEMA');
  });

  it('reports truncation', async () => {
    const e = await failure(read(CQL_TABLE, cqlPartition.slice(0, cqlPartition.length - 5)));
    expect(e.code).toBe('E_TRUNCATED');
  });

  it('rejects cells out of clustering order', async () => {
    const data = partition(1, [cell(comp([2, 'v']), { ts: 1, value: 'a' }), cell(comp([1, 'v']), { ts: 1, value: 'a' })]);
    expect((await failure(read(CQL_TABLE, data))).code).toBe('E_BAD_FORMAT');
  });

  it('counter cells carry their context and timestampOfLastDelete', async () => {
    const ctx = cat(u16(1), u16(0x8000), new Uint8Array(16).fill(1), i64(3n), i64(42n));
    const data = partition(1, [cell(comp(['c']), { ts: 9, value: ctx, lastDelete: 4 })]);
    expect(show(await read('CREATE TABLE ks.cn (k int PRIMARY KEY, c counter)', data))).toEqual([
      'P 00000001 del=-',
      `R [] 0=${hex(ctx)}@9 ld4`,
      'END',
    ]);
  });
});

describe('readV2: atoms of the row being built (fast paths)', () => {
  const WIDE = 'CREATE TABLE ks.w (k int, c int, a set<int>, b set<int>, d set<int>, v text, PRIMARY KEY (k, c))';
  const el = (n: number): Uint8Array => int(n);

  it('keeps every collection tombstone of a row, in order, the newest per column', async () => {
    const data = partition(1, [
      cell(comp([1, '']), { ts: 20 }),
      rt(comp([1, 'a'], -1), comp([1, 'a'], 1), 19),
      rt(comp([1, 'a'], -1), comp([1, 'a'], 1), 18),
      cell(comp([1, 'a', el(1)]), { ts: 20 }),
      rt(comp([1, 'b'], -1), comp([1, 'b'], 1), 17),
      rt(comp([1, 'd'], -1), comp([1, 'd'], 1), 16),
      rt(comp([1, 'd'], -1), comp([1, 'd'], 1), 21),
      cell(comp([1, 'd', el(2)]), { ts: 22 }),
      cell(comp([2, '']), { ts: 30 }),
      rt(comp([2, 'b'], -1), comp([2, 'b'], 1), 29),
    ]);
    expect(show(await read(WIDE, data))).toEqual([
      'P 00000001 del=-',
      'R [00000001] lv=20/0/2147483647 cdel=0@19,1@17,2@21 0[00000001]=@20 2[00000002]=@22',
      'R [00000002] lv=30/0/2147483647 cdel=1@29',
      'END',
    ]);
  });

  it('timestamps: shared, negative and beyond 2^53 are exact', async () => {
    const big = (1n << 60n) + 1n;
    const data = partition(1, [
      cell(comp([1, '']), { ts: -1 }),
      cell(comp([1, 'a', el(1)]), { ts: -1 }),
      cell(comp([1, 'v']), { ts: 0 }),
      cell(comp([2, '']), { ts: 5 }),
    ]);
    expect(show(await read(WIDE, data))).toEqual(['P 00000001 del=-', 'R [00000001] lv=-1/0/2147483647 0[00000001]=@-1 3=@0', 'R [00000002] lv=5/0/2147483647', 'END']);
    const wide = new Uint8Array(partition(1, [cell(comp([1, 'v']), { ts: 1 }), cell(comp([1, 'a', el(1)]), { ts: 1 })]));
    // patch both timestamps to 2^60 + 1 (the cell layout: name, mask, then the i64)
    const dv = new DataView(wide.buffer);
    let at = 18;
    for (let i = 0; i < 2; i++) {
      const nameLen = dv.getUint16(at);
      dv.setBigInt64(at + 2 + nameLen + 1, big);
      at += 2 + nameLen + 1 + 8 + 4 + dv.getInt32(at + 2 + nameLen + 1 + 8);
    }
    const ev = await read(WIDE, wide);
    const row = ev[1];
    if (row?.kind !== 'row') throw new Error('expected a row');
    expect(row.cells.map((c) => c.timestamp)).toEqual([big, big]);
  });

  it('a cell whose name runs past the collection path, after the row marker, is an error', async () => {
    const data = partition(1, [cell(comp([1, '']), { ts: 1 }), cell(comp([1, 'a', el(1), el(2)]), { ts: 1 })]);
    expect((await failure(read(WIDE, data))).code).toBe('E_BAD_FORMAT');
  });

  it('a collection element of a simple column, after the row marker, is a schema mismatch', async () => {
    const data = partition(1, [cell(comp([1, '']), { ts: 1 }), cell(comp([1, 'v', 'x']), { ts: 1 })]);
    expect((await failure(read(WIDE, data))).code).toBe('E_SCHEMA');
  });

  it('a collection tombstone on a simple column, after the row marker, is a schema mismatch', async () => {
    const data = partition(1, [cell(comp([1, '']), { ts: 1 }), rt(comp([1, 'v'], -1), comp([1, 'v'], 1), 1)]);
    expect((await failure(read(WIDE, data))).code).toBe('E_SCHEMA');
  });

  it('collection tombstones older than a drop of the column are skipped (re-added: ordinal after v)', async () => {
    const cql = `${WIDE}; ALTER TABLE ks.w DROP d USING TIMESTAMP 100; ALTER TABLE ks.w ADD d set<int>`;
    const data = partition(1, [cell(comp([1, '']), { ts: 200 }), rt(comp([1, 'd'], -1), comp([1, 'd'], 1), 99), cell(comp([2, '']), { ts: 200 }), rt(comp([2, 'd'], -1), comp([2, 'd'], 1), 150)]);
    expect(show(await read(cql, data))).toEqual(['P 00000001 del=-', 'R [00000001] lv=200/0/2147483647', 'R [00000002] lv=200/0/2147483647 cdel=3@150', 'END']);
  });
});

describe('readV2: COMPACT STORAGE', () => {
  it('dense compound: one row per name, prefixes padded with nulls, prefix deletions become markers', async () => {
    const cql = 'CREATE TABLE ks.d (k int, a int, b int, r int, PRIMARY KEY (k, a, b)) WITH COMPACT STORAGE';
    const data = partition(1, [
      cell(comp([1]), { ts: 1, value: 10 }),
      cell(comp([1, 2]), { ts: 1, value: 20 }),
      rt(comp([1, 3], -1), comp([1, 3], 1), 5),
      rt(comp([2], -1), comp([2], 1), 6),
      rt(comp([3], -1), comp([4]), 7),
    ]);
    expect(show(await read(cql, data))).toEqual([
      'P 00000001 del=-',
      'R [00000001,null] 0=0000000a@1',
      'R [00000001,00000002] 0=00000014@1',
      'R [00000001,00000003] del=5',
      'M INCL_START_BOUND [00000002] ->6',
      'M INCL_END_BOUND [00000002] 6>-',
      'M INCL_START_BOUND [00000003] ->7',
      'M EXCL_END_BOUND [00000004,] 7>-',
      'END',
    ]);
  });

  it('dense simple: raw clustering names and bounds', async () => {
    const cql = 'CREATE TABLE ks.ds (k int, c text, v int, PRIMARY KEY (k, c)) WITH COMPACT STORAGE';
    const data = partition(1, [cell('a', { ts: 1, value: 3 }), rt('b', 'd', 4), cell('c', { ts: 5, value: 4 }), rt('e', 'e', 6)]);
    expect(show(await read(cql, data))).toEqual([
      'P 00000001 del=-',
      'R [61] 0=00000003@1',
      'M INCL_START_BOUND [62] ->4',
      'R [63] 0=00000004@5',
      'M INCL_END_BOUND [64] 4>-',
      'R [65] del=6',
      'END',
    ]);
  });

  it('dense without a value column: the cell is the row liveness', async () => {
    const cql = 'CREATE TABLE ks.dn (k int, a int, b int, PRIMARY KEY (k, a, b)) WITH COMPACT STORAGE';
    const data = partition(1, [cell(comp([1, 1]), { ts: 3 }), cell(comp([1, 2]), { ts: 4, deletedAt: 77 })]);
    expect(show(await read(cql, data))).toEqual(['P 00000001 del=-', 'R [00000001,00000001] lv=3/0/2147483647', 'R [00000001,00000002] del=4', 'END']);
  });

  it('static compact: defined columns form one row with clustering [], dead dynamic cells are skipped', async () => {
    const cql = 'CREATE TABLE ks.sc (k text PRIMARY KEY, v2 text, v1 int) WITH COMPACT STORAGE';
    const data = partition('key', [cell('other', { ts: 1, deletedAt: 5 }), cell('v1', { ts: 2, value: 8 }), cell('v2', { ts: 3, value: 'q' }), rt('a', 'z', 9)]);
    expect(show(await read(cql, data))).toEqual(['P 6b6579 del=-', 'R [] 0=71@3 1=00000008@2', 'END']);
  });

  it('static compact: live dynamic cells have no CQL column here', async () => {
    const cql = 'CREATE TABLE ks.sc (k text PRIMARY KEY, v1 int) WITH COMPACT STORAGE';
    const e = await failure(read(cql, partition('key', [cell('other', { ts: 1, value: 1 })])));
    expect(e.code).toBe('E_SCHEMA');
    expect(e.message).toContain('other');
  });
});

describe('readV2: chunking', () => {
  const data = cat(
    cqlPartition,
    partition(2, [cell(comp([1, 'v']), { ts: 1, value: 'x'.repeat(300) }), rt(comp([2], -1), comp([3], 1), 4), cell(comp([5, 'v']), { ts: 1, value: 'z' })]),
    partition(3, [], 12),
  );

  it('property: any chunk split yields the same events', async () => {
    const whole = show(await read(CQL_TABLE, data));
    expect(whole.slice(0, cqlEvents.length)).toEqual(cqlEvents);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 30 }), async (sizes) => {
        expect(show(await read(CQL_TABLE, data, sizes))).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});
