import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fixedLength, formatCqlType, formatMarshalType, parseMarshalType,
} from '../../../src/sstable/types/index.js';
import type { CqlType } from '../../../src/sstable/types/model.js';
import { valueTypeArb } from './arbitraries.js';

const P = 'org.apache.cassandra.db.marshal.';
const int: CqlType = { kind: 'native', name: 'int' };
const text: CqlType = { kind: 'native', name: 'text' };

describe('parseMarshalType', () => {
  it('reads native classes with or without the package, ignoring blanks', () => {
    expect(parseMarshalType('Int32Type')).toEqual(int);
    expect(parseMarshalType(` ${P}UTF8Type\n`)).toEqual(text);
    expect(parseMarshalType('')).toEqual({ kind: 'native', name: 'blob' });
    expect(parseMarshalType('  ')).toEqual({ kind: 'native', name: 'blob' });
    expect(parseMarshalType('DateType')).toEqual({ kind: 'native', name: 'timestamp' });
    expect(parseMarshalType('TimestampType')).toEqual({ kind: 'native', name: 'timestamp' });
    expect(parseMarshalType('LexicalUUIDType')).toEqual({ kind: 'native', name: 'uuid' });
    expect(parseMarshalType('EmptyType')).toEqual({ kind: 'native', name: 'empty' });
    expect(parseMarshalType('CounterColumnType')).toEqual({ kind: 'native', name: 'counter' });
    expect(parseMarshalType('SimpleDateType')).toEqual({ kind: 'native', name: 'date' });
    expect(parseMarshalType('LongType(reversed=true)')).toEqual({ kind: 'reversed', base: { kind: 'native', name: 'bigint' } });
  });

  it('reads collections, frozen wrappers and nested freezing', () => {
    expect(parseMarshalType('ListType(Int32Type)')).toEqual({ kind: 'list', element: int, frozen: false });
    expect(parseMarshalType(`${P}FrozenType(${P}MapType(${P}UTF8Type, ${P}ListType(${P}Int32Type)))`)).toEqual({
      kind: 'map', key: text, value: { kind: 'list', element: int, frozen: true }, frozen: true,
    });
    expect(parseMarshalType('SetType(FrozenType(ListType(Int32Type)))')).toEqual({
      kind: 'set', element: { kind: 'list', element: int, frozen: true }, frozen: false,
    });
    expect(parseMarshalType('ReversedType(FrozenType(ListType(Int32Type)))')).toEqual({
      kind: 'reversed', base: { kind: 'list', element: int, frozen: true },
    });
    expect(parseMarshalType('TupleType(Int32Type,SetType(UTF8Type))')).toEqual({
      kind: 'tuple', elements: [int, { kind: 'set', element: text, frozen: true }],
    });
  });

  it('reads UDTs with hex names (bare = non-frozen, pitfall P6)', () => {
    const s = 'UserType(sina_test,61646472657373,63697479:UTF8Type,7a6970:SetType(Int32Type))';
    const udt = {
      kind: 'udt', keyspace: 'sina_test', name: 'address',
      fields: [{ name: 'city', type: text }, { name: 'zip', type: { kind: 'set', element: int, frozen: true } }],
    };
    expect(parseMarshalType(s)).toEqual({ ...udt, frozen: false });
    expect(parseMarshalType(`FrozenType(${s})`)).toEqual({ ...udt, frozen: true });
    expect(parseMarshalType(`SetType(${s})`)).toEqual({ kind: 'set', element: { ...udt, frozen: true }, frozen: false });
  });

  it('reads composite, dynamic composite, column-to-collection and custom classes', () => {
    expect(parseMarshalType('CompositeType(Int32Type,ReversedType(UTF8Type))')).toEqual({
      kind: 'composite', components: [int, { kind: 'reversed', base: text }],
    });
    expect(parseMarshalType('DynamicCompositeType(a=>AsciiType,b=>BytesType)')).toEqual({
      kind: 'dynamicComposite', aliases: new Map([['a', { kind: 'native', name: 'ascii' }], ['b', { kind: 'native', name: 'blob' }]]),
    });
    expect(parseMarshalType('CompositeType(UTF8Type,ColumnToCollectionType(6d:MapType(Int32Type,UTF8Type)))')).toEqual({
      kind: 'composite',
      components: [text, { kind: 'columnToCollection', columns: new Map([['6d', { kind: 'map', key: int, value: text, frozen: false }]]) }],
    });
    expect(parseMarshalType('com.example.Foo')).toEqual({ kind: 'custom', className: 'com.example.Foo' });
    expect(parseMarshalType('NoSuchType')).toEqual({ kind: 'custom', className: `${P}NoSuchType` });
    expect(parseMarshalType('PartitionerDefinedOrder( org.apache.cassandra.dht.Murmur3Partitioner )')).toEqual({
      kind: 'custom', className: `${P}PartitionerDefinedOrder(org.apache.cassandra.dht.Murmur3Partitioner)`,
    });
  });

  it('rejects malformed strings with E_BAD_TYPE naming the string and position', () => {
    const bad = ['ListType(Int32Type', 'ListType(Int32Type,UTF8Type)', 'MapType(Int32Type)', 'Int32Type)', 'ListType(Int32Type UTF8Type)',
      'UserType(ks,zz,61:Int32Type)', 'DynamicCompositeType(ab=>Int32Type)', 'FrozenType()', 'ListType(,)', 'ColumnToCollectionType(6d:Int32Type)',
      'Foo(bar'];
    for (const s of bad) {
      expect(() => parseMarshalType(s), s).toThrow(expect.objectContaining({ code: 'E_BAD_TYPE' }));
    }
    expect(() => parseMarshalType('MapType(Int32Type)')).toThrow(/'MapType\(Int32Type\)' at char \d+/);
  });
});

