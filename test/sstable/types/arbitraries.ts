/**
 * fast-check arbitraries shared by the type tests: CqlTypes in canonical form (nested types frozen)
 * and JSON values of a given type in exactly the form decodeJson produces.
 */
import fc from 'fast-check';
import type { CqlType, JsonValue, NativeTypeName } from '../../../src/sstable/types/model.js';
import { formatDecimal, float32Shortest, jsonFloat } from '../../../src/sstable/types/numeric.js';
import { formatDuration, formatSimpleDate, formatTime, formatTimestamp } from '../../../src/sstable/types/temporal.js';
import { formatInet } from '../../../src/sstable/types/identifiers.js';

export const VALUE_NATIVES: readonly NativeTypeName[] = [
  'ascii', 'bigint', 'blob', 'boolean', 'date', 'decimal', 'double', 'duration', 'float', 'inet', 'int',
  'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint',
];

const nativeArb = (names: readonly NativeTypeName[]): fc.Arbitrary<CqlType> =>
  fc.constantFrom(...names).map((name): CqlType => ({ kind: 'native', name }));

const udtName = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' });
const keyspace = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);

/** Value types; `depth` bounds nesting. Nested collections/UDTs are frozen; the top level may not be. */
export function valueTypeArb(depth: number, topLevel: boolean): fc.Arbitrary<CqlType> {
  const leaf = nativeArb(VALUE_NATIVES);
  if (depth <= 0) return leaf;
  const inner = valueTypeArb(depth - 1, false);
  const frozen = topLevel ? fc.boolean() : fc.constant(true);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    fc.record({ kind: fc.constantFrom('list' as const, 'set' as const), element: inner, frozen }),
    fc.record({ kind: fc.constant('map' as const), key: inner, value: inner, frozen }),
    fc.record({ kind: fc.constant('tuple' as const), elements: fc.array(inner, { minLength: 1, maxLength: 3 }) }),
    fc.record({
      kind: fc.constant('udt' as const), keyspace, name: udtName,
      fields: fc.uniqueArray(fc.record({ name: udtName, type: inner }), { minLength: 1, maxLength: 3, selector: (f) => f.name }),
      frozen,
    }),
  );
}

const i64Bytes = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v);
  return b;
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const I64 = { min: -(1n << 63n), max: (1n << 63n) - 1n };

const NATIVE_VALUES: Readonly<Record<NativeTypeName, fc.Arbitrary<JsonValue>>> = {
  ascii: fc.string({ unit: 'binary-ascii' }),
  text: fc.string({ unit: 'grapheme', maxLength: 40 }),
  blob: fc.uint8Array({ maxLength: 20 }).map((b) => '0x' + hex(b)),
  int: fc.integer({ min: -2147483648, max: 2147483647 }),
  smallint: fc.integer({ min: -32768, max: 32767 }),
  tinyint: fc.integer({ min: -128, max: 127 }),
  bigint: fc.bigInt(I64).map(String),
  counter: fc.bigInt(I64).map(String),
  varint: fc.oneof(fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), fc.bigInt({ min: -300n, max: 300n })).map(String),
  float: fc.float().map((f) => jsonFloat(float32Shortest(f))),
  double: fc.double().map(jsonFloat),
  decimal: fc.record({
    unscaled: fc.oneof(fc.bigInt({ min: -(1n << 100n), max: 1n << 100n }), fc.bigInt({ min: -1000n, max: 1000n })),
    scale: fc.integer({ min: -30, max: 40 }),
  }).map(formatDecimal),
  boolean: fc.boolean(),
  uuid: fc.uuid().map((u) => u.toLowerCase()),
  timeuuid: fc.uuid({ version: 1 }).map((u) => u.toLowerCase()),
  timestamp: fc.oneof(fc.bigInt(I64), fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }))
    .map((ms) => formatTimestamp(i64Bytes(ms), 0)),
  date: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 2147483648 - 800000, max: 2147483648 + 3000000 }))
    .map(formatSimpleDate),
  time: fc.integer({ min: 0, max: 86399999999999 }).map((ns) => formatTime(i64Bytes(BigInt(ns)), 0)),
  duration: fc.record({
    months: fc.integer({ min: 0, max: 2147483647 }), days: fc.integer({ min: 0, max: 2147483647 }),
    nanos: fc.bigInt({ min: 0n, max: I64.max }), negative: fc.boolean(),
  }).map((d) => formatDuration(d.negative
    ? { months: -d.months, days: -d.days, nanos: -d.nanos }
    : { months: d.months, days: d.days, nanos: d.nanos })),
  inet: fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }))
    .map((b) => formatInet(b, 0, b.length)),
  empty: fc.constant(''),
};

/** JSON values of `t` in decodeJson's output form, including "" (zero-length) where legal. */
export function valueArb(t: CqlType): fc.Arbitrary<JsonValue> {
  const orEmpty = (a: fc.Arbitrary<JsonValue>): fc.Arbitrary<JsonValue> =>
    fc.oneof({ weight: 8, arbitrary: a }, { weight: 1, arbitrary: fc.constant('') });
  const opt = (a: fc.Arbitrary<JsonValue>): fc.Arbitrary<JsonValue> => fc.option(a, { nil: null });
  switch (t.kind) {
    case 'native': {
      const a = NATIVE_VALUES[t.name];
      return t.name === 'text' || t.name === 'ascii' || t.name === 'blob' || t.name === 'empty' ? a : orEmpty(a);
    }
    case 'reversed':
      return valueArb(t.base);
    case 'list':
    case 'set':
      return orEmpty(fc.array(valueArb(t.element), { maxLength: 4 }));
    case 'map':
      return orEmpty(fc.array(fc.tuple(valueArb(t.key), valueArb(t.value)), { maxLength: 3 }));
    case 'tuple':
      return orEmpty(fc.tuple(...t.elements.map((e) => opt(valueArb(e)))));
    case 'udt':
      return orEmpty(fc.tuple(...t.fields.map((f) => opt(valueArb(f.type)))).map((vs) => {
        const o: { [k: string]: JsonValue } = {};
        t.fields.forEach((f, i) => {
          Object.defineProperty(o, f.name, { value: vs[i] ?? null, enumerable: true, writable: true, configurable: true });
        });
        return o;
      }));
    default:
      throw new Error(`no value arbitrary for ${t.kind}`);
  }
}
