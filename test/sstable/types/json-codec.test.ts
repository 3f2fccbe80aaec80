import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCollectionJson, decodeJson, encodeJson, parseMarshalType } from '../../../src/sstable/types/index.js';
import type { CqlType, NativeTypeName } from '../../../src/sstable/types/model.js';

const n = (name: NativeTypeName): CqlType => ({ kind: 'native', name });
const h = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
const dec = (name: NativeTypeName, hex: string): unknown => decodeJson(n(name), h(hex));

describe('decodeJson natives', () => {
  it('renders integers', () => {
    expect(dec('int', 'fffffff4')).toBe(-12);
    expect(dec('int', '80000000')).toBe(-2147483648);
    expect(dec('smallint', '7fff')).toBe(32767);
    expect(dec('smallint', '8000')).toBe(-32768);
    expect(dec('tinyint', 'ff')).toBe(-1);
    expect(dec('bigint', '7fffffffffffffff')).toBe('9223372036854775807');
    expect(dec('bigint', '8000000000000000')).toBe('-9223372036854775808');
    expect(dec('bigint', 'ffffffffffffffff')).toBe('-1');
    expect(dec('bigint', '0000000000000037')).toBe('55');
  });

  it('renders varints (minimal two\'s complement)', () => {
    expect(dec('varint', '00')).toBe('0');
    expect(dec('varint', '09')).toBe('9');
    expect(dec('varint', 'ff')).toBe('-1');
    expect(dec('varint', '0080')).toBe('128');
    expect(dec('varint', '084595161401484a000000')).toBe('10000000000000000000000000');
    expect(dec('varint', 'f7ba6ae9ebfeb7b6000000')).toBe('-10000000000000000000000000');
  });

  it('renders floats as the shortest decimal of the float32', () => {
    expect(dec('float', '47c35000')).toBe(100000); // 99999.999 stored
    expect(dec('float', '3dcccccd')).toBe(0.1);
    expect(dec('float', '40f3d70a')).toBe(7.62);
    expect(dec('float', 'c0066666')).toBe(-2.1);
    expect(dec('float', '7fc00000')).toBe('NaN');
    expect(dec('float', 'ff800000')).toBe('-Infinity');
    expect(dec('double', '3fe199999999999a')).toBe(0.55);
    expect(dec('double', 'c08f60cccccccccd')).toBe(-1004.1);
    expect(Object.is(dec('double', '8000000000000000'), -0)).toBe(true);
    expect(dec('double', '0000000000000001')).toBe(5e-324);
  });

  it('renders decimals keeping the scale', () => {
    expect(dec('decimal', '0000000e 01')).toBe('0.00000000000001');
    expect(dec('decimal', '0000000d 5af3107a4000')).toBe('10.0000000000000');
    expect(dec('decimal', '00000001 00')).toBe('0.0');
    expect(dec('decimal', '00000002 0221')).toBe('5.45');
    expect(dec('decimal', '00000005 ff')).toBe('-0.00001');
    expect(dec('decimal', 'fffffffd 01')).toBe('1E+3');
    expect(dec('decimal', 'fffffffd 7b')).toBe('1.23E+5');
    expect(dec('decimal', 'fffffffd 85')).toBe('-1.23E+5');
    expect(dec('decimal', '00000000 85')).toBe('-123');
  });

  it('renders temporal types', () => {
    expect(dec('timestamp', '0000014d0ed07d9a')).toBe('2015-05-01T09:30:54.234Z');
    expect(dec('timestamp', 'ffffff6d0c68c400')).toBe('1950-01-01T00:00:00.000Z');
    expect(dec('timestamp', 'ffffffffffffffff')).toBe('1969-12-31T23:59:59.999Z');
    expect(dec('timestamp', '0000000000000000')).toBe('1970-01-01T00:00:00.000Z');
    expect(dec('timestamp', '0000e677d21fdbff')).toBe('9999-12-31T23:59:59.999Z');
    expect(dec('timestamp', '0000e677d21fdc00')).toBe('10000-01-01T00:00:00.000Z');
    expect(dec('timestamp', '7fffffffffffffff')).toBe('292278994-08-17T07:12:55.807Z');
    expect(dec('timestamp', '8000000000000000')).toBe('-292275055-05-16T16:47:04.192Z');
    expect(dec('date', '80000000')).toBe('1970-01-01');
    expect(dec('date', '7fffffff')).toBe('1969-12-31');
    expect(dec('date', '8000438b')).toBe('2017-05-05');
    expect(dec('date', '7ff50558')).toBe('0000-01-01');
    expect(dec('date', '7ff50557')).toBe('-0001-12-31');
    expect(dec('date', '00000000')).toBe('-5877641-06-23');
    expect(dec('date', 'ffffffff')).toBe('5881580-07-11');
    expect(dec('time', '000040ab71a19480')).toBe('19:45:05.090000000');
    expect(dec('time', '00004e94914effff')).toBe('23:59:59.999999999');
    expect(() => dec('time', '00004e94914f0000')).toThrow(/outside/);
  });

  it('renders timestamps like Date.toISOString within years 0..9999', () => {
    fc.assert(fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, BigInt(ms));
      expect(decodeJson(n('timestamp'), b)).toBe(new Date(ms).toISOString());
    }));
  });

  it('renders durations like Duration.toString', () => {
    // months 0, days 0, nanos 3888020000000 (zig-zag 7776040000000)
    const d = encodeJson(n('duration'), '1h4m48s20ms');
    expect(Buffer.from(d).toString('hex')).toBe('0000fc0712801a1a00');
    expect(decodeJson(n('duration'), d)).toBe('1h4m48s20ms');
    expect(dec('duration', '00 00 00')).toBe('0s');
    expect(dec('duration', '1b 03 00')).toBe('-1y2mo2d');
    expect(dec('duration', '02 02 02')).toBe('1mo1d1ns');
    expect(decodeJson(n('duration'), encodeJson(n('duration'), '2w'))).toBe('14d');
  });

  it('renders uuids, inets, booleans, blobs and text', () => {
    expect(dec('uuid', '0123456701230123012301234567 89ab')).toBe('01234567-0123-0123-0123-0123456789ab');
    expect(dec('timeuuid', '50554d6e29bb11e5b345feff819cdc9f')).toBe('50554d6e-29bb-11e5-b345-feff819cdc9f');
    expect(dec('inet', 'c0a8006e')).toBe('192.168.0.110');
    expect(dec('inet', '00000000000000000000000000000001')).toBe('0:0:0:0:0:0:0:1');
    expect(dec('inet', '20010db8000000000000ff0000428329')).toBe('2001:db8:0:0:0:ff00:42:8329');
    expect(dec('inet', '00000000000000000000ffff0a000001')).toBe('10.0.0.1');
    expect(Buffer.from(encodeJson(n('inet'), '2001:db8::ff00:42:8329')).toString('hex')).toBe('20010db8000000000000ff0000428329');
    expect(Buffer.from(encodeJson(n('inet'), '::ffff:10.0.0.1')).toString('hex')).toBe('00000000000000000000ffff0a000001');
    expect(() => dec('inet', '0102')).toThrow(/inet/);
    expect(dec('boolean', '00')).toBe(false);
    expect(dec('boolean', '02')).toBe(true);
    expect(dec('blob', '000102fffe')).toBe('0x000102fffe');
    expect(dec('blob', '')).toBe('0x');
    expect(dec('text', '')).toBe('');
    expect(dec('ascii', '')).toBe('');
    expect(dec('text', 'd0bfd180d0b8d0b2d0b5d182')).toBe('привет');
    expect(dec('text', '6e65776c696e652d3e0a3c2d')).toBe('newline->\n<-');
    expect(dec('text', '41'.repeat(30) + 'e2889d')).toBe('A'.repeat(30) + '∝');
  });

  it('renders zero-length values of non-text types as ""', () => {
    for (const name of ['int', 'bigint', 'boolean', 'decimal', 'double', 'float', 'timestamp', 'uuid', 'varint',
      'inet', 'date', 'time', 'duration', 'smallint', 'tinyint', 'counter', 'timeuuid', 'empty'] as const) {
      expect(dec(name, '')).toBe('');
    }
    expect(decodeJson(parseMarshalType('FrozenType(ListType(Int32Type))'), new Uint8Array(0))).toBe('');
    expect(decodeJson(parseMarshalType('TupleType(Int32Type)'), new Uint8Array(0))).toBe('');
  });

  it('rejects bad lengths', () => {
    expect(() => dec('int', '000000')).toThrow(expect.objectContaining({ code: 'E_BAD_FORMAT' }));
    expect(() => dec('bigint', '00')).toThrow(/bigint value of 1 bytes/);
    expect(() => dec('uuid', '00')).toThrow(/uuid/);
    expect(() => dec('decimal', '000000')).toThrow(/decimal/);
    expect(() => dec('counter', '000100')).toThrow(/counter/);
    expect(() => dec('empty', '00')).toThrow(/empty/);
  });

  it('sums counter shards', () => {
    const shard = (count: string): string => '00'.repeat(16) + '0000000000000001' + count;
    expect(dec('counter', '0001 8000' + shard('0000000000000005') + shard('fffffffffffffffe'))).toBe('3');
    expect(dec('counter', '0000')).toBe('0');
  });
});

