/**
 * The fused single-source path (v3/live-rows.ts) yields exactly the rows of the generic path (readV3 +
 * mergeToCqlRows with one source): same rows, same cells with the same timestamps, TTLs and bytes, on
 * every 3.x SSTable of the fixture corpus, at several "now"s (before and after TTL expiry), and however
 * the decompressed stream is cut into chunks.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateTable } from '../../../src/catalog/locate.js';
import { resolveSchema } from '../../../src/catalog/schema.js';
import { mergeToCqlRows } from '../../../src/merge/merge.js';
import type { CqlRow } from '../../../src/merge/rows.js';
import type { TableSchema } from '../../../src/schema/model.js';
import { isV3 } from '../../../src/sstable/io/descriptor.js';
import type { DataSource } from '../../../src/sstable/io/data-source.js';
import { mergeOptionsFor, openSSTable, tableRows, type OpenedSSTable } from '../../../src/sstable/table.js';
import { buildV3Layout } from '../../../src/sstable/v3/layout.js';
import { liveRowsSupported, readV3LiveRows } from '../../../src/sstable/v3/live-rows.js';
import { readV3 } from '../../../src/sstable/v3/reader.js';
import { loadExpectations } from '../../conformance/expectations.js';
import { FIXTURES_ROOT, haveFixture } from '../../helpers/fixtures.js';
import { expectSplitsMatch, rowsText } from '../../helpers/rows-text.js';

function generic(t: OpenedSSTable, data: DataSource, schema: TableSchema, nowInSec: number): AsyncIterable<CqlRow[]> {
  const header = t.statistics.header;
  if (header === null) throw new Error('no header');
  const layout = buildV3Layout(header, schema, schema.columns, data.path);
  return mergeToCqlRows([readV3(data, layout)], mergeOptionsFor(schema, t.statistics.partitioner, { nowInSec }));
}

function fused(t: OpenedSSTable, data: DataSource, schema: TableSchema, nowInSec: number): AsyncIterable<CqlRow[]> {
  const header = t.statistics.header;
  if (header === null) throw new Error('no header');
  const layout = buildV3Layout(header, schema, schema.columns, data.path);
  const merge = mergeOptionsFor(schema, t.statistics.partitioner, { nowInSec });
  expect(liveRowsSupported(layout, merge)).toBe(true);
  return readV3LiveRows(data, layout, merge);
}

const V3_FORMATS = new Set(['ma', 'mb', 'mc', 'md', 'me']);
const present = haveFixture('expected');
const sets = present
  ? loadExpectations(join(FIXTURES_ROOT, 'expected')).filter((e) => e.kind === undefined && e.rowCount !== null && V3_FORMATS.has(e.format))
  : [];

async function opened(e: (typeof sets)[number]): Promise<{ schema: TableSchema; tables: OpenedSSTable[] }> {
  const paths = e.sstables.map((s) => join(FIXTURES_ROOT, e.fixture, s));
  const loc = await locateTable(paths);
  const { schema } = await resolveSchema(loc, { nowInSec: 1_700_000_000 });
  const tables: OpenedSSTable[] = [];
  for (const d of loc.sstables) if (isV3(d.version)) tables.push(await openSSTable(d, { index: false }));
  return { schema, tables };
}

describe.runIf(present && sets.length > 0)('fused 3.x rows equal the merged rows', () => {
  for (const e of sets) {
    it(e.file, async () => {
      const { schema, tables } = await opened(e);
      try {
        for (const t of tables) {
          const writeNow = Number(t.statistics.stats.maxTimestamp / 1_000_000n) + 1;
          for (const now of [0, writeNow, 2_000_000_000]) {
            const want = await rowsText(generic(t, t.data, schema, now));
            expect(await rowsText(fused(t, t.data, schema, now)), `now=${now}`).toBe(want);
          }
        }
        if (tables.length === 1) {
          const t = tables[0] as OpenedSSTable;
          const now = 1_700_000_000;
          expect(await rowsText(tableRows(tables, schema, { nowInSec: now }))).toBe(await rowsText(generic(t, t.data, schema, now)));
        }
      } finally {
        for (const t of tables) await t.data.close();
      }
    }, 60_000);
  }
});

/**
 * Timestamps a double cannot hold: the same data decoded against a header base moved by 2^60 (both
 * paths read every timestamp relative to it), so every row takes the generic fallback; and a base
 * without its double, so every timestamp is decoded through bigints.
 */
describe.runIf(present)('fused 3.x rows with timestamps beyond 2^53', () => {
  for (const name of ['scylla/3.x/uncompressed/slicing_interleaved_rows_and_rts', 'scylla/3.x/uncompressed/collections', 'scylla/3.x/uncompressed/compound_static_row']) {
    const e = sets.find((s) => s.file === `${name}.json`);
    it.runIf(e !== undefined)(name, async () => {
      if (e === undefined) return;
      const { schema, tables } = await opened(e);
      const t = tables[0] as OpenedSSTable;
      try {
        const header = t.statistics.header;
        if (header === null) throw new Error('no header');
        const base = buildV3Layout(header, schema, schema.columns, t.data.path);
        const now = Number(t.statistics.stats.maxTimestamp / 1_000_000n) + 1;
        const merge = mergeOptionsFor(schema, t.statistics.partitioner, { nowInSec: now });
        for (const layout of [{ ...base, minTimestamp: base.minTimestamp + (1n << 60n), minTimestampNumber: null }, { ...base, minTimestampNumber: null }]) {
          const want = await rowsText(mergeToCqlRows([readV3(t.data, layout)], merge));
          expect(want.length).toBeGreaterThan(0);
          expect(await rowsText(readV3LiveRows(t.data, layout, merge))).toBe(want);
        }
      } finally {
        await t.data.close();
      }
    }, 60_000);
  }
});

// statics, collections, range tombstones, TTLs, deletions, wide rows
const SPLIT_SETS = [
  'scylla/3.x/uncompressed/slicing_interleaved_rows_and_rts',
  'scylla/3.x/uncompressed/collections',
  'scylla/3.x/uncompressed/compound_static_row',
  'scylla/3.x/uncompressed/large_subset_of_columns_sparse',
];

describe.runIf(present)('fused 3.x rows: any chunk split yields the same rows', () => {
  for (const name of SPLIT_SETS) {
    const e = sets.find((s) => s.file === `${name}.json`);
    it.runIf(e !== undefined)(name, async () => {
      if (e === undefined) return;
      const { schema, tables } = await opened(e);
      const t = tables[0] as OpenedSSTable;
      await expectSplitsMatch(t, (src, now) => generic(t, src, schema, now), (src, now) => fused(t, src, schema, now));
    }, 120_000);
  }
});
