import { describe, expect, it } from 'vitest';
import { dynamoRowChecker, numberShape, numberSize, type DynamoProblemCode } from '../../src/export/dynamo-limits.js';
import { dynamoKeyPlan } from '../../src/export/dynamo-keys.js';
import type { JsonRow } from '../../src/export/json-row.js';
import { resolveExportOptions, type PartialExportOptions } from '../../src/export/options.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';

const table = (cql: string): TableSchema => parseCqlSchema(cql, { defaultKeyspace: 'ks' }).tables[0] as TableSchema;
const codes = (cql: string, row: JsonRow, opts: PartialExportOptions = {}): DynamoProblemCode[] =>
  dynamoRowChecker(table(cql), resolveExportOptions(opts))(row).map((p) => p.code);

describe('numbers as DynamoDB sees them', () => {
  it('counts significant digits and the decimal exponent', () => {
    expect(numberShape('123.45')).toEqual({ digits: 5, exponent: 2 });
    expect(numberShape('-0.00120')).toEqual({ digits: 2, exponent: -3 });
    expect(numberShape('1e+21')).toEqual({ digits: 1, exponent: 21 });
    expect(numberShape('1E+3')).toEqual({ digits: 1, exponent: 3 });
    expect(numberShape('0')).toEqual({ digits: 0, exponent: 0 });
    expect(numberShape('abc')).toBeNull();
    expect(numberSize('12345')).toBe(4);
  });
});

describe('dynamoRowChecker', () => {
  const simple = 'CREATE TABLE ks.t (k int PRIMARY KEY, v text, n varint, d double, b blob)';

  it('accepts an ordinary row', () => {
    expect(codes(simple, { k: 1, v: 'x', n: '5', d: 1.5, b: '0x00' })).toEqual([]);
  });

  it('reports numbers DynamoDB cannot hold', () => {
    expect(codes(simple, { k: 1, n: '1'.repeat(39) })).toEqual(['NUMBER_PRECISION']);
    expect(codes(simple, { k: 1, n: '1' + '0'.repeat(126) })).toEqual(['NUMBER_RANGE']);
    expect(codes(simple, { k: 1, d: 1e-131 })).toEqual(['NUMBER_RANGE']);
    expect(codes(simple, { k: 1, d: 'NaN' })).toEqual(['NUMBER_NOT_FINITE']);
    expect(codes(simple, { k: 1, d: '' })).toEqual(['NUMBER_INVALID']);
    expect(codes(simple, { k: 1, n: '1'.repeat(39) }, { types: { varintAs: 'STRING' } })).toEqual([]);
  });

  it('reports items over 400 KB, counting names and values', () => {
    expect(codes(simple, { k: 1, v: 'x'.repeat(400 * 1024 - 20) })).toEqual([]);
    expect(codes(simple, { k: 1, v: 'x'.repeat(400 * 1024) })).toEqual(['ITEM_TOO_LARGE']);
    expect(codes(simple, { k: 1, v: '€'.repeat(140000) })).toEqual(['ITEM_TOO_LARGE']);
  });

  it('reports key problems', () => {
    const ck = 'CREATE TABLE ks.t (k text, c text, s int static, PRIMARY KEY (k, c))';
    expect(codes(ck, { k: 'a', c: 'b' })).toEqual([]);
    expect(codes(ck, { k: '', c: 'b' })).toEqual(['KEY_EMPTY']);
    expect(codes(ck, { k: 'a', c: null, s: 1 })).toEqual(['KEY_NULL']);
    expect(codes(ck, { k: 'a'.repeat(2049), c: 'b' })).toEqual(['KEY_TOO_LONG']);
    expect(codes(ck, { k: 'a', c: 'b'.repeat(1025) })).toEqual(['KEY_TOO_LONG']);
    expect(codes('CREATE TABLE ks.t (k boolean PRIMARY KEY, v int)', { k: true })).toEqual(['KEY_TYPE']);
  });

  it('reports composite key components holding the separator', () => {
    const comp = 'CREATE TABLE ks.t (a text, b text, c int, d int, PRIMARY KEY ((a, b), c, d))';
    expect(codes(comp, { a: 'x', b: 'y', c: 1, d: 2 })).toEqual([]);
    expect(codes(comp, { a: 'x#y', b: 'z', c: 1, d: 2 })).toEqual(['KEY_SEPARATOR']);
    expect(codes(comp, { a: 'x#y', b: 'z', c: 1, d: 2 }, { keys: { separator: '|' } })).toEqual([]);
  });
});

describe('dynamoKeyPlan', () => {
  const o = resolveExportOptions();
  it('keeps single-column keys and joins composite ones', () => {
    const p = dynamoKeyPlan(table('CREATE TABLE ks.t (a text, b int, c int, d int, PRIMARY KEY ((a, b), c, d))'), o.keys);
    expect(p.partitionKey).toEqual({ name: 'pk', columns: ['a', 'b'], template: '${a}#${b}' });
    expect(p.sortKey).toEqual({ name: 'sk', columns: ['c', 'd'], template: '${c}#${d}' });
    expect(p.explicit).toBe(true);
    const s = dynamoKeyPlan(table('CREATE TABLE ks.t (a text PRIMARY KEY, v int)'), o.keys);
    expect(s).toMatchObject({ partitionKey: { name: 'a', template: '${a}' }, sortKey: null, explicit: false });
  });

  it('refuses a composite key name that is also a column', () => {
    expect(() => dynamoKeyPlan(table('CREATE TABLE ks.t (a text, b int, pk int, PRIMARY KEY ((a, b)))'), o.keys)).toThrow(/also a column/);
  });
});
