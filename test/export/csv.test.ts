import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRowEncoder, fieldQuoter, utf8Length } from '../../src/export/csv.js';
import { csvTableParser, type EtdTable } from '../../src/export/csv-parse.js';
import { endpointSettings, tableDefinition } from '../../src/export/dms-json.js';
import { jsonRowRenderer, type JsonRow } from '../../src/export/json-row.js';
import { resolveExportOptions, type PartialExportOptions } from '../../src/export/options.js';
import type { CqlRow, LiveValue } from '../../src/merge/rows.js';
import type { ColumnDef, TableSchema } from '../../src/schema/model.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import { buildComposite } from '../../src/sstable/composite.js';
import { NO_DELETION_TIME, type Cell } from '../../src/sstable/model.js';
import { encodeJson, isMultiCell, type CqlType, type JsonValue } from '../../src/sstable/types/index.js';
import { valueArb, valueTypeArb, VALUE_NATIVES } from '../sstable/types/arbitraries.js';

/** A CqlRow holding `json` (by the Value conventions) for `schema`; frozen or multi-cell values. */
function cqlRow(schema: TableSchema, json: JsonRow): CqlRow {
  const enc = (c: ColumnDef): Uint8Array | null => {
    const v = json[c.name];
    return v === null || v === undefined ? null : encodeJson(c.type, v);
  };
  const pk = schema.partitionKey.map((c) => enc(c) ?? new Uint8Array(0));
  return {
    partitionKey: pk.length === 1 ? (pk[0] as Uint8Array) : buildComposite(pk),
    clustering: schema.clustering.map(enc),
    values: schema.columns.map((c, column): LiveValue | null => {
      const v = json[c.name];
      if (v === null || v === undefined) return null;
      if (!isMultiCell(c.type)) return cell(column, null, encodeJson(c.type, v));
      return { kind: 'complex', cells: cellsOf(c.type, v).map((x) => cell(column, x.path, x.value)) };
    }),
  };
}

function cell(column: number, path: Uint8Array | null, value: Uint8Array): Cell {
  return { column, path, timestamp: 1n, ttl: 0, localDeletionTime: NO_DELETION_TIME, value };
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
  throw new Error(`no cells for ${t.kind}`);
}

const OPTS = resolveExportOptions();

/** The CSV field of `value` in a one-column table `k int PRIMARY KEY, v <type>`. */
function field(type: string, value: JsonValue, opts: PartialExportOptions = {}, udts = ''): { text: string; back: JsonValue; stats: ReturnType<typeof csvRowEncoder>['stats'] } {
  const schema = parseCqlSchema(`${udts} CREATE TABLE ks.t (k int PRIMARY KEY, v ${type});`, { defaultKeyspace: 'ks' }).tables[0] as TableSchema;
  const o = resolveExportOptions(opts);
  const enc = csvRowEncoder(schema, o);
  const line = enc(cqlRow(schema, { k: 1, v: value }));
  const key = (o.csv.quoteAll ? '"1"' : '1') + o.csv.delimiter;
  expect(line.startsWith(key)).toBe(true);
  expect(line.endsWith(o.csv.rowDelimiter)).toBe(true);
  const etd = tableDefinition([{ schema, files: [], stats: enc.stats }], o);
  const parse = csvTableParser((etd['Tables'] as EtdTable[])[0] as EtdTable, endpointSettings(etd, o));
  const back = parse(line)[0]?.['v'];
  return { text: line.slice(key.length, -o.csv.rowDelimiter.length), back: back === undefined ? 'MISSING' : back, stats: enc.stats };
}

