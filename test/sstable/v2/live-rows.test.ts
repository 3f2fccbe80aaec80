/**
 * The single-source 2.x path (v2/live-rows.ts) yields exactly the rows of the generic path (readV2 +
 * mergeToCqlRows with one source): same rows, same cells with the same timestamps, TTLs and bytes, on
 * every ka/la SSTable of the fixture corpus, at several "now"s (before and after TTL expiry), and however
 * the decompressed stream is cut into chunks.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateTable } from '../../../src/catalog/locate.js';
import { mergeToCqlRows } from '../../../src/merge/merge.js';
import type { CqlRow } from '../../../src/merge/rows.js';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../../src/schema/model.js';
import { isV3 } from '../../../src/sstable/io/descriptor.js';
import type { DataSource } from '../../../src/sstable/io/data-source.js';
import { mergeOptionsFor, openSSTable, tableRows, type OpenedSSTable } from '../../../src/sstable/table.js';
import { buildV2Layout } from '../../../src/sstable/v2/layout.js';
import { readV2LiveRows } from '../../../src/sstable/v2/live-rows.js';
import { readV2 } from '../../../src/sstable/v2/reader.js';
import { loadExpectations } from '../../conformance/expectations.js';
import { FIXTURES_ROOT, haveFixture } from '../../helpers/fixtures.js';
import { expectSplitsMatch, rowsText } from '../../helpers/rows-text.js';
import { cell, comp, partition, rt, source, cat } from '../../helpers/v2-bytes.js';

function generic(t: OpenedSSTable, data: DataSource, schema: TableSchema, nowInSec: number): AsyncIterable<CqlRow[]> {
  return mergeToCqlRows([readV2(data, buildV2Layout(schema, data.path))], mergeOptionsFor(schema, t.statistics.partitioner, { nowInSec }));
}

function single(t: OpenedSSTable, data: DataSource, schema: TableSchema, nowInSec: number): AsyncIterable<CqlRow[]> {
  return readV2LiveRows(data, buildV2Layout(schema, data.path), mergeOptionsFor(schema, t.statistics.partitioner, { nowInSec }));
}

const V2_FORMATS = new Set(['ka', 'la', 'lb']);
const present = haveFixture('expected');
const sets = present
  ? loadExpectations(join(FIXTURES_ROOT, 'expected')).filter((e) => e.kind === undefined && e.rowCount !== null && V2_FORMATS.has(e.format))
  : [];

async function opened(e: (typeof sets)[number]): Promise<{ schema: TableSchema; tables: OpenedSSTable[] }> {
  const paths = e.sstables.map((s) => join(FIXTURES_ROOT, e.fixture, s));
  const loc = await locateTable(paths);
  const schema = parseCqlSchema(e.schema.cql).tables[0];
  if (schema === undefined) throw new Error(`no table in the schema of ${e.file}`);
  const tables: OpenedSSTable[] = [];
  for (const d of loc.sstables) if (!isV3(d.version)) tables.push(await openSSTable(d, { index: false }));
  return { schema, tables };
}

describe.runIf(present && sets.length > 0)('single-source 2.x rows equal the merged rows', () => {
  it('covers the ka and la sets', () => {
    expect(new Set(sets.map((e) => e.format))).toEqual(new Set(['ka', 'la']));
  });
  for (const e of sets) {
    it(e.file, async () => {
      const { schema, tables } = await opened(e);
      try {
        let rows = 0;
        for (const t of tables) {
          const writeNow = Number(t.statistics.stats.maxTimestamp / 1_000_000n) + 1;
          for (const now of [0, writeNow, 2_000_000_000]) {
            const want = await rowsText(generic(t, t.data, schema, now));
            rows += want.length;
            expect(await rowsText(single(t, t.data, schema, now)), `now=${now}`).toBe(want);
          }
        }
        if (tables.length === 1) {
          const t = tables[0] as OpenedSSTable;
          const now = 1_700_000_000;
          expect(await rowsText(tableRows(tables, schema, { nowInSec: now }))).toBe(await rowsText(generic(t, t.data, schema, now)));
        }
        if ((e.rowCount ?? 0) > 0) expect(rows).toBeGreaterThan(0);
      } finally {
        for (const t of tables) await t.data.close();
      }
    }, 60_000);
  }
});

// statics, collections, range tombstones split over index blocks, counters, compact storage
const SPLIT_SETS = ['legacy_ka_indexed_static', 'legacy_ka_flushed_multi_block_rt', 'legacy_ka_clust_counter', 'legacy_ka_14873', 'legacy_ka_simple_compact'];

describe.runIf(present && sets.length > 0)('single-source 2.x rows: any chunk split yields the same rows', () => {
  for (const name of SPLIT_SETS) {
    const e = sets.find((s) => s.file.endsWith(`/${name}.json`));
    it.runIf(e !== undefined)(name, async () => {
      if (e === undefined) return;
      const { schema, tables } = await opened(e);
      const t = tables[0] as OpenedSSTable;
      await expectSplitsMatch(t, (src, now) => generic(t, src, schema, now), (src, now) => single(t, src, schema, now));
    }, 120_000);
  }
});

/**
 * Hand-built data where deletions shadow older cells inside one SSTable (the corpus files have none:
 * a memtable drops what a deletion covers before flushing): a range tombstone over rows, a row deletion,
 * a partition deletion under a static row and newer rows, a static-only partition, a TTL, collections,
 * and name order differing from ordinal order (cells are not re-sorted on this path).
 */
