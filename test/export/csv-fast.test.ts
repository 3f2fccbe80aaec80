/**
 * csvBatchEncoder against csvRowEncoder: the same bytes (the string records joined, UTF-8) and the same
 * stats, or the same error, for random schemas, rows, option combinations and cell representations
 * (plain Cell objects and ViewCells at random offsets of a shared buffer), plus hand-picked edge values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter, byteClasses } from '../../src/export/byte-writer.js';
import { csvRowEncoder } from '../../src/export/csv.js';
import { csvBatchEncoder } from '../../src/export/csv-fast.js';
import type { JsonRow } from '../../src/export/json-row.js';
import { resolveExportOptions, type ExportOptions, type PartialExportOptions } from '../../src/export/options.js';
import type { CqlRow, LiveValue } from '../../src/merge/rows.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { ColumnDef, TableSchema } from '../../src/schema/model.js';
import { buildComposite } from '../../src/sstable/composite.js';
import { NO_DELETION_TIME, ViewCell, type Cell } from '../../src/sstable/model.js';
import { encodeJson, isMultiCell, type CqlType, type JsonValue } from '../../src/sstable/types/index.js';
import { valueArb, valueTypeArb, VALUE_NATIVES } from '../sstable/types/arbitraries.js';

const te = new TextEncoder();

type Outcome = { bytes: Buffer; stats: unknown } | { error: string };

function run(schema: TableSchema, o: ExportOptions, batches: readonly (readonly CqlRow[])[]): [Outcome, Outcome] {
  const slow = csvRowEncoder(schema, o);
  const fast = csvBatchEncoder(schema, o);
  const outcome = (f: () => Uint8Array[], stats: () => unknown): Outcome => {
    try {
      return { bytes: Buffer.concat(f()), stats: stats() };
    } catch (e) {
      return { error: `${(e as { code?: string }).code ?? 'no code'}: ${(e as Error).message}` };
    }
  };
  return [
    outcome(() => batches.map((b) => te.encode(b.map(slow).join(''))), () => structuredClone(slow.stats)),
    outcome(() => batches.map((b) => fast.encode(b)), () => structuredClone(fast.stats)),
  ];
}

function expectSame(schema: TableSchema, o: ExportOptions, batches: readonly (readonly CqlRow[])[]): void {
  const [want, got] = run(schema, o, batches);
  if ('error' in want || 'error' in got) {
    expect(got).toEqual(want);
    return;
  }
  if (!got.bytes.equals(want.bytes)) expect(got.bytes.toString('utf8')).toBe(want.bytes.toString('utf8'));
  expect(got.bytes.equals(want.bytes)).toBe(true);
  expect(got.stats).toEqual(want.stats);
}

/** How a cell is represented: a plain object, or a ViewCell at an offset of a larger buffer. */
type Shape = (column: number, path: Uint8Array | null, value: Uint8Array) => Cell;

const plain: Shape = (column, path, value) => ({ column, path, timestamp: 1n, ttl: 0, localDeletionTime: NO_DELETION_TIME, value });

function viewShape(pad: number): Shape {
  return (column, path, value) => {
    const buf = new Uint8Array(pad + (path?.length ?? 0) + value.length + pad).fill(0x22);
    buf.set(value, pad);
    if (path !== null) buf.set(path, pad + value.length);
    return new ViewCell(column, 1n, 0, NO_DELETION_TIME, buf, pad, value.length, path === null ? -1 : pad + value.length, path?.length ?? 0);
  };
}

function cellsOf(t: CqlType, v: JsonValue): { path: Uint8Array; value: Uint8Array }[] {
  const none = new Uint8Array(0);
  if (t.kind === 'list' && Array.isArray(v)) {
    return v.map((x, i) => ({ path: Uint8Array.of(0x10, 0, 0, 0, 0, 0, 0, i, 0x80, 0, 0, 0, 0, 0, 0, 0), value: encodeJson(t.element, x) }));
  }
  if (t.kind === 'set' && Array.isArray(v)) return v.map((x) => ({ path: encodeJson(t.element, x), value: none }));
  if (t.kind === 'map' && Array.isArray(v)) {
    return v.map((p) => {
      const [k, x] = p as [JsonValue, JsonValue];
      return { path: encodeJson(t.key, k), value: encodeJson(t.value, x) };
    });
  }
  if (t.kind === 'udt' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return t.fields.flatMap((f, i) => {
      const x = v[f.name];
      return x === null || x === undefined ? [] : [{ path: Uint8Array.of(0, i), value: encodeJson(f.type, x) }];
    });
  }
  throw new Error(`no cells for ${t.kind}`);
}

