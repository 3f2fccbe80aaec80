/**
 * The WebAssembly module's records (src/wasm/engine.ts) against the TypeScript path's
 * (encodeRuns(batchEncoder, live rows)) for the same SSTable: identical bytes, record boundaries,
 * DynamoDB problems and CSV figures, or the same error. Random tables written with writeSSTable
 * (every type the module writes, the arbitraries' values including those it declines, TTLs, cell,
 * row, partition and range deletions, dropped columns), chunk lengths that split structures, option
 * sets, corrupted and truncated Data.db bytes, and the fixture corpus.
 *
 * The module is built by `npm run build` (scripts/build-wasm.sh). Under CI a missing module fails;
 * elsewhere these tests are skipped with the reason printed.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { createCsvStats, mergeCsvStats, type CsvStats } from '../../src/export/csv.js';
import { moduleRangeRecords, planRanges, rangeRows, SSTableSeeker } from '../../src/cluster/range-reader.js';
import type { SerializationHeader } from '../../src/sstable/io/statistics.js';
import { resolveExportOptions, type ExportOptions } from '../../src/export/options.js';
import { compareUnsigned } from '../../src/merge/bytes.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import type { DataChunk, DataSource } from '../../src/sstable/io/data-source.js';
import { describeDataFile, listSSTables, type SSTableDescriptor } from '../../src/sstable/io/descriptor.js';
import { closeAll, decodeColumns, mergeOptionsFor, openSSTable, type OpenedSSTable } from '../../src/sstable/table.js';
import { encodeJson } from '../../src/sstable/types/json-encode.js';
import { baseType, type CqlType, type JsonValue } from '../../src/sstable/types/model.js';
import { buildV3Layout, type V3Layout } from '../../src/sstable/v3/layout.js';
import { readV3LiveRows } from '../../src/sstable/v3/live-rows.js';
import type { DeletionTime } from '../../src/sstable/model.js';
import { partitionKeyBytes, writeSSTable, type WriteCell, type WriteColumn, type WritePartition, type WriteUnfiltered } from '../../src/sstable/writer/index.js';
import { buildWriterLayout } from '../../src/sstable/writer/layout.js';
import { LocalSink } from '../../src/sink/local.js';
import { batchEncoder, encodeRuns, type EncodedBatch } from '../../src/tasks/encode-batch.js';
import { runExtract } from '../../src/tasks/extract.js';
import { rowsModule, wasmRecords, type RowEngine, type WasmReadOptions } from '../../src/wasm/engine.js';
import { wasmPlanFor } from '../../src/wasm/plan.js';
import { fixtureTableSchema } from '../helpers/fixture-schema.js';
import { loadExpectations } from '../conformance/expectations.js';
import { FIXTURES_ROOT, haveFixture, inCI } from '../helpers/fixtures.js';
import { readTree } from '../sink/helpers.js';
import { valueArb } from '../sstable/types/arbitraries.js';

const built = rowsModule() !== null;
if (!built) {
  if (inCI) throw new Error('dist/wasm/rows.wasm is missing under CI: npm run build compiles it (clang, lld)');
  console.warn('skipping: dist/wasm/rows.wasm is not built (npm run build, with clang and lld installed)');
}

const te = new TextEncoder();
const NOW = 1_700_000_000;
const T = 1_600_000_000_000_000n;

/** What a read gives: the records as one array, each record's end, the problems by record number, the figures. */
interface Outcome {
  readonly bytes: Buffer;
  readonly ends: number[];
  readonly problems: { at: number; key: Record<string, JsonValue>; problems: unknown }[];
  readonly stats: CsvStats;
}

async function collect(batches: AsyncIterable<EncodedBatch>, stats: () => CsvStats): Promise<Outcome> {
  const parts: Buffer[] = [];
  const ends: number[] = [];
  const problems: Outcome['problems'] = [];
  let offset = 0;
  for await (const b of batches) {
    for (const p of b.problems) problems.push({ at: ends.length + p.at, key: p.key, problems: p.problems });
    for (let i = 0; i < b.count; i++) ends.push(offset + (b.ends[i] as number));
    parts.push(Buffer.from(b.bytes));
    offset += b.bytes.length;
  }
  return { bytes: Buffer.concat(parts), ends, problems, stats: stats() };
}

type Result = { ok: true; outcome: Outcome } | { ok: false; error: AgentError };

