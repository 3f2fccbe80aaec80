/**
 * csvBatchEncoder = csvRowEncoder on rows that come out of the real reader (ViewCells into chunk
 * buffers, merged complex values): random tables written with writeSSTable and read back with
 * tableRows, and every SSTable set of the shared fixture corpus that has a rows expectation.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRowEncoder } from '../../src/export/csv.js';
import { csvBatchEncoder } from '../../src/export/csv-fast.js';
import { resolveExportOptions, type ExportOptions } from '../../src/export/options.js';
import { compareUnsigned } from '../../src/merge/bytes.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import type { CqlRow } from '../../src/merge/rows.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { describeDataFile, listSSTables } from '../../src/sstable/io/descriptor.js';
import { ViewCell } from '../../src/sstable/model.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../../src/sstable/table.js';
import type { JsonValue } from '../../src/sstable/types/model.js';
import { partitionKeyBytes, writeSSTable, type WriteCell, type WritePartition, type WriteRow } from '../../src/sstable/writer/index.js';
import { buildWriterLayout } from '../../src/sstable/writer/layout.js';
import { fixtureTableSchema } from '../helpers/fixture-schema.js';
import { loadExpectations, type Expectation } from '../conformance/expectations.js';
import { FIXTURES_ROOT, haveFixture } from '../helpers/fixtures.js';
import { valueArb } from '../sstable/types/arbitraries.js';

const te = new TextEncoder();

/** Both encoders over the same batches: identical bytes and stats. */
function compareEncoders(schema: TableSchema, o: ExportOptions, batches: readonly (readonly CqlRow[])[]): number {
  const slow = csvRowEncoder(schema, o);
  const fast = csvBatchEncoder(schema, o);
  let rows = 0;
  for (const b of batches) {
    const want = Buffer.from(te.encode(b.map(slow).join('')));
    const got = Buffer.from(fast.encode(b));
    if (!got.equals(want)) expect(got.toString()).toBe(want.toString());
    expect(got.equals(want)).toBe(true);
    rows += b.length;
  }
  expect(fast.stats).toEqual(slow.stats);
  return rows;
}

const CQL = `CREATE TABLE ks.t (
  a text, b int, c1 int, c2 timestamp,
  s text static, st set<text> static,
  v_text text, v_ascii ascii, v_int int, v_small smallint, v_tiny tinyint, v_big bigint, v_var varint, v_dec decimal,
  v_float float, v_double double, v_bool boolean, v_uuid uuid, v_tuuid timeuuid, v_inet inet, v_ts timestamp, v_date date,
  v_time time, v_dur duration, v_blob blob,
  tags set<text>, attrs map<text, int>, nums list<double>, f frozen<map<int, frozen<list<text>>>>, tup tuple<int, text>,
  PRIMARY KEY ((a, b), c1, c2));`;
const SCHEMA = parseCqlSchema(CQL).tables[0] as TableSchema;
const NOW = 1_700_000_000;

const SIMPLE = SCHEMA.columns.filter((c) => c.name.startsWith('v_') || c.name === 'f' || c.name === 'tup');
const sortedUnique = (xs: readonly string[]): string[] => [...new Set(xs)].sort((x, y) => compareUnsigned(te.encode(x), te.encode(y)));

const cellsArb = fc.record({
  simple: fc.tuple(...SIMPLE.map((c) => fc.option(valueArb(c.type), { nil: undefined, freq: 3 }))),
  tags: fc.option(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 4 }).map(sortedUnique), { nil: undefined }),
  attrs: fc.option(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 4 }), { nil: undefined }),
  nums: fc.option(fc.array(fc.double(), { maxLength: 3 }), { nil: undefined }),
});

const partitionsArb = fc.uniqueArray(
  fc.record({
    a: fc.string({ maxLength: 10 }),
    b: fc.integer(),
    s: fc.option(fc.string({ unit: 'grapheme', maxLength: 10 }), { nil: undefined }),
    st: fc.option(fc.array(fc.constantFrom('x', 'y,z', '"q"', 'é'), { maxLength: 3 }).map(sortedUnique), { nil: undefined }),
    rows: fc.uniqueArray(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 2 ** 40 }), cellsArb), { selector: (r) => r[0], maxLength: 6 }),
  }),
  { selector: (p) => `${p.a}\u0000${p.b}`, minLength: 1, maxLength: 6 },
);

type Parts = typeof partitionsArb extends fc.Arbitrary<infer T> ? T : never;

