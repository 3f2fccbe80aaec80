import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareValues, encodeJson, parseMarshalType } from '../../../src/sstable/types/index.js';
import type { CqlType, JsonValue, NativeTypeName } from '../../../src/sstable/types/model.js';
import { parseDecimal } from '../../../src/sstable/types/numeric.js';

const n = (name: NativeTypeName): CqlType => ({ kind: 'native', name });
const h = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
const E = new Uint8Array(0);

/** Asserts that the values (JSON or raw bytes) are in strictly ascending order under `t`. */
function ascending(t: CqlType, values: readonly (JsonValue | Uint8Array)[]): void {
  const cmp = compareValues(t);
  const bytes = values.map((v) => (v instanceof Uint8Array ? v : encodeJson(t, v)));
  for (let i = 0; i + 1 < bytes.length; i++) {
    const a = bytes[i] as Uint8Array;
    const b = bytes[i + 1] as Uint8Array;
    expect(Math.sign(cmp(a, b)), `${JSON.stringify(values[i])} < ${JSON.stringify(values[i + 1])}`).toBe(-1);
    expect(Math.sign(cmp(b, a))).toBe(1);
    expect(cmp(a, a)).toBe(0);
  }
}

describe('compareValues natives', () => {
  it('orders signed integer types, empty first', () => {
    ascending(n('int'), [E, -2147483648, -256, -1, 0, 1, 255, 256, 2147483647]);
    ascending(n('bigint'), [E, '-9223372036854775808', '-1', '0', '1', '9223372036854775807']);
    ascending(n('smallint'), [E, -32768, -1, 0, 1, 32767]);
    ascending(n('tinyint'), [E, -128, -1, 0, 127]);
    ascending(n('timestamp'), [E, '1950-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2038-01-19T15:14:00.000Z']);
  });

  it('orders byte-order types unsigned (date as u32, time, text, blob, inet)', () => {
    ascending(n('date'), [E, '-5877641-06-23', '1969-12-31', '1970-01-01', '2017-05-05']);
    ascending(n('time'), [E, '00:00:00.000000000', '00:00:00.000000001', '23:59:59.999999999']);
    ascending(n('text'), ['', 'A', 'a', 'ab', 'b', 'é', '\u{1F600}']);
    ascending(n('blob'), ['0x', '0x00', '0x7f', '0x80', '0xff']);
    ascending(n('inet'), [E, '0:0:0:0:0:0:0:1', '10.0.0.1', '192.168.0.1', 'fe80:0:0:0:0:0:0:1']);
  });

  it('orders booleans, floats and doubles as Java does', () => {
    ascending(n('boolean'), [E, false, true]);
    expect(compareValues(n('boolean'))(h('01'), h('02'))).toBe(0);
    ascending(n('float'), [E, '-Infinity', -1.5, -0, 0, 1e-45, 1, 'Infinity', 'NaN']);
    ascending(n('double'), [E, '-Infinity', -1.5, -0, 0, 5e-324, 1, 'Infinity', 'NaN']);
    expect(compareValues(n('double'))(h('7ff8000000000000'), h('7ff8000000000001'))).toBe(0);
  });

  it('orders decimals and varints numerically', () => {
    ascending(n('decimal'), [E, '-1E+3', '-10.5', '-0.00001', '0.0', '0.00000000000001', '1', '1.5', '999', '1.001E+3']);
    expect(compareValues(n('decimal'))(encodeJson(n('decimal'), '1.0'), encodeJson(n('decimal'), '1.00'))).toBe(0);
    expect(compareValues(n('decimal'))(encodeJson(n('decimal'), '1E+3'), encodeJson(n('decimal'), '1000'))).toBe(0);
    ascending(n('varint'), [E, '-10000000000000000000000000', '-129', '-128', '-1', '0', '127', '128', '10000000000000000000000000']);
    // non-minimal encodings compare by value (IntegerType.findMostSignificantByte)
    expect(compareValues(n('varint'))(h('0001'), h('01'))).toBe(0);
    expect(compareValues(n('varint'))(h('ffff'), h('ff'))).toBe(0);
  });

  it('orders numbers like their numeric values (property)', () => {
    fc.assert(fc.property(fc.integer(), fc.integer(), (a, b) => {
      expect(Math.sign(compareValues(n('int'))(encodeJson(n('int'), a), encodeJson(n('int'), b)))).toBe(Math.sign(a - b));
    }));
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (a, b) => {
      const c = compareValues(n('bigint'))(encodeJson(n('bigint'), String(a)), encodeJson(n('bigint'), String(b)));
      expect(Math.sign(c)).toBe(a < b ? -1 : a > b ? 1 : 0);
    }));
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (a, b) => {
      const c = compareValues(n('varint'))(encodeJson(n('varint'), String(a)), encodeJson(n('varint'), String(b)));
      expect(Math.sign(c)).toBe(a < b ? -1 : a > b ? 1 : 0);
    }));
    const dec = fc.record({ u: fc.bigInt({ min: -10000n, max: 10000n }), s: fc.integer({ min: -5, max: 8 }) });
    fc.assert(fc.property(dec, dec, (a, b) => {
      const text = (d: { u: bigint; s: number }): string => `${d.u}E${-d.s}`;
      // cross-multiply to compare a.u*10^-a.s with b.u*10^-b.s exactly
      const k = 20;
      const x = a.u * 10n ** BigInt(k - a.s);
      const y = b.u * 10n ** BigInt(k - b.s);
      const c = compareValues(n('decimal'))(encodeJson(n('decimal'), text(a)), encodeJson(n('decimal'), text(b)));
      expect(parseDecimal(text(a)).scale).toBe(a.s);
      expect(Math.sign(c)).toBe(x < y ? -1 : x > y ? 1 : 0);
    }));
  });
});