async function attempt(f: () => Promise<Outcome>): Promise<Result> {
  try {
    return { ok: true, outcome: await f() };
  } catch (e) {
    if (e instanceof AgentError) return { ok: false, error: e };
    throw e;
  }
}

interface Read {
  readonly source: DataSource;
  readonly layout: V3Layout;
  readonly schema: TableSchema;
  readonly nowInSec: number;
  readonly partitioner: string;
}

/** Both paths over one read; the module must cover the table. Returns the records' count. */
async function compareEngines(r: Read, o: ExportOptions, wasmOpts: WasmReadOptions = {}): Promise<{ rows: number; declined: number }> {
  const merge = mergeOptionsFor(r.schema, r.partitioner, { nowInSec: r.nowInSec });
  const plan = wasmPlanFor(r.layout, r.schema, merge, o);
  if (!plan.ok) throw new Error(`the module does not cover the table: ${plan.reason}`);
  const tsEncoder = batchEncoder(r.schema, o);
  const ts = await attempt(() => collect(encodeRuns(tsEncoder, readV3LiveRows(r.source, r.layout, merge)), () => tsEncoder.stats));
  const fallback = batchEncoder(r.schema, o);
  let declined = 0;
  const wasm = await attempt(() => {
    const s = wasmRecords(r.source, r.layout, merge, plan, fallback, wasmOpts);
    if (s === null) throw new Error('wasmRecords declined a covered table');
    return collect(s, () => {
      declined = s.declined();
      return mergeCsvStats(fallback.stats, s.figures());
    });
  });
  if (!ts.ok) {
    expect(wasm.ok ? 'records' : wasm.error.code).toBe(ts.error.code);
    if (!wasm.ok) {
      // "n left" counts the bytes buffered when the read ran out, which depends on how each path buffers
      const unbuffered = (m: string): string => m.replace(/\d+ left/, 'n left');
      const tsAt = ts.error.location.offset;
      const wasmAt = wasm.error.location.offset;
      expect(wasm.error.location.file).toBe(r.source.path);
      if (tsAt === undefined) {
        // an encoder error (no location on the TypeScript path): the same, named by file and offset here
        expect(wasm.error.message.startsWith(ts.error.message)).toBe(true);
      } else if (wasmAt === tsAt) {
        expect(unbuffered(wasm.error.message)).toBe(unbuffered(ts.error.message));
        expect(wasm.error.location).toEqual(ts.error.location);
      } else {
        // the TypeScript path decodes up to a batch of rows before encoding them, so a decoding error
        // further on can come before an encoder error on an earlier row, which the module's path meets first
        expect(wasmAt).toBeDefined();
        expect(wasmAt as number).toBeLessThan(tsAt);
        const cause: unknown = wasm.error.cause;
        expect(cause instanceof AgentError && cause.location.offset === undefined).toBe(true);
      }
    }
    return { rows: -1, declined };
  }
  if (!wasm.ok) throw wasm.error;
  const a = wasm.outcome;
  const b = ts.outcome;
  if (!a.bytes.equals(b.bytes)) expect(a.bytes.toString()).toBe(b.bytes.toString());
  expect(a.ends).toEqual(b.ends);
  expect(a.problems).toEqual(b.problems);
  expect(a.stats).toEqual(b.stats);
  return { rows: b.ends.length, declined };
}

const CQL = `CREATE TABLE ks.w (
  k uuid, b int, c1 int, c2 timestamp,
  v_text text, v_ascii ascii, v_int int, v_small smallint, v_tiny tinyint, v_big bigint, v_double double, v_bool boolean,
  v_uuid uuid, v_tuuid timeuuid, v_inet inet, v_ts timestamp, v_date date, v_time time, v_blob blob,
  tags set<text>, attrs map<text, int>, nums list<double>, ids list<uuid>, dates map<int, timestamp>, bools set<boolean>,
  blobs list<blob>, bigs list<bigint>, times list<time>, days set<date>, addrs list<inet>,
  PRIMARY KEY ((k, b), c1, c2));`;
const SCHEMA = parseCqlSchema(CQL).tables[0] as TableSchema;
const SIMPLE = SCHEMA.columns.filter((c) => c.name.startsWith('v_'));
const COMPLEX = SCHEMA.columns.filter((c) => c.kind === 'regular' && !c.name.startsWith('v_'));