/** A CqlRow holding `json`; `raw` overrides the bytes of simple columns by name. */
function cqlRow(schema: TableSchema, json: JsonRow, shape: Shape, raw: ReadonlyMap<string, Uint8Array> = new Map()): CqlRow {
  const enc = (c: ColumnDef): Uint8Array | null => {
    const r = raw.get(c.name);
    if (r !== undefined) return r;
    const v = json[c.name];
    return v === null || v === undefined ? null : encodeJson(c.type, v);
  };
  const pk = schema.partitionKey.map((c) => enc(c) ?? new Uint8Array(0));
  return {
    partitionKey: pk.length === 1 ? (pk[0] as Uint8Array) : buildComposite(pk),
    clustering: schema.clustering.map(enc),
    values: schema.columns.map((c, column): LiveValue | null => {
      const v = json[c.name];
      if (!isMultiCell(c.type) || v === '' || raw.has(c.name)) {
        const b = enc(c);
        return b === null ? null : shape(column, null, b);
      }
      if (v === null || v === undefined) return null;
      return { kind: 'complex', cells: cellsOf(c.type, v).map((x) => shape(column, x.path, x.value)) };
    }),
  };
}

const NAME = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
const KEY_NATIVES = VALUE_NATIVES.filter((n) => n !== 'duration');

const schemaArb = fc.record({
  pk: fc.array(fc.constantFrom(...KEY_NATIVES), { minLength: 1, maxLength: 2 }),
  ck: fc.array(fc.constantFrom(...KEY_NATIVES), { maxLength: 2 }),
  cols: fc.array(fc.tuple(valueTypeArb(2, true), fc.boolean()), { maxLength: 6 }),
  names: fc.uniqueArray(NAME, { minLength: 10, maxLength: 10 }),
}).map(({ pk, ck, cols, names }): TableSchema => {
  const name = (i: number): string => names[i] ?? `c${i}`;
  let i = 0;
  const def = (type: CqlType, kind: ColumnDef['kind'], position: number): ColumnDef => ({ name: name(i++), type, kind, position });
  return {
    keyspace: 'ks', table: 't', id: null, flavour: 'cql', isCounter: false, dropped: new Map(),
    partitionKey: pk.map((n, p) => def({ kind: 'native', name: n }, 'partition_key', p)),
    clustering: ck.map((n, p) => def({ kind: 'native', name: n }, 'clustering', p)),
    columns: cols.map(([t, isStatic]) => def(t, isStatic && ck.length > 0 ? 'static' : 'regular', -1)),
  };
});

const SPECIAL_TEXT = fc.constantFrom('', 'NULL', '\\N', '"', ',', ';', '\t', '|', '\n', '\r\n', ' x ', 'a""b', '0', 'NaN', '0x', '-', 'ü,"€"', '\u2028', '\u0001\u001f\\');

/** Text bytes that are not what the decoder gives back: invalid UTF-8 and a leading BOM. */
const ODD_TEXT = fc.constantFrom(
  Uint8Array.of(0xef, 0xbb, 0xbf, 0x41, 0x2c), Uint8Array.of(0xef, 0xbb, 0xbf), Uint8Array.of(0x41, 0xef, 0xbb, 0xbf),
  Uint8Array.of(0xff), Uint8Array.of(0x61, 0xc3), Uint8Array.of(0xed, 0xa0, 0x80, 0x22), Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
  Uint8Array.of(0xe0, 0x80, 0xaf), Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xf0, 0x9f, 0x98, 0x80, 0x2c),
);