describe('compareValues uuids', () => {
  // v1 layout: time_low(4) time_mid(2) time_hi_and_version(2) clock_seq(2) node(6)
  const t1 = (time: bigint, lsb: string): Uint8Array => {
    const low = (time & 0xffffffffn).toString(16).padStart(8, '0');
    const mid = ((time >> 32n) & 0xffffn).toString(16).padStart(4, '0');
    const hi = (((time >> 48n) & 0x0fffn) | 0x1000n).toString(16).padStart(4, '0');
    return h(low + mid + hi + lsb);
  };

  it('TimeUUIDType: timestamp first (not byte order), then signed low bytes', () => {
    const cmp = compareValues(n('timeuuid'));
    // a later time with a smaller time_low sorts after
    expect(cmp(t1(0x1_00000000n, '0000000000000000'), t1(0xffffffffn, 'ffffffffffffffff'))).toBeGreaterThan(0);
    expect(cmp(t1(0x0001_0000_0000_0000n, '00'.repeat(8)), t1(0x0000_ffff_ffff_ffffn, '00'.repeat(8)))).toBeGreaterThan(0);
    // same time: node bytes compared SIGNED, so 0x80 < 0x7f
    expect(cmp(t1(5n, '8000000000000000'), t1(5n, '7f00000000000000'))).toBeLessThan(0);
    expect(cmp(t1(5n, '0000000000000080'), t1(5n, '000000000000007f'))).toBeLessThan(0);
    expect(cmp(t1(5n, '0000000000000001'), t1(5n, '0000000000000001'))).toBe(0);
    expect(cmp(E, t1(0n, '00'.repeat(8)))).toBeLessThan(0);
  });

  it('UUIDType: version, then time for v1 (low bytes unsigned), else unsigned bytes', () => {
    const cmp = compareValues(n('uuid'));
    const v4a = h('ffffffffffff4fff8fffffffffffffff');
    const v4b = h('00000000000040008000000000000000');
    expect(cmp(t1(0xffffffffffffffn, 'ff'.repeat(8)), v4b)).toBeLessThan(0);
    expect(cmp(v4b, v4a)).toBeLessThan(0);
    expect(cmp(t1(0x1_00000000n, '00'.repeat(8)), t1(0xffffffffn, 'ff'.repeat(8)))).toBeGreaterThan(0);
    expect(cmp(t1(5n, '8000000000000000'), t1(5n, '7f00000000000000'))).toBeGreaterThan(0);
    expect(cmp(E, v4b)).toBeLessThan(0);
    expect(cmp(E, E)).toBe(0);
    expect(() => cmp(h('00'), v4b)).toThrow(expect.objectContaining({ code: 'E_BAD_FORMAT' }));
  });
});