/** A whole collection as the writer takes it: distinct set elements and map keys (it sorts them). */
function collectionArb(t: CqlType): fc.Arbitrary<JsonValue> {
  const b = baseType(t);
  const el = (x: CqlType): fc.Arbitrary<JsonValue> => valueArb(x).filter((v) => v !== null);
  const bytesOf = (x: CqlType) => (v: JsonValue): string => Buffer.from(encodeJson(x, v)).toString('hex');
  switch (b.kind) {
    case 'list': return fc.array(el(b.element), { maxLength: 4 });
    case 'set': return fc.uniqueArray(el(b.element), { selector: bytesOf(b.element), maxLength: 4 });
    case 'map': return fc.uniqueArray(fc.tuple(el(b.key), el(b.value)), { selector: (p) => bytesOf(b.key)(p[0]), maxLength: 4 }).map((ps): JsonValue => ps.map((p): JsonValue => [p[0], p[1]]));
    default: throw new Error(`not a collection: ${b.kind}`);
  }
}

const deletionArb = (around: bigint): fc.Arbitrary<DeletionTime> =>
  fc.integer({ min: -3, max: 3 }).map((d) => ({ markedForDeleteAt: around + BigInt(d), localDeletionTime: NOW - 10 }));

/** A cell: live, expiring (expired or not), or a tombstone, at a timestamp around T. */
const cellMetaArb = fc.record({
  ts: fc.integer({ min: -3, max: 3 }),
  ttl: fc.constantFrom(0, 0, 0, 100, 100),
  expired: fc.boolean(),
  deleted: fc.constantFrom(false, false, false, false, true),
});

function cellWith(value: JsonValue, m: { ts: number; ttl: number; expired: boolean; deleted: boolean }): WriteCell {
  const timestamp = T + BigInt(m.ts);
  if (m.deleted) return { deleted: true, timestamp };
  if (m.ttl > 0) return { value, timestamp, ttl: m.ttl, localExpirationTime: m.expired ? NOW - 5 : NOW + 500 };
  return { value, timestamp };
}

const rowArb = fc.record({
  c1: fc.integer({ min: -50, max: 50 }),
  c2: fc.integer({ min: -(2 ** 41), max: 2 ** 41 }),
  live: fc.constantFrom('plain', 'plain', 'plain', 'none', 'ttl-live', 'ttl-expired'),
  rowDeletion: fc.option(deletionArb(T), { nil: undefined, freq: 6 }),
  simple: fc.tuple(...SIMPLE.map((c) => fc.option(fc.tuple(valueArb(c.type), cellMetaArb), { nil: undefined, freq: 3 }))),
  complex: fc.tuple(...COMPLEX.map((c) => fc.option(fc.tuple(collectionArb(c.type), fc.integer({ min: -3, max: 3 })), { nil: undefined, freq: 2 }))),
});

const partitionArb = fc.record({
  k: fc.uuid(),
  b: fc.integer(),
  deletion: fc.option(deletionArb(T), { nil: undefined, freq: 6 }),
  range: fc.option(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 30 }), deletionArb(T)), { nil: undefined, freq: 4 }),
  rows: fc.uniqueArray(rowArb, { selector: (r) => r.c1, maxLength: 8 }),
});

const tableArb = fc.uniqueArray(partitionArb, { selector: (p) => `${p.k}/${p.b}`, minLength: 1, maxLength: 8 });
type Parts = typeof tableArb extends fc.Arbitrary<infer X> ? X : never;

/** Distinct, sorted set elements / map keys of a generated collection value (the writer wants them in order). */
function complexColumn(v: JsonValue, tsDelta: number): WriteColumn {
  return { value: v, timestamp: T + BigInt(tsDelta) };
}