describe('formatMarshalType', () => {
  it('prints like Cassandra 3.11', () => {
    expect(formatMarshalType(parseMarshalType('FrozenType(ListType(FrozenType(SetType(Int32Type))))')))
      .toBe(`${P}FrozenType(${P}ListType(${P}SetType(${P}Int32Type)))`);
    expect(formatMarshalType(parseMarshalType('ListType(FrozenType(SetType(Int32Type)))')))
      .toBe(`${P}ListType(${P}FrozenType(${P}SetType(${P}Int32Type)))`);
    expect(formatMarshalType(parseMarshalType('TupleType(ListType(Int32Type))')))
      .toBe(`${P}TupleType(${P}ListType(${P}Int32Type))`);
    expect(formatMarshalType(parseMarshalType('ReversedType(FrozenType(MapType(Int32Type,Int32Type)))')))
      .toBe(`${P}ReversedType(${P}FrozenType(${P}MapType(${P}Int32Type,${P}Int32Type)))`);
    expect(formatMarshalType(parseMarshalType('DateType'))).toBe(`${P}TimestampType`);
    expect(formatMarshalType(parseMarshalType('UserType(ks,61,62:ListType(Int32Type))')))
      .toBe(`${P}UserType(ks,61,62:${P}FrozenType(${P}ListType(${P}Int32Type)))`);
  });

  const alias = fc.constantFrom(...'abcXYZ019');
  const topArb: fc.Arbitrary<CqlType> = fc.oneof(
    { weight: 4, arbitrary: valueTypeArb(3, true) },
    valueTypeArb(2, true).map((base): CqlType => ({ kind: 'reversed', base })),
    fc.array(valueTypeArb(2, true), { minLength: 1, maxLength: 3 }).map((components): CqlType => ({ kind: 'composite', components })),
    fc.uniqueArray(fc.tuple(alias, valueTypeArb(1, true)), { maxLength: 3, selector: ([a]) => a })
      .map((es): CqlType => ({ kind: 'dynamicComposite', aliases: new Map(es) })),
    fc.uniqueArray(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => Buffer.from(b).toString('hex')), valueTypeArb(1, false)
      .map((element): CqlType => ({ kind: 'list', element, frozen: false }))), { maxLength: 2, selector: ([k]) => k })
      .map((es): CqlType => ({ kind: 'columnToCollection', columns: new Map(es) })),
    fc.stringMatching(/^com\.example\.[A-Z][a-zA-Z]{0,8}$/).map((className): CqlType => ({ kind: 'custom', className })),
    fc.constant<CqlType>({ kind: 'native', name: 'counter' }),
    fc.constant<CqlType>({ kind: 'native', name: 'empty' }),
  );

  it('round-trips with parseMarshalType (property)', () => {
    fc.assert(fc.property(topArb, (t) => {
      const s = formatMarshalType(t);
      expect(parseMarshalType(s)).toEqual(t);
      expect(formatMarshalType(parseMarshalType(s))).toBe(s);
      expect(parseMarshalType(s.replace(new RegExp(P.replace(/\./g, '\\.'), 'g'), '').replace(/,/g, ' , '))).toEqual(t);
    }), { numRuns: 400 });
  });
});