describe('compareValues composite types', () => {
  it('negates for ReversedType', () => {
    const cmp = compareValues(parseMarshalType('ReversedType(Int32Type)'));
    expect(cmp(encodeJson(n('int'), 1), encodeJson(n('int'), 2))).toBeGreaterThan(0);
    expect(cmp(encodeJson(n('int'), -1), encodeJson(n('int'), -1))).toBe(0);
  });

  it('orders frozen lists, sets and maps element-wise, then by size', () => {
    const list = parseMarshalType('FrozenType(ListType(Int32Type))');
    ascending(list, ['', [], [-5], [-5, 0], [1], [1, 2], [1, 3], [2]]);
    const map = parseMarshalType('FrozenType(MapType(UTF8Type,Int32Type))');
    ascending(map, ['', [], [['a', 1]], [['a', 2]], [['a', 2], ['b', 0]], [['b', -1]]]);
  });

  it('orders tuples and UDTs field-wise with null first and trailing nulls ignored', () => {
    const tup = parseMarshalType('TupleType(Int32Type,UTF8Type)');
    ascending(tup, ['', [null, null], [null, 'a'], [1, null], [1, ''], [1, 'a'], [2, null]]);
    const cmp = compareValues(tup);
    expect(cmp(h('00000004 00000001'), encodeJson(tup, [1, null]))).toBe(0);
    expect(cmp(h('00000004 00000001'), encodeJson(tup, [1, 'x']))).toBeLessThan(0);
    const udt = parseMarshalType('FrozenType(UserType(ks,61,63:UTF8Type,64:UTF8Type))');
    ascending(udt, [{ c: null, d: '03' }, { c: '+7', d: null }]);
  });

  it('orders CompositeType component-wise with EOC bytes and static first', () => {
    const t = parseMarshalType('CompositeType(Int32Type,UTF8Type)');
    ascending(t, [E, h('ffff 0004 00000009 00'), h('0004 fffffffe 00'), h('0004 00000001 ff'), h('0004 00000001 00'),
      h('0004 00000001 00 0001 61 00'), h('0004 00000001 01'), h('0004 00000002 00')]);
  });

  it('compares ColumnToCollectionType members with the named collection\'s name comparator', () => {
    const t = parseMarshalType('CompositeType(UTF8Type,ColumnToCollectionType(6d:MapType(Int32Type,UTF8Type)))');
    const cmp = compareValues(t);
    // column "m" (6d), map keys -1 and 1 as Int32 (signed), not as bytes
    expect(cmp(h('0001 6d 00 0004 ffffffff 00'), h('0001 6d 00 0004 00000001 00'))).toBeLessThan(0);
  });

  it('orders DynamicCompositeType by component class name when the types differ', () => {
    const t = parseMarshalType('DynamicCompositeType(i=>Int32Type,s=>UTF8Type)');
    const cmp = compareValues(t);
    // Int32Type < UTF8Type by simple class name, whatever the values
    expect(cmp(h('8069 0004 7fffffff 00'), h('8073 0001 00 00'))).toBeLessThan(0);
    expect(cmp(h('8069 0004 ffffffff 00'), h('8069 0004 00000001 00'))).toBeLessThan(0);
  });

  it('treats EmptyType values as equal', () => {
    expect(compareValues(n('empty'))(E, E)).toBe(0);
  });
});