function build(parts: Parts): WritePartition[] {
  const layout = buildWriterLayout(SCHEMA);
  const ps = parts.map((p): WritePartition => {
    const rows = [...p.rows].sort((x, y) => x.c1 - y.c1);
    const unfiltered: WriteUnfiltered[] = [];
    let rangePlaced = p.range === undefined;
    for (const r of rows) {
      if (!rangePlaced && p.range !== undefined && r.c1 >= p.range[0]) {
        unfiltered.push({ kind: 'range', start: { values: [p.range[0]], inclusive: true }, end: { values: [p.range[0] + p.range[1]], inclusive: true }, deletion: p.range[2] });
        rangePlaced = true;
      }
      const cells: Record<string, WriteColumn> = {};
      SIMPLE.forEach((c, i) => {
        const v = r.simple[i];
        if (v !== undefined) cells[c.name] = cellWith(v[0], v[1]);
      });
      COMPLEX.forEach((c, i) => {
        const v = r.complex[i];
        if (v !== undefined && v[0] !== null) cells[c.name] = complexColumn(v[0], v[1]);
      });
      const liveness = r.live === 'none' ? undefined
        : r.live === 'plain' ? { timestamp: T }
        : { timestamp: T, ttl: 100, localExpirationTime: r.live === 'ttl-expired' ? NOW - 5 : NOW + 500 };
      unfiltered.push({
        clustering: [r.c1, new Date(r.c2).toISOString()],
        ...(liveness === undefined ? {} : { liveness }),
        ...(r.rowDeletion === undefined ? {} : { deletion: r.rowDeletion }),
        cells,
      });
    }
    if (!rangePlaced && p.range !== undefined) {
      unfiltered.push({ kind: 'range', start: { values: [p.range[0]], inclusive: true }, end: { values: [p.range[0] + p.range[1]], inclusive: true }, deletion: p.range[2] });
    }
    return { key: [p.k, p.b], ...(p.deletion === undefined ? {} : { deletion: p.deletion }), rows: unfiltered };
  });
  const keyed = ps.map((p) => ({ p, k: partitionKeyBytes(layout, p.key as JsonValue[]) }));
  keyed.sort((x, y) => {
    const tx = murmur3Token(x.k);
    const ty = murmur3Token(y.k);
    return tx < ty ? -1 : tx > ty ? 1 : compareUnsigned(x.k, y.k);
  });
  return keyed.map((x) => x.p);
}

/** A DataSource over bytes in memory, in chunks of `chunkLength` (the last one shorter). */
function memorySource(path: string, data: Uint8Array, chunkLength: number): DataSource {
  return {
    path,
    uncompressedLength: data.length,
    compressor: null,
    chunkLength,
    async *chunks(opts = {}): AsyncGenerator<DataChunk> {
      const first = Math.floor((opts.start ?? 0) / chunkLength);
      for (let i = first; i * chunkLength < data.length; i++) {
        yield { bytes: data.slice(i * chunkLength, Math.min(data.length, (i + 1) * chunkLength)), offset: i * chunkLength, index: i };
      }
    },
    close: () => Promise.resolve(),
  };
}

const OPTION_SETS: ExportOptions[] = [
  resolveExportOptions(),
  resolveExportOptions({ csv: { delimiter: '|', rowDelimiter: '\r\n', nullMarker: 'NULL', quoteAll: true }, types: { blobAs: 'BYTE', timestampFormat: 'iso', booleanText: ['1', '0'] } }),
  resolveExportOptions({ csv: { delimiter: '-', nullMarker: '' }, types: { blobAs: 'BLOB', blobHexPrefix: true, timeAs: 'TIME', jsonAs: 'STRING' } }),
  resolveExportOptions({ csv: { delimiter: '\t', nullMarker: 'a' }, types: { timestampFormat: 'iso', blobHexPrefix: true } }),
];

/** Writes `parts` uncompressed and returns Data.db's bytes and the layout of the SSTable. */
async function written(dir: string, parts: Parts, schema: TableSchema): Promise<{ data: Uint8Array; layout: V3Layout; path: string }> {
  const tableDir = join(dir, 'ks', 'w-00000000000000000000000000000001');
  await mkdir(tableDir, { recursive: true });
  await writeSSTable(tableDir, schema, build(parts), { generation: 1, compression: 'none', nowInSec: NOW });
  const [desc] = await listSSTables(tableDir);
  if (desc === undefined) throw new Error('no SSTable written');
  const t = await openSSTable(desc);
  try {
    const header = t.statistics.header;
    if (header === null) throw new Error('no header');
    return { data: new Uint8Array(await readFile(desc.dataPath)), layout: buildV3Layout(header, schema, decodeColumns(schema), desc.dataPath), path: desc.dataPath };
  } finally {
    await closeAll([t]);
  }
}