function rowArb(schema: TableSchema): fc.Arbitrary<{ json: JsonRow; raw: Map<string, Uint8Array> }> {
  const all = [...schema.partitionKey, ...schema.clustering, ...schema.columns];
  const entries = all.map((c) => {
    const isText = c.type.kind === 'native' && (c.type.name === 'text' || c.type.name === 'ascii');
    const base = isText ? fc.oneof(valueArb(c.type), SPECIAL_TEXT) : valueArb(c.type);
    const v = c.kind === 'partition_key' ? base : fc.option(base, { nil: null, freq: 4 });
    return [c.name, v] as const;
  });
  const textCols = all.filter((c) => c.type.kind === 'native' && (c.type.name === 'text' || c.type.name === 'ascii')).map((c) => c.name);
  const raw = textCols.length === 0
    ? fc.constant(new Map<string, Uint8Array>())
    : fc.array(fc.tuple(fc.constantFrom(...textCols), ODD_TEXT), { maxLength: 2 }).map((xs) => new Map(xs));
  return fc.record({ json: fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<JsonValue>>), raw: fc.oneof({ weight: 4, arbitrary: fc.constant(new Map<string, Uint8Array>()) }, raw) });
}

const optsArb: fc.Arbitrary<ExportOptions> = fc.record({
  csv: fc.record({
    delimiter: fc.constantFrom(',', ';', '\t', '|', '-', '.', ':', ' ', '0', '1', 'a', 'e', 'x', 'N', 'T', 'Z', '§'),
    rowDelimiter: fc.constantFrom('\n' as const, '\r\n' as const),
    nullMarker: fc.constantFrom('\\N', 'NULL', '', '0', 'NaN', '0x', '-1', 'null', 'ø'),
    quoteAll: fc.boolean(),
  }),
  types: fc.record({
    blobAs: fc.constantFrom('STRING' as const, 'BYTE' as const, 'BLOB' as const),
    blobHexPrefix: fc.boolean(),
    decimalAs: fc.constantFrom('STRING' as const, 'NUMERIC' as const),
    decimalScale: fc.constantFrom(0, 10, 31),
    varintAs: fc.constantFrom('STRING' as const, 'NUMERIC' as const),
    timeAs: fc.constantFrom('STRING' as const, 'TIME' as const),
    timestampFormat: fc.constantFrom('space' as const, 'iso' as const),
    dateFormatField: fc.boolean(),
    booleanText: fc.constantFrom<readonly [string, string]>(['true', 'false'], ['1', '0'], ['t', 'f'], ['ja', 'nein'], ['✓', '✗']),
    jsonAs: fc.constantFrom('CLOB' as const, 'STRING' as const),
  }),
}).filter((p: PartialExportOptions) => {
  try {
    resolveExportOptions(p);
    return true;
  } catch {
    return false;
  }
}).map((p) => resolveExportOptions(p));

describe('csvBatchEncoder = csvRowEncoder (property)', () => {
  it('same bytes and stats for random schemas, rows, options and cell shapes', () => {
    const arb = fc.tuple(schemaArb, optsArb).chain(([schema, o]) => fc.tuple(
      fc.constant(schema), fc.constant(o),
      fc.array(fc.array(rowArb(schema), { maxLength: 5 }), { maxLength: 3 }),
      fc.constantFrom<Shape>(plain, viewShape(0), viewShape(3)),
    ));
    fc.assert(fc.property(arb, ([schema, o, batches, shape]) => {
      expectSame(schema, o, batches.map((b) => b.map((r) => cqlRow(schema, r.json, shape, r.raw))));
    }), { numRuns: 600 });
  });
});

const table = (cql: string, udts = ''): TableSchema =>
  parseCqlSchema(`${udts} CREATE TABLE ks.t ${cql};`, { defaultKeyspace: 'ks' }).tables[0] as TableSchema;

const be = (bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const i64 = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v);
  return b;
};