describe('decodeJson composites', () => {
  const listInt = parseMarshalType('FrozenType(ListType(Int32Type))');
  it('reads the 32-bit collection form', () => {
    expect(decodeJson(listInt, h('00000002 00000004 00000001 00000004 fffffffe'))).toEqual([1, -2]);
    expect(decodeJson(listInt, h('00000000'))).toEqual([]);
    expect(decodeJson(listInt, h('00000002 00000004 00000001 00000000'))).toEqual([1, '']);
  });

  it('falls back to the 16-bit form', () => {
    expect(decodeJson(listInt, h('0002 0004 00000001 0004 00000007'))).toEqual([1, 7]);
    expect(() => decodeJson(listInt, h('0002 0004 00000001'))).toThrow(expect.objectContaining({ code: 'E_BAD_FORMAT' }));
  });

  it('renders maps as pairs, tuples and UDTs with nulls', () => {
    const map = parseMarshalType('FrozenType(MapType(UTF8Type,Int32Type))');
    expect(decodeJson(map, h('00000001 00000001 61 00000004 00000009'))).toEqual([['a', 9]]);
    const tup = parseMarshalType('TupleType(Int32Type,UTF8Type,BooleanType)');
    expect(decodeJson(tup, h('00000004 00000001 ffffffff'))).toEqual([1, null, null]);
    expect(() => decodeJson(tup, h('00000004 00000001 ffffffff ffffffff 00000001 01 00'))).toThrow(/after its 3 fields/);
    const udt = parseMarshalType('FrozenType(UserType(ks,61646472,63697479:UTF8Type,7a6970:Int32Type))');
    expect(decodeJson(udt, h('00000002 6e79'))).toEqual({ city: 'ny', zip: null });
  });

  it('renders composites', () => {
    const c = parseMarshalType('CompositeType(Int32Type,UTF8Type)');
    expect(decodeJson(c, h('0004 00000005 00 0002 6162 00'))).toEqual([5, 'ab']);
    expect(decodeJson(c, h('ffff 0004 00000005 00'))).toEqual([5]);
    const dc = parseMarshalType('DynamicCompositeType(i=>Int32Type)');
    const name = Buffer.from('UTF8Type').toString('hex');
    expect(decodeJson(dc, h(`8069 0004 00000005 00 0008 ${name} 0001 78 00`))).toEqual([5, 'x']);
  });

  it('decodes non-frozen collection cells', () => {
    const cell = (path: string, value: string): { path: Uint8Array; value: Uint8Array } => ({ path: h(path), value: h(value) });
    expect(decodeCollectionJson(parseMarshalType('ListType(UTF8Type)'),
      [cell('50554d6e29bb11e5b345feff819cdc9f', '61'), cell('60554d6e29bb11e5b345feff819cdc9f', '62')])).toEqual(['a', 'b']);
    expect(decodeCollectionJson(parseMarshalType('SetType(Int32Type)'), [cell('00000001', ''), cell('00000002', '')])).toEqual([1, 2]);
    expect(decodeCollectionJson(parseMarshalType('MapType(Int32Type,UTF8Type)'), [cell('00000001', '61')])).toEqual([[1, 'a']]);
    const udt = parseMarshalType('UserType(ks,61,61:Int32Type,62:UTF8Type,63:BooleanType)');
    expect(decodeCollectionJson(udt, [cell('0001', '78')])).toEqual({ a: null, b: 'x', c: null });
    expect(() => decodeCollectionJson(udt, [cell('0005', '78')])).toThrow(/names no field/);
    expect(() => decodeCollectionJson(parseMarshalType('Int32Type'), [])).toThrow(expect.objectContaining({ code: 'E_BAD_TYPE' }));
  });
});

describe('float32Shortest', () => {
  it('agrees with the toPrecision reference on every kind of float32 (property)', async () => {
    const { float32Shortest, float32ShortestSlow } = await import('../../../src/sstable/types/numeric.js');
    fc.assert(fc.property(fc.oneof(fc.float(), fc.integer({ min: 0, max: 0xffffffff }).map((bits) => {
      const dv = new DataView(new ArrayBuffer(4));
      dv.setUint32(0, bits);
      return dv.getFloat32(0);
    })), (f) => {
      const fast = float32Shortest(f);
      expect(Object.is(fast, float32ShortestSlow(f)) || (Number.isNaN(fast) && Number.isNaN(f))).toBe(true);
      if (Number.isFinite(f)) expect(Math.fround(fast)).toBe(f);
    }), { numRuns: 20000 });
  });
});