describe.runIf(built)('the WebAssembly module against the TypeScript path', () => {
  it('identical records, problems and figures on random written tables (fast-check)', async () => {
    let rows = 0;
    let declined = 0;
    await fc.assert(fc.asyncProperty(tableArb, fc.constantFrom(64, 256, 65536), async (parts, chunkLength) => {
      const dir = await mkdtemp(join(tmpdir(), 'wasm-eq-'));
      try {
        const w = await written(dir, parts, SCHEMA);
        for (const o of OPTION_SETS) {
          const r = await compareEngines({ source: memorySource(w.path, w.data, chunkLength), layout: w.layout, schema: SCHEMA, nowInSec: NOW, partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner' }, o);
          rows += Math.max(0, r.rows);
          declined += r.declined;
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }), { numRuns: 40 });
    // the property saw both paths at work: rows the module wrote, and structures it handed over
    expect(rows).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(0);
  });

  it('the same error or the same records on corrupted and truncated Data.db bytes (fast-check)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-bad-'));
    try {
      const parts = fc.sample(tableArb, { numRuns: 1, seed: 7 })[0] as Parts;
      const w = await written(dir, parts, SCHEMA);
      expect(w.data.length).toBeGreaterThan(200);
      let errors = 0;
      await fc.assert(fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: w.data.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.option(fc.nat({ max: w.data.length - 1 }), { nil: undefined }),
        async (flips, cut) => {
          const data = w.data.slice(0, cut ?? w.data.length);
          for (const [at, v] of flips) if (at < data.length) data[at] = v;
          const r = await compareEngines({ source: memorySource(w.path, data, 256), layout: w.layout, schema: SCHEMA, nowInSec: NOW, partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner' }, OPTION_SETS[0] as ExportOptions);
          if (r.rows < 0) errors++;
        },
      ), { numRuns: 150 });
      expect(errors).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('token ranges (the workers\' reads): the same records per range as rangeRows, and together the whole table', async () => {
    await fc.assert(fc.asyncProperty(tableArb, fc.integer({ min: 2, max: 7 }), async (parts, n) => {
      const dir = await mkdtemp(join(tmpdir(), 'wasm-range-'));
      const opened: OpenedSSTable[] = [];
      try {
        const tableDir = join(dir, 'ks', 'w-00000000000000000000000000000001');
        await mkdir(tableDir, { recursive: true });
        await writeSSTable(tableDir, SCHEMA, build(parts), { generation: 1, compression: 'lz4', chunkLength: 256, nowInSec: NOW });
        for (const d of await listSSTables(tableDir)) opened.push(await openSSTable(d));
        const seeker = await SSTableSeeker.open(opened[0] as OpenedSSTable);
        const o = OPTION_SETS[0] as ExportOptions;
        const readOpts = { nowInSec: NOW };
        const tsEncoder = batchEncoder(SCHEMA, o);
        const fallback = batchEncoder(SCHEMA, o);
        const all: Buffer[] = [];
        let figures = createCsvStats(tsEncoder.stats.maxBytes.length);
        for (const range of planRanges([seeker], 'org.apache.cassandra.dht.Murmur3Partitioner', n, 'even')) {
          const ts = await collect(encodeRuns(tsEncoder, rangeRows([seeker], SCHEMA, range, readOpts)), () => tsEncoder.stats);
          const s = await moduleRangeRecords(seeker, SCHEMA, range, o, fallback, { ...readOpts, runRows: 3 });
          if (s === null) throw new Error('not covered');
          const wasm = await collect(s, () => s.figures());
          figures = mergeCsvStats(figures, s.figures());
          expect(wasm.bytes.equals(ts.bytes)).toBe(true);
          expect(wasm.ends).toEqual(ts.ends);
          expect(wasm.problems).toEqual(ts.problems);
          all.push(wasm.bytes);
        }
        const whole = await collect(encodeRuns(batchEncoder(SCHEMA, o), readV3LiveRows((opened[0] as OpenedSSTable).data, buildV3Layout((opened[0] as OpenedSSTable).statistics.header as SerializationHeader, SCHEMA, decodeColumns(SCHEMA), 'x'), mergeOptionsFor(SCHEMA, 'org.apache.cassandra.dht.Murmur3Partitioner', readOpts))), () => tsEncoder.stats);
        expect(Buffer.concat(all).equals(whole.bytes)).toBe(true);
        expect(mergeCsvStats(fallback.stats, figures)).toEqual(tsEncoder.stats);
      } finally {
        await closeAll(opened);
        await rm(dir, { recursive: true, force: true });
      }
    }), { numRuns: 15 });
  });

  it('an extraction through the module writes the same tree, byte for byte, as one on the TypeScript path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-extract-'));
    try {
      const parts = fc.sample(tableArb, { numRuns: 1, seed: 3 })[0] as Parts;
      const more = fc.sample(tableArb, { numRuns: 30, seed: 5 }).flat().filter((p) => !parts.some((q) => q.k === p.k && q.b === p.b));
      const all = [...parts, ...more];
      const tableDir = join(dir, 'data', 'ks', 'w-00000000000000000000000000000001');
      await mkdir(tableDir, { recursive: true });
      await writeSSTable(tableDir, SCHEMA, build(all), { generation: 1, compression: 'lz4', chunkLength: 4096, nowInSec: NOW });
      const schemaFile = join(dir, 'schema.cql');
      await writeFile(schemaFile, CQL);
      const extract = async (out: string, engine: RowEngine): Promise<Map<string, Buffer>> => {
        const report = await runExtract(
          { dataDirs: [join(dir, 'data')], keyspace: 'ks', schemaFile, sink: new LocalSink(out), nowInSec: NOW, chunkSizeBytes: 8 * 1024, generator: 'test', read: { engine } },
          { now: () => new Date('2024-01-01T00:00:00Z') },
        );
        expect(report.errorSummary).toBe('');
        return readTree(out);
      };
      const viaModule = await extract(join(dir, 'out-module'), 'auto');
      const viaTs = await extract(join(dir, 'out-ts'), 'ts');
      expect([...viaModule.keys()].sort()).toEqual([...viaTs.keys()].sort());
      expect([...viaModule.keys()].filter((k) => k.endsWith('.csv')).length).toBeGreaterThan(1);
      for (const [k, v] of viaTs) expect((viaModule.get(k) as Buffer).equals(v), k).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rows larger than the input window (it grows), records too large for the pre-check (declined), short runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-big-'));
    try {
      const big = 'x'.repeat(300_000) + '"quoted", and\nlines';
      const blob = Buffer.alloc(200_000, 7).toString('hex');
      const cells = (i: number): Record<string, WriteColumn> => ({
        v_text: { value: i % 2 === 0 ? big : 'small', timestamp: T },
        v_blob: { value: `0x${i % 3 === 0 ? blob : 'ab'}`, timestamp: T },
        tags: { value: ['a', big.slice(0, 70_000 + i)], timestamp: T },
      });
      const parts: WritePartition[] = [0, 1, 2].map((p) => ({
        key: [`00000000-0000-4000-8000-00000000000${p}`, p],
        rows: [0, 1, 2, 3].map((i) => ({ clustering: [i, '2020-01-01T00:00:00.000Z'], liveness: { timestamp: T }, cells: cells(i + p) })),
      }));
      const tableDir = join(dir, 'ks', 'w-00000000000000000000000000000001');
      await mkdir(tableDir, { recursive: true });
      const layoutOf = buildWriterLayout(SCHEMA);
      const sorted = parts.map((p) => ({ p, k: partitionKeyBytes(layoutOf, p.key as JsonValue[]) })).sort((x, y) => {
        const tx = murmur3Token(x.k);
        const ty = murmur3Token(y.k);
        return tx < ty ? -1 : tx > ty ? 1 : compareUnsigned(x.k, y.k);
      }).map((x) => x.p);
      await writeSSTable(tableDir, SCHEMA, sorted, { generation: 1, compression: 'none', nowInSec: NOW });
      const [desc] = await listSSTables(tableDir);
      const t = await openSSTable(desc as SSTableDescriptor);
      try {
        const layout = buildV3Layout(t.statistics.header as SerializationHeader, SCHEMA, decodeColumns(SCHEMA), t.data.path);
        for (const opts of [{}, { runBytes: 16 }, { runRows: 1 }]) {
          const r = await compareEngines({ source: memorySource(t.data.path, new Uint8Array(await readFile(desc?.dataPath as string)), 4096), layout, schema: SCHEMA, nowInSec: NOW, partitioner: t.statistics.partitioner }, OPTION_SETS[0] as ExportOptions, opts);
          expect(r.rows).toBe(12);
          // the rows with the long text: 6 x their record passes DynamoDB's item budget
          expect(r.declined).toBeGreaterThanOrEqual(6);
        }
      } finally {
        await closeAll([t]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a truncated file: E_TRUNCATED naming the file and the offset, as the TypeScript path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-trunc-'));
    try {
      const parts = fc.sample(tableArb.filter((p) => p.some((x) => x.rows.length > 2)), { numRuns: 1, seed: 11 })[0] as Parts;
      const w = await written(dir, parts, SCHEMA);
      const source = memorySource(w.path, w.data.slice(0, Math.floor(w.data.length / 2)), 64);
      const merge = mergeOptionsFor(SCHEMA, 'org.apache.cassandra.dht.Murmur3Partitioner', { nowInSec: NOW });
      const plan = wasmPlanFor(w.layout, SCHEMA, merge, OPTION_SETS[0] as ExportOptions);
      if (!plan.ok) throw new Error(plan.reason);
      const s = wasmRecords(source, w.layout, merge, plan, batchEncoder(SCHEMA, OPTION_SETS[0] as ExportOptions));
      if (s === null) throw new Error('not covered');
      const err = await collect(s, () => s.figures()).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AgentError);
      expect((err as AgentError).code).toBe('E_TRUNCATED');
      expect((err as AgentError).location.file).toBe(w.path);
      expect(typeof (err as AgentError).location.offset).toBe('number');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tables it does not cover get a reason, and no stream', () => {
    const merge = (s: TableSchema): ReturnType<typeof mergeOptionsFor> => mergeOptionsFor(s, 'org.apache.cassandra.dht.Murmur3Partitioner', { nowInSec: NOW });
    const layoutOf = (s: TableSchema): V3Layout => buildV3Layout({
      keyType: 'org.apache.cassandra.db.marshal.UTF8Type',
      clusteringTypes: [],
      staticColumns: s.columns.filter((c) => c.kind === 'static').map((c) => ({ name: c.name, nameBytes: te.encode(c.name), type: 'org.apache.cassandra.db.marshal.UTF8Type' })),
      regularColumns: s.columns.filter((c) => c.kind === 'regular').map((c) => ({ name: c.name, nameBytes: te.encode(c.name), type: c.type.kind === 'native' && c.type.name === 'float' ? 'org.apache.cassandra.db.marshal.FloatType' : 'org.apache.cassandra.db.marshal.UTF8Type' })),
      minTimestamp: 0n, minLocalDeletionTime: 0, minTTL: 0,
    }, s, decodeColumns(s), 'x/Data.db');
    const o = resolveExportOptions();
    const cases: [string, string][] = [
      ['CREATE TABLE ks.a (k text PRIMARY KEY, v text);', 'key columns'],
      ['CREATE TABLE ks.b (k int, c int, s text static, v text, PRIMARY KEY (k, c));', 'static'],
      ['CREATE TABLE ks.c (k int PRIMARY KEY, v float);', 'column v'],
    ];
    for (const [cql, reason] of cases) {
      const s = parseCqlSchema(cql).tables[0] as TableSchema;
      const plan = wasmPlanFor(layoutOf(s), s, merge(s), o);
      expect(plan.ok).toBe(false);
      if (!plan.ok) expect(plan.reason).toContain(reason);
    }
  });
});

const present = built && haveFixture('expected');
const sets = present ? loadExpectations(join(FIXTURES_ROOT, 'expected')).filter((e) => e.kind === undefined && e.rows !== null) : [];

describe.runIf(present)('fixture corpus: the module where it covers a table, identical to the TypeScript path', () => {
  it('every single-SSTable 3.x fixture table the module covers', async () => {
    let covered = 0;
    for (const e of sets) {
      if (e.sstables.length !== 1) continue;
      const opened: OpenedSSTable[] = [];
      try {
        opened.push(await openSSTable(await describeDataFile(join(FIXTURES_ROOT, e.fixture, e.sstables[0] as string))));
        const t = opened[0] as OpenedSSTable;
        const header = t.statistics.header;
        if (header === null) continue;
        const nowInSec = Number(t.statistics.stats.maxTimestamp / 1_000_000n) + 1;
        const schema = await fixtureTableSchema(e, nowInSec);
        const layout = buildV3Layout(header, schema, decodeColumns(schema), t.data.path);
        for (const o of OPTION_SETS) {
          if (!wasmPlanFor(layout, schema, mergeOptionsFor(schema, t.statistics.partitioner, { nowInSec }), o).ok) continue;
          const r = await compareEngines({ source: t.data, layout, schema, nowInSec, partitioner: t.statistics.partitioner }, o);
          expect(r.rows, e.file).toBe(e.rows?.length);
          covered++;
        }
      } finally {
        await closeAll(opened);
      }
    }
    console.log(`fixture tables read by the module and compared: ${covered} (table x option set)`);
  });
});