describe('formatCqlType', () => {
  it('prints CQL syntax', () => {
    const cql = (s: string): string => formatCqlType(parseMarshalType(s));
    expect(cql('Int32Type')).toBe('int');
    expect(cql('FrozenType(ListType(Int32Type))')).toBe('frozen<list<int>>');
    expect(cql('MapType(UTF8Type,FrozenType(ListType(Int32Type)))')).toBe('map<text, frozen<list<int>>>');
    expect(cql('FrozenType(MapType(UTF8Type,ListType(Int32Type)))')).toBe('frozen<map<text, frozen<list<int>>>>');
    expect(cql('TupleType(Int32Type,UTF8Type)')).toBe('frozen<tuple<int, text>>');
    expect(cql('ReversedType(TimeUUIDType)')).toBe('timeuuid');
    expect(cql('FrozenType(UserType(ks,61646472,63:Int32Type))')).toBe('frozen<addr>');
    expect(cql('UserType(ks,41646472,63:Int32Type)')).toBe('"Addr"');
    expect(cql('UserType(ks,73656c656374,63:Int32Type)')).toBe('"select"');
    expect(cql('com.example.Foo')).toBe("'com.example.Foo'");
    expect(cql('CompositeType(Int32Type,UTF8Type)')).toBe(`'${P}CompositeType(${P}Int32Type,${P}UTF8Type)'`);
    expect(cql('CounterColumnType')).toBe('counter');
    expect(cql('SetType(FrozenType(UserType(ks,61,62:UTF8Type)))')).toBe('set<frozen<a>>');
  });
});

describe('fixedLength (doc §5.10, pitfall P3)', () => {
  it('gives the unprefixed widths', () => {
    const fl = (s: string): number => fixedLength(parseMarshalType(s));
    expect(fl('UUIDType')).toBe(16);
    expect(fl('TimeUUIDType')).toBe(16);
    expect(fl('LexicalUUIDType')).toBe(16);
    expect(fl('LongType')).toBe(8);
    expect(fl('DoubleType')).toBe(8);
    expect(fl('TimestampType')).toBe(8);
    expect(fl('DateType')).toBe(8);
    expect(fl('Int32Type')).toBe(4);
    expect(fl('FloatType')).toBe(4);
    expect(fl('BooleanType')).toBe(1);
    expect(fl('EmptyType')).toBe(0);
    expect(fl('ReversedType(Int32Type)')).toBe(4);
    for (const s of ['SimpleDateType', 'TimeType', 'ShortType', 'ByteType', 'InetAddressType', 'CounterColumnType', 'DecimalType',
      'IntegerType', 'DurationType', 'UTF8Type', 'AsciiType', 'BytesType', 'FrozenType(ListType(Int32Type))', 'TupleType(Int32Type)',
      'com.example.Foo', 'ReversedType(ShortType)']) {
      expect(fl(s), s).toBe(-1);
    }
  });
});