describe('edge values', () => {
  const types = ['int', 'smallint', 'tinyint', 'bigint', 'varint', 'decimal', 'float', 'double', 'boolean', 'uuid', 'timeuuid', 'inet',
    'timestamp', 'date', 'time', 'duration', 'blob', 'text', 'ascii', 'frozen<list<int>>', 'frozen<map<text, double>>', 'tuple<int, text>'];
  const raws: Uint8Array[] = [
    be([]), be([0]), be([0xff]), be([0x80, 0]), be([0x7f, 0xff, 0xff, 0xff]), be([0x80, 0, 0, 0]), be([1, 2, 3]),
    i64(0n), i64(-1n), i64(1n << 53n), i64(-(1n << 53n)), i64((1n << 63n) - 1n), i64(-(1n << 63n)), i64(86399999999999n), i64(86400000000000n),
    i64(253402300800000n), i64(-62167219200001n), i64(-62135596800000n), i64(1700000000123n), be([0x80, 0, 0, 0, 0, 0, 0, 0, 0]),
    be([0, 0, 0, 2, 0x30, 0x39]), be([0xff, 0xff, 0xff, 0xfe, 0x01]), be(new Array<number>(16).fill(0xab)),
    be([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]), be([0x7f, 0xf0, 0, 0, 0, 0, 0, 0]), be([0x7f, 0xf8, 0, 0, 0, 0, 0, 1]),
    be([0x80, 0, 0, 0, 0, 0, 0, 0]), be([0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]), be([0x7f, 0x80, 0, 0]), be([0x3d, 0xcc, 0xcc, 0xcd]),
    be([0xef, 0xbb, 0xbf, 0x61]), be([0x22, 0x2c, 0x0a]), be([0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7]), be([0, 1, 0, 2, 0, 7]),
    be([0, 0, 0, 1, 0, 0, 0, 1, 0x61, 0, 0, 0, 8, 0x80, 0, 0, 0, 0, 0, 0, 0]), be([0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]),
    be([0x7f, 0xff, 0xff, 0xff]), be([0x80, 0, 0, 0]), be([0x00, 0x7f, 0xff, 0xff]),
  ];
  for (const type of types) {
    it(`${type}: every raw value renders or fails as csv.ts does, in every option set`, () => {
      const schema = table(`(k int, c ${type.startsWith('tuple') || type.startsWith('frozen') ? 'int' : type}, v ${type}, PRIMARY KEY (k, c))`);
      for (const o of [resolveExportOptions(), resolveExportOptions({ csv: { delimiter: '-', nullMarker: '0', quoteAll: true }, types: { blobAs: 'BYTE', timestampFormat: 'iso', varintAs: 'STRING' } }),
        resolveExportOptions({ csv: { delimiter: '.', nullMarker: '' }, types: { blobAs: 'BLOB', blobHexPrefix: true } })]) {
        for (const r of raws) {
          for (const shape of [plain, viewShape(2)]) {
            const row: CqlRow = { partitionKey: be([0, 0, 0, 1]), clustering: [type.startsWith('tuple') || type.startsWith('frozen') ? be([0, 0, 0, 2]) : r], values: [shape(0, null, r)] };
            expectSame(schema, o, [[row]]);
          }
        }
      }
    });
  }

  it('composite partition keys: missing, extra and malformed components', () => {
    const schema = table('(a int, b text, v int, PRIMARY KEY ((a, b)))');
    const o = resolveExportOptions();
    const keys = [buildComposite([be([0, 0, 0, 1]), te.encode('x,y')]), buildComposite([be([0, 0, 0, 1])]), buildComposite([be([0, 0, 0, 1]), be([]), be([9])]),
      be([0, 4, 0, 0, 0, 1]), be([0]), be([])];
    for (const k of keys) expectSame(schema, o, [[{ partitionKey: k, clustering: [], values: [null] }]]);
  });

  it('rows of one partition: the key text written once and copied, stats counted per row', () => {
    const o = resolveExportOptions({ csv: { nullMarker: 'NA' } });
    const simpleKey = table('(k text, c int, v int, PRIMARY KEY (k, c))');
    const compositeKey = table('(a text, b text, c int, v int, PRIMARY KEY ((a, b), c))');
    const row = (k: Uint8Array, c: number): CqlRow => ({ partitionKey: k, clustering: [be([0, 0, 0, c])], values: [plain(0, null, be([0, 0, 0, c]))] });
    for (const [schema, keys] of [
      [simpleKey, [te.encode('NA'), be([]), te.encode('a,"b"'), te.encode('x')]],
      [compositeKey, [buildComposite([te.encode('NA'), be([])]), buildComposite([te.encode('q"'), te.encode('NA')]), buildComposite([te.encode('x')])]],
    ] as const) {
      const shared = keys.map((k) => [row(k, 1), row(k, 2), row(Uint8Array.from(k), 3)]).flat();
      // the same key again after another one, in a later batch, and a key that is a prefix of the previous
      expectSame(schema, o, [shared, shared.slice(0, 2), [row(te.encode('xy'), 4), row(te.encode('x'), 5)]]);
    }
  });

  it('collection cells in a simple column and simple cells in a collection column', () => {
    const schema = table('(k int PRIMARY KEY, s int, l list<int>, u frozen<list<int>>)');
    const o = resolveExportOptions();
    const c = plain(0, null, be([0, 0, 0, 1]));
    expectSame(schema, o, [[{ partitionKey: be([0, 0, 0, 1]), clustering: [], values: [null, { kind: 'complex', cells: [c] }, null] }]]);
    expectSame(schema, o, [[{ partitionKey: be([0, 0, 0, 1]), clustering: [], values: [plain(0, null, be([0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 5])), null, null] }]]);
    expectSame(schema, o, [[{ partitionKey: be([0, 0, 0, 1]), clustering: [], values: [{ kind: 'complex', cells: [] }, null, null] }]]);
  });

  it('non-frozen UDTs and nested collections take the string path', () => {
    const schema = table('(k int PRIMARY KEY, a addr, m map<text, frozen<list<text>>>)', 'CREATE TYPE ks.addr (street text, zip int);');
    const o = resolveExportOptions();
    const row = cqlRow(schema, { k: 1, a: { street: 'Main "1"', zip: null }, m: [['x', ['a', 'b,c']], ['y', []]] }, viewShape(1));
    expectSame(schema, o, [[row, row]]);
  });
});