function build(parts: Parts): WritePartition[] {
  const layout = buildWriterLayout(SCHEMA);
  const ps = parts.map((p): WritePartition => {
    const rows = [...p.rows].sort((x, y) => x[0] - y[0]).map(([c1, ms, cells]): WriteRow => {
      const out: Record<string, WriteCell> = {};
      SIMPLE.forEach((c, i) => {
        const v = cells.simple[i];
        if (v !== undefined) out[c.name] = { value: v };
      });
      if (cells.tags !== undefined) out['tags'] = { value: cells.tags };
      if (cells.attrs !== undefined) {
        const keys = sortedUnique(cells.attrs.map(([k]) => k));
        out['attrs'] = { value: keys.map((k, i): JsonValue => [k, i * 7 - 3]) };
      }
      if (cells.nums !== undefined) out['nums'] = { value: cells.nums.map((d) => (Number.isFinite(d) ? d : String(d))) };
      return { clustering: [c1, new Date(ms).toISOString()], liveness: { timestamp: 1_000_000n }, cells: out };
    });
    const staticCells: Record<string, WriteCell> = {};
    if (p.s !== undefined) staticCells['s'] = { value: p.s };
    if (p.st !== undefined) staticCells['st'] = { value: p.st };
    return { key: [p.a, p.b], ...(Object.keys(staticCells).length > 0 ? { staticRow: { timestamp: 5n, cells: staticCells } } : {}), rows };
  });
  const keyed = ps.map((p) => ({ p, k: partitionKeyBytes(layout, p.key) }));
  keyed.sort((x, y) => {
    const tx = murmur3Token(x.k);
    const ty = murmur3Token(y.k);
    return tx < ty ? -1 : tx > ty ? 1 : compareUnsigned(x.k, y.k);
  });
  return keyed.map((x) => x.p);
}

async function readBack(dir: string, schema: TableSchema, nowInSec: number): Promise<CqlRow[][]> {
  const opened: OpenedSSTable[] = [];
  const batches: CqlRow[][] = [];
  try {
    for (const d of await listSSTables(dir)) opened.push(await openSSTable(d));
    for await (const b of tableRows(opened, schema, { nowInSec })) batches.push(b);
  } finally {
    await closeAll(opened);
  }
  return batches;
}

const OPTION_SETS: ExportOptions[] = [
  resolveExportOptions(),
  resolveExportOptions({ csv: { delimiter: '|', rowDelimiter: '\r\n', nullMarker: 'NULL', quoteAll: true }, types: { blobAs: 'BYTE', timestampFormat: 'iso', booleanText: ['1', '0'] } }),
  resolveExportOptions({ csv: { delimiter: '-', nullMarker: '' }, types: { blobAs: 'BLOB', blobHexPrefix: true, varintAs: 'STRING', decimalAs: 'NUMERIC', timeAs: 'TIME', jsonAs: 'STRING' } }),
];

describe('rows read back from written SSTables (ViewCells)', () => {
  it('same bytes and stats as csvRowEncoder (fast-check over written tables)', async () => {
    await fc.assert(fc.asyncProperty(partitionsArb, fc.constantFrom(64, 256, 65536), async (parts, chunkLength) => {
      const dir = await mkdtemp(join(tmpdir(), 'csv-fast-'));
      try {
        const tableDir = join(dir, 'ks', 't-00000000000000000000000000000001');
        await mkdir(tableDir, { recursive: true });
        await writeSSTable(tableDir, SCHEMA, build(parts), { generation: 1, compression: 'lz4', chunkLength, nowInSec: NOW });
        const batches = await readBack(tableDir, SCHEMA, NOW);
        const all = batches.flat();
        expect(all.length).toBe(parts.reduce((n, p) => n + Math.max(p.rows.length, p.s !== undefined || (p.st?.length ?? 0) > 0 ? 1 : 0), 0));
        const v = all.flatMap((r) => r.values).find((x) => x !== null && !('kind' in x));
        if (v !== undefined) expect(v).toBeInstanceOf(ViewCell);
        for (const o of OPTION_SETS) compareEncoders(SCHEMA, o, batches);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }), { numRuns: 30 });
  });
});

const present = haveFixture('expected');
const sets = present ? loadExpectations(join(FIXTURES_ROOT, 'expected')).filter((e) => e.kind === undefined && e.rows !== null) : [];

async function fixtureBatches(e: Expectation): Promise<{ schema: TableSchema; batches: CqlRow[][] }> {
  const opened: OpenedSSTable[] = [];
  try {
    for (const s of e.sstables) opened.push(await openSSTable(await describeDataFile(join(FIXTURES_ROOT, e.fixture, s))));
    let max = 0n;
    for (const t of opened) if (t.statistics.stats.maxTimestamp > max) max = t.statistics.stats.maxTimestamp;
    const nowInSec = Number(max / 1_000_000n) + 1;
    const schema = await fixtureTableSchema(e, nowInSec);
    const batches: CqlRow[][] = [];
    for await (const b of tableRows(opened, schema, { nowInSec })) batches.push(b);
    return { schema, batches };
  } finally {
    await closeAll(opened);
  }
}

describe.runIf(present)('fixture corpus: both encoders agree', () => {
  for (const e of sets) {
    it(e.file, async () => {
      const data = await fixtureBatches(e);
      let rows = 0;
      for (const o of OPTION_SETS) rows = compareEncoders(data.schema, o, data.batches);
      expect(rows).toBe(e.rows?.length);
    });
  }
});