describe('CSV rendering per CQL type', () => {
  it.each<[string, JsonValue, string]>([
    ['text', 'plain', 'plain'],
    ['text', 'a,b', '"a,b"'],
    ['text', 'say "hi"', '"say ""hi"""'],
    ['text', 'two\nlines\r\n', '"two\nlines\r\n"'],
    ['text', '', '""'],
    ['text', null, '\\N'],
    ['text', 'NULL', 'NULL'],
    ['text', 'ü€😀', 'ü€😀'],
    ['ascii', 'x y', 'x y'],
    ['blob', '0x', '0x'],
    ['blob', '0x00ff10', '0x00ff10'],
    ['int', -2147483648, '-2147483648'],
    ['int', '', '""'],
    ['smallint', 32767, '32767'],
    ['tinyint', -1, '-1'],
    ['bigint', '-9223372036854775808', '-9223372036854775808'],
    ['varint', '123456789012345678901234567890123456789012345', '123456789012345678901234567890123456789012345'],
    ['decimal', '10.0000000000000', '10.0000000000000'],
    ['decimal', '1E+3', '1E+3'],
    ['float', 100000, '100000'],
    ['float', 0.1, '0.1'],
    ['float', 'NaN', 'NaN'],
    ['double', 'Infinity', 'Infinity'],
    ['double', '-Infinity', '-Infinity'],
    ['double', -0, '-0'],
    ['double', 1e300, '1e+300'],
    ['boolean', true, 'true'],
    ['boolean', false, 'false'],
    ['boolean', '', '""'],
    ['uuid', '5b1f0c2e-8a8e-4a57-9d55-0d6c1b7b9a11', '5b1f0c2e-8a8e-4a57-9d55-0d6c1b7b9a11'],
    ['timeuuid', '50554d6e-29bb-11e5-b345-feff819cdc9f', '50554d6e-29bb-11e5-b345-feff819cdc9f'],
    ['inet', '127.0.0.1', '127.0.0.1'],
    ['inet', '0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1'],
    ['timestamp', '2015-05-01T09:30:54.234Z', '2015-05-01 09:30:54.234'],
    ['timestamp', '1969-12-31T23:59:59.999Z', '1969-12-31 23:59:59.999'],
    ['timestamp', '-0001-01-01T00:00:00.000Z', '-0001-01-01 00:00:00.000'],
    ['date', '1900-02-28', '1900-02-28'],
    ['time', '01:02:03.000000004', '01:02:03.000000004'],
    ['duration', '1h4m48s20ms', '1h4m48s20ms'],
    ['frozen<list<text>>', ['a', 'b,"c"'], '"[""a"",""b,\\""c\\""""]"'],
    ['frozen<list<int>>', '', '""'],
    ['set<int>', [1, 2], '"[1,2]"'],
    ['map<text, double>', [['x', 'NaN'], ['y', 1.5]], '"[[""x"",""NaN""],[""y"",1.5]]"'],
    ['frozen<tuple<int, text>>', [1, null], '"[1,null]"'],
  ])('%s %j -> %s', (type, value, text) => {
    const r = field(type, value);
    expect(r.text).toBe(text);
    expect(r.back).toEqual(value);
  });

  it('renders UDTs as JSON objects with every field', () => {
    const r = field('frozen<addr>', { street: 'Main "1"', zip: null }, {}, 'CREATE TYPE ks.addr (street text, zip int);');
    expect(r.text).toBe('"{""street"":""Main \\""1\\"""",""zip"":null}"');
    expect(r.back).toEqual({ street: 'Main "1"', zip: null });
  });

  it('quotes text equal to the null marker and counts it', () => {
    const r = field('text', '\\N');
    expect(r.text).toBe('"\\N"');
    expect(r.back).toBe('\\N');
    expect(r.stats.markerCollisions).toBe(1);
    const n = field('text', 'NULL', { csv: { nullMarker: 'NULL' } });
    expect(n.text).toBe('"NULL"');
    expect(n.back).toBe('NULL');
    expect(field('text', null, { csv: { nullMarker: 'NULL' } }).text).toBe('NULL');
  });

  it('keeps NULL and "" apart with an empty null marker', () => {
    const o = { csv: { nullMarker: '' } };
    expect(field('text', null, o)).toMatchObject({ text: '', back: null });
    expect(field('text', '', o)).toMatchObject({ text: '""', back: '' });
    expect(field('int', '', o)).toMatchObject({ text: '""', back: '' });
  });

  it('counts zero-length values of types without an empty form', () => {
    expect(field('int', '').stats.zeroLengthValues).toBe(1);
    expect(field('text', '').stats.zeroLengthValues).toBe(0);
  });

  it('tracks the longest field in UTF-8 bytes', () => {
    expect(field('text', 'ü€😀').stats.maxBytes).toEqual([1, 9]);
    expect(utf8Length('aü€😀')).toBe(Buffer.byteLength('aü€😀'));
  });

  it('follows the type options', () => {
    expect(field('blob', '0xcafe', { types: { blobAs: 'BYTE' } })).toMatchObject({ text: 'cafe', back: '0xcafe' });
    expect(field('blob', '0x', { types: { blobAs: 'BYTE' } })).toMatchObject({ text: '""', back: '0x' });
    expect(field('blob', '0xcafe', { types: { blobAs: 'BLOB', blobHexPrefix: true } })).toMatchObject({ text: '0xcafe', back: '0xcafe' });
    expect(field('timestamp', '1950-01-01T00:00:00.001Z', { types: { timestampFormat: 'iso' } }))
      .toMatchObject({ text: '1950-01-01T00:00:00.001Z', back: '1950-01-01T00:00:00.001Z' });
    expect(field('boolean', true, { types: { booleanText: ['1', '0'] } })).toMatchObject({ text: '1', back: true });
    expect(field('boolean', false, { types: { booleanText: ['t', 'f'] } })).toMatchObject({ text: 'f', back: false });
    expect(field('time', '23:59:59.999999999', { types: { timeAs: 'TIME' } })).toMatchObject({ text: '23:59:59.999999999' });
    expect(field('decimal', '-0.00100', { types: { decimalAs: 'NUMERIC' } })).toMatchObject({ text: '-0.00100', back: '-0.00100' });
    expect(field('text', 'a;b', { csv: { delimiter: ';' } }).text).toBe('"a;b"');
    expect(field('text', 'a,b', { csv: { delimiter: ';' } }).text).toBe('a,b');
    expect(field('text', 'x', { csv: { quoteAll: true, rowDelimiter: '\r\n' } })).toMatchObject({ text: '"x"', back: 'x' });
  });

  it('rejects ambiguous options', () => {
    expect(() => resolveExportOptions({ csv: { delimiter: '"' } })).toThrow(/delimiter/);
    expect(() => resolveExportOptions({ csv: { delimiter: ';;' } })).toThrow(/delimiter/);
    expect(() => resolveExportOptions({ csv: { nullMarker: 'a,b' } })).toThrow(/nullMarker/);
    expect(() => resolveExportOptions({ types: { booleanText: ['x', 'x'] } })).toThrow(/booleanText/);
    expect(() => resolveExportOptions({ csv: { nullMarker: '0' }, types: { booleanText: ['1', '0'] } })).toThrow(/booleanText/);
  });

  it('quotes per RFC 4180 only where needed', () => {
    const q = fieldQuoter(OPTS.csv);
    expect(q('a b')).toBe('a b');
    expect(q('a\rb')).toBe('"a\rb"');
    expect(q('"')).toBe('""""');
  });

  it('writes columns in SELECT * order with composite partition keys and clustering', () => {
    const schema = parseCqlSchema('CREATE TABLE ks.t (b int, a text, z int, y text, c timestamp, PRIMARY KEY ((b, a), c));').tables[0] as TableSchema;
    const enc = csvRowEncoder(schema, OPTS);
    const line = enc(cqlRow(schema, { b: 1, a: 'x', c: '2020-01-01T00:00:00.000Z', y: null, z: 3 }));
    expect(line).toBe('1,x,2020-01-01 00:00:00.000,\\N,3\n');
    expect(enc.stats.rows).toBe(1);
  });
});