describe('single-source 2.x rows: deletions that shadow data', () => {
  const cql = 'CREATE TABLE ks.t (k int, c int, s int static, v text, m map<text,int>, l list<int>, PRIMARY KEY (k, c))';
  const schema = parseCqlSchema(cql).tables[0] as TableSchema;
  const uuid = new Uint8Array(16).fill(0x11);
  const data = cat(
    partition(1, [
      cell(comp(['', 's'], 0, true), { ts: 10, value: 7 }),
      cell(comp([1, '']), { ts: 20 }),
      cell(comp([1, 'l', uuid]), { ts: 20, value: 5 }),
      rt(comp([1, 'm'], -1), comp([1, 'm'], 1), 19),
      cell(comp([1, 'm', 'a']), { ts: 18, value: 1 }),
      cell(comp([1, 'm', 'b']), { ts: 20, value: 2 }),
      cell(comp([1, 'v']), { ts: 20, value: 'x', ttl: 100, exp: 5000 }),
      rt(comp([2], -1), comp([2], 1), 30),
      cell(comp([2, 'v']), { ts: 25, value: 'gone' }),
      rt(comp([3], -1), comp([5], 1), 40),
      cell(comp([3, '']), { ts: 35 }),
      cell(comp([3, 'v']), { ts: 35, value: 'gone' }),
      cell(comp([4, 'l', uuid]), { ts: 30, value: 9 }),
      cell(comp([4, 'v']), { ts: 50, value: 'y' }),
      cell(comp([6, 'v']), { ts: 50, value: 'z' }),
    ]),
    partition(2, [cell(comp(['', 's'], 0, true), { ts: 90, value: 1 }), cell(comp([1, 'v']), { ts: 90, value: 'gone' }), cell(comp([2, 'v']), { ts: 110, value: 'w' })], 100),
    partition(3, [cell(comp(['', 's'], 0, true), { ts: 10, value: 3 })]),
  );
  const merge = (now: number): ReturnType<typeof mergeOptionsFor> => mergeOptionsFor(schema, 'org.apache.cassandra.dht.Murmur3Partitioner', { nowInSec: now });

  it('yields the merged rows at every "now" and every chunk split', async () => {
    for (const now of [0, 4999, 5000]) {
      const src = source(data);
      const want = await rowsText(mergeToCqlRows([readV2(src, buildV2Layout(schema, src.path))], merge(now)));
      const lines = want.split('\n');
      // k=1: c=1, c=4 (v only: its list cell is older than the range tombstone), c=6; k=2: c=2; k=3: static only
      expect(lines.length).toBe(5);
      expect(want).not.toContain(Buffer.from('gone').toString('hex'));
      expect(await rowsText(readV2LiveRows(src, buildV2Layout(schema, src.path), merge(now))), `now=${now}`).toBe(want);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
          const split = source(data, sizes);
          expect(await rowsText(readV2LiveRows(split, buildV2Layout(schema, split.path), merge(now)))).toBe(want);
        }),
        { numRuns: 20 },
      );
    }
  });
});