describe('ByteWriter', () => {
  it('writes doubles exactly as String(v) (and -0 as "-0")', () => {
    const w = new ByteWriter(byteClasses(0x2c));
    const check = (v: number): void => {
      w.pos = 0;
      w.double(v);
      expect(Buffer.from(w.buf.subarray(0, w.pos)).toString('latin1')).toBe(Object.is(v, -0) ? '-0' : String(v));
    };
    fc.assert(fc.property(fc.oneof(
      fc.double(),
      fc.integer({ min: -1e8, max: 1e8 }).map((n) => n / 100),
      fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 12 })).map(([m, k]) => m / 10 ** k),
      fc.tuple(fc.double({ min: 1e-7, max: 1e16 }), fc.integer({ min: 1, max: 17 })).map(([v, p]) => Number(v.toPrecision(p))),
    ), (v) => check(v)), { numRuns: 20000 });
    for (const v of [0.1, 0.3, 1e-6, 1e-7, 9.99e14, 1e15, 999999999999999.9, 4688.33, -0, 5e-324, 1.7976931348623157e308]) check(v);
  });

  it('grows its buffer and hands out fresh arrays', () => {
    const w = new ByteWriter(byteClasses(0x2c), 4);
    w.string('héllo, wörld 😀 \ud800');
    const a = w.take();
    expect(Buffer.from(a).toString()).toBe('héllo, wörld 😀 \ufffd');
    w.ascii('x');
    expect(Buffer.from(w.take()).toString()).toBe('x');
    expect(Buffer.from(a).toString()).toBe('héllo, wörld 😀 \ufffd');
    // shared: in a SharedArrayBuffer of exactly its size, for a worker to post without a copy
    w.ascii('yz');
    const s = w.take(true);
    expect(s.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(s.buffer.byteLength).toBe(2);
    expect(Buffer.from(s).toString()).toBe('yz');
    expect(w.take().length).toBe(0);
  });

  it('hands out the records in a SharedArrayBuffer when asked, in the string path too', () => {
    const schema = parseCqlSchema('CREATE TABLE ks.t (k int PRIMARY KEY, v text);').tables[0] as TableSchema;
    const rows: CqlRow[] = [{ partitionKey: new Uint8Array([0, 0, 0, 7]), clustering: [], values: [null, { column: 1, timestamp: 1n, ttl: 0, localDeletionTime: NO_DELETION_TIME, value: te.encode('a,b'), path: null }] }];
    // a non-ASCII delimiter takes the string encoder (viaStrings)
    for (const o of [resolveExportOptions(), resolveExportOptions({ csv: { delimiter: '§' } })]) {
      const enc = csvBatchEncoder(schema, o);
      const plain = enc.encode(rows);
      enc.append(rows, new Uint32Array(1), 0);
      const shared = enc.take(true);
      expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Buffer.from(shared).equals(Buffer.from(plain))).toBe(true);
    }
  });
});