const NAME = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);

const schemaArb = fc.record({
  pk: fc.array(fc.constantFrom(...VALUE_NATIVES.filter((n) => n !== 'duration')), { minLength: 1, maxLength: 2 }),
  ck: fc.array(fc.constantFrom(...VALUE_NATIVES.filter((n) => n !== 'duration')), { maxLength: 2 }),
  cols: fc.array(fc.tuple(valueTypeArb(2, false), fc.boolean()), { maxLength: 6 }),
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

const SPECIAL_TEXT = fc.constantFrom('', 'NULL', '\\N', '"', ',', ';', '\t', '|', '\n', '\r\n', ' x ', 'a""b');

function rowArb(schema: TableSchema): fc.Arbitrary<JsonRow> {
  const entries = [...schema.partitionKey, ...schema.clustering, ...schema.columns].map((c) => {
    const isText = c.type.kind === 'native' && (c.type.name === 'text' || c.type.name === 'ascii');
    const base = isText ? fc.oneof(valueArb(c.type), SPECIAL_TEXT) : valueArb(c.type);
    const v = c.kind === 'partition_key' ? base : fc.option(base, { nil: null, freq: 4 });
    return [c.name, v] as const;
  });
  return fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<JsonValue>>);
}

const optsArb = fc.record({
  csv: fc.record({
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    rowDelimiter: fc.constantFrom('\n' as const, '\r\n' as const),
    nullMarker: fc.constantFrom('\\N', 'NULL', ''),
    quoteAll: fc.boolean(),
  }),
  types: fc.record({
    blobAs: fc.constantFrom('STRING' as const, 'BYTE' as const, 'BLOB' as const),
    blobHexPrefix: fc.boolean(),
    decimalAs: fc.constantFrom('STRING' as const, 'NUMERIC' as const),
    varintAs: fc.constantFrom('STRING' as const, 'NUMERIC' as const),
    timeAs: fc.constantFrom('STRING' as const, 'TIME' as const),
    timestampFormat: fc.constantFrom('space' as const, 'iso' as const),
    booleanText: fc.constantFrom<readonly [string, string]>(['true', 'false'], ['1', '0'], ['t', 'f']),
    etdStringValues: fc.boolean(),
  }),
});

describe('CSV round trip (property)', () => {
  it('parse(encode(rows)) with only the table definition equals the JSON rows', () => {
    const arb = fc.tuple(schemaArb, optsArb).chain(([schema, opts]) => fc.tuple(fc.constant(schema), fc.constant(opts), fc.array(rowArb(schema), { maxLength: 8 })));
    fc.assert(fc.property(arb, ([schema, opts, rows]) => {
      const o = resolveExportOptions(opts);
      const enc = csvRowEncoder(schema, o);
      const cqlRows = rows.map((r) => cqlRow(schema, r));
      const expected = cqlRows.map(jsonRowRenderer(schema));
      const text = cqlRows.map(enc).join('');
      const etd = tableDefinition([{ schema, files: [], stats: enc.stats }], o);
      const parse = csvTableParser((etd['Tables'] as EtdTable[])[0] as EtdTable, endpointSettings(etd, o));
      expect(parse(text)).toEqual(expected);
    }), { numRuns: 300 });
  });
});
