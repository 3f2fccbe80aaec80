/**
 * `compareValues(t)`: a comparator equal in sign to Cassandra 3.11 `AbstractType.compare` for `t`;
 * it decides clustering order on disk, frozen set order and map key order.
 *
 * Per class (3.11 `db/marshal`):
 * - BYTE_ORDER (unsigned bytes; empty sorts first): BytesType, AsciiType, UTF8Type, InetAddressType,
 *   SimpleDateType (date), TimeType, DurationType, and here also custom/column-to-collection/counter.
 * - Int32Type, LongType, TimestampType, ShortType: empty first, then the first byte signed, then all
 *   bytes unsigned. ByteType: the byte signed. (ShortType/ByteType throw on empty values in 3.11;
 *   here empty sorts first as for the others.)
 * - FloatType/DoubleType: Float/Double.compareTo (-0.0 < 0.0, NaN above +Infinity).
 * - DecimalType/IntegerType: numeric. BooleanType: false < true.
 * - UUIDType: version, then (v1) the timestamp, else the high long unsigned, then the low long unsigned.
 * - TimeUUIDType: timestamp, then the low 8 bytes as SIGNED bytes.
 * - Lists/sets/maps (frozen): element-wise in the 32-bit form, then the size. Tuples and UDTs
 *   (UserType extends TupleType): field-wise, a null field first, trailing nulls ignored.
 * - CompositeType (AbstractCompositeType): static first, then per component value and EOC byte.
 * - ReversedType: the base comparator negated. EmptyType: always equal.
 * Legacy classes the model folds away (DateType -> timestamp, LexicalUUIDType -> uuid) compare here as
 * their replacements; see marshal-parser.ts.
 */
import { AgentError } from '../../errors.js';
import { f32, f64, i32, u16, u8, utf8 } from './bytes.js';
import { MARSHAL_PACKAGE, parseMarshalType } from './marshal-parser.js';
import { formatMarshalType } from './marshal-format.js';
import type { CqlType, NativeTypeName } from './model.js';
import { compareDecimals, readDecimal, varintBig } from './numeric.js';

export type Comparator = (a: Uint8Array, b: Uint8Array) => number;
/** Compares `a[as..ae)` with `b[bs..be)`. */
type RangeComparator = (a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number) => number;

export function compareValues(t: CqlType): Comparator {
  const c = compile(t);
  return (a, b) => c(a, 0, a.length, b, 0, b.length);
}

const unsigned: RangeComparator = (a, as, ae, b, bs, be) => {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = u8(a, as + i) - u8(b, bs + i);
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
};

/** AbstractType idiom: an empty value sorts before any non-empty one. */
const emptyFirst = (c: RangeComparator): RangeComparator => (a, as, ae, b, bs, be) => {
  if (as === ae || bs === be) return as !== ae ? 1 : bs !== be ? -1 : 0;
  return c(a, as, ae, b, bs, be);
};

const signedThenUnsigned: RangeComparator = emptyFirst((a, as, ae, b, bs, be) => {
  const d = ((u8(a, as) << 24) >> 24) - ((u8(b, bs) << 24) >> 24);
  return d !== 0 ? d : unsigned(a, as, ae, b, bs, be);
});

/** Java Float/Double.compareTo on decoded values. */
function javaFloatCompare(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  if (xn || yn) return xn === yn ? 0 : xn ? 1 : -1;
  return Object.is(x, y) ? 0 : Object.is(x, -0) ? -1 : 1;
}

const checkLen = (what: string, n: number, got: number): void => {
  if (got !== n) throw new AgentError('E_BAD_FORMAT', `${what} value of ${got} bytes (expected ${n})`);
};

/** TimeUUIDType.reorderTimestampBytes: time_hi (minus version) . time_mid . time_low, as a bigint. */
function v1Timestamp(b: Uint8Array, s: number): bigint {
  return (BigInt(u16(b, s + 6) & 0x0fff) << 48n) | (BigInt(u16(b, s + 4)) << 32n) | BigInt(i32(b, s) >>> 0);
}

/** UUID comparators: values of 16 bytes, or empty (which sorts first). */
const uuidLike = (inner: RangeComparator): RangeComparator => (a, as, ae, b, bs, be) => {
  const p1 = ae - as === 16;
  const p2 = be - bs === 16;
  if (!(p1 && p2)) {
    if (!p1 && ae !== as) checkLen('uuid', 16, ae - as);
    if (!p2 && be !== bs) checkLen('uuid', 16, be - bs);
    return p1 ? 1 : p2 ? -1 : 0;
  }
  return inner(a, as, ae, b, bs, be);
};

const cmpBig = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);

const timeUuid: RangeComparator = uuidLike((a, as, _ae, b, bs) => {
  const c = cmpBig(v1Timestamp(a, as), v1Timestamp(b, bs));
  if (c !== 0) return c;
  for (let i = 8; i < 16; i++) {
    const d = ((u8(a, as + i) << 24) >> 24) - ((u8(b, bs + i) << 24) >> 24);
    if (d !== 0) return d;
  }
  return 0;
});

const uuid: RangeComparator = uuidLike((a, as, ae, b, bs, be) => {
  const va = u8(a, as + 6) >> 4;
  const vb = u8(b, bs + 6) >> 4;
  if (va !== vb) return va - vb;
  if (va === 1) {
    const c = cmpBig(v1Timestamp(a, as), v1Timestamp(b, bs));
    if (c !== 0) return c;
    return unsigned(a, as + 8, ae, b, bs + 8, be);
  }
  return unsigned(a, as, ae, b, bs, be);
});

const NATIVE: Readonly<Record<NativeTypeName, RangeComparator>> = {
  ascii: unsigned, text: unsigned, blob: unsigned, inet: unsigned, date: unsigned, time: unsigned,
  duration: unsigned, counter: unsigned,
  int: signedThenUnsigned, bigint: signedThenUnsigned, timestamp: signedThenUnsigned, smallint: signedThenUnsigned,
  tinyint: emptyFirst((a, as, _ae, b, bs) => ((u8(a, as) << 24) >> 24) - ((u8(b, bs) << 24) >> 24)),
  float: emptyFirst((a, as, ae, b, bs, be) => {
    checkLen('float', 4, ae - as);
    checkLen('float', 4, be - bs);
    return javaFloatCompare(f32(a, as), f32(b, bs));
  }),
  double: emptyFirst((a, as, ae, b, bs, be) => {
    checkLen('double', 8, ae - as);
    checkLen('double', 8, be - bs);
    return javaFloatCompare(f64(a, as), f64(b, bs));
  }),
  decimal: emptyFirst((a, as, ae, b, bs, be) => compareDecimals(readDecimal(a, as, ae), readDecimal(b, bs, be))),
  varint: emptyFirst((a, as, ae, b, bs, be) => cmpBig(varintBig(a, as, ae), varintBig(b, bs, be))),
  boolean: emptyFirst((a, as, _ae, b, bs) => {
    const x = u8(a, as) !== 0;
    const y = u8(b, bs) !== 0;
    return x === y ? 0 : x ? 1 : -1;
  }),
  uuid,
  timeuuid: timeUuid,
  empty: () => 0,
};

function compile(t: CqlType): RangeComparator {
  switch (t.kind) {
    case 'native':
      return NATIVE[t.name];
    case 'reversed': {
      const c = compile(t.base);
      return (a, as, ae, b, bs, be) => c(b, bs, be, a, as, ae);
    }
    case 'list':
    case 'set':
      return collection(1, [compile(t.element)]);
    case 'map':
      return collection(2, [compile(t.key), compile(t.value)]);
    case 'tuple':
      return tuple(t.elements.map(compile));
    case 'udt':
      return tuple(t.fields.map((f) => compile(f.type)));
    case 'composite':
      return composite(t.components);
    case 'dynamicComposite':
      return dynamicComposite(t.aliases);
    case 'columnToCollection':
    case 'custom':
      return unsigned;
  }
}

function overrun(): never {
  throw new AgentError('E_BAD_FORMAT', 'collection/tuple value runs past its end while comparing');
}

/** ListType.compareListOrSet / MapType.compareMaps (protocol v3: i32 sizes and lengths). */
function collection(perEntry: number, cmps: readonly RangeComparator[]): RangeComparator {
  return emptyFirst((a, as, ae, b, bs, be) => {
    const n1 = i32(a, as);
    const n2 = i32(b, bs);
    let o1 = as + 4;
    let o2 = bs + 4;
    const read = (buf: Uint8Array, o: number, e: number): [number, number] => {
      if (o + 4 > e) overrun();
      const len = i32(buf, o);
      if (len < 0) return [o + 4, -1];
      if (o + 4 + len > e) overrun();
      return [o + 4, len];
    };
    for (let i = 0, n = Math.min(n1, n2); i < n; i++) {
      for (let k = 0; k < perEntry; k++) {
        const [s1, l1] = read(a, o1, ae);
        const [s2, l2] = read(b, o2, be);
        // a null element (length -1) sorts first; Cassandra would fail on it
        const c = l1 < 0 || l2 < 0 ? (l1 < 0 ? (l2 < 0 ? 0 : -1) : 1) : (cmps[k] as RangeComparator)(a, s1, s1 + l1, b, s2, s2 + l2);
        if (c !== 0) return c;
        o1 = s1 + Math.max(l1, 0);
        o2 = s2 + Math.max(l2, 0);
      }
    }
    return n1 === n2 ? 0 : n1 < n2 ? -1 : 1;
  });
}

/** TupleType.compareCustom. */
function tuple(cmps: readonly RangeComparator[]): RangeComparator {
  return emptyFirst((a, as, ae, b, bs, be) => {
    let o1 = as;
    let o2 = bs;
    for (let i = 0; o1 < ae && o2 < be; i++) {
      if (o1 + 4 > ae || o2 + 4 > be) overrun();
      const l1 = i32(a, o1);
      const l2 = i32(b, o2);
      o1 += 4;
      o2 += 4;
      if (l1 < 0) {
        if (l2 < 0) continue;
        return -1;
      }
      if (l2 < 0) return 1;
      if (o1 + l1 > ae || o2 + l2 > be) overrun();
      const c = (cmps[i] ?? unsigned)(a, o1, o1 + l1, b, o2, o2 + l2);
      if (c !== 0) return c;
      o1 += l1;
      o2 += l2;
    }
    const trailingValue = (buf: Uint8Array, o: number, e: number): boolean => {
      while (o + 4 <= e) {
        const l = i32(buf, o);
        if (l > 0) return true;
        o += 4 + Math.max(l, 0);
      }
      return false;
    };
    if (trailingValue(a, o1, ae)) return 1;
    if (trailingValue(b, o2, be)) return -1;
    return 0;
  });
}

/** ColumnToCollectionType.compareCollectionMembers: the collection's name comparator. */
function nameComparator(t: CqlType): RangeComparator {
  if (t.kind === 'list') return timeUuid;
  if (t.kind === 'set') return compile(t.element);
  if (t.kind === 'map') return compile(t.key);
  return unsigned;
}

const hexRange = (b: Uint8Array, s: number, e: number): string => {
  let h = '';
  for (let i = s; i < e; i++) h += u8(b, i).toString(16).padStart(2, '0');
  return h;
};

/**
 * AbstractCompositeType.compareCustom over u16-length components, each followed by an EOC byte.
 * `componentAt(i, a, ao, b, bo)` returns the comparator for component i and the offsets just after
 * any per-component header (DynamicCompositeType), or a fixed order when the types differ.
 */
type ComponentPick = (i: number, a: Uint8Array, ao: number, b: Uint8Array, bo: number) =>
  { readonly cmp: RangeComparator; readonly ao: number; readonly bo: number } | { readonly fixed: number };

function compositeWith(pick: ComponentPick, hasStatic: boolean): RangeComparator {
  const isStatic = (buf: Uint8Array, s: number, e: number): boolean => hasStatic && e - s >= 2 && u16(buf, s) === 0xffff;
  return emptyFirst((a, as, ae, b, bs, be) => {
    const st1 = isStatic(a, as, ae);
    const st2 = isStatic(b, bs, be);
    if (st1 !== st2) return st1 ? -1 : 1;
    let o1 = st1 ? as + 2 : as;
    let o2 = st2 ? bs + 2 : bs;
    for (let i = 0; o1 < ae && o2 < be; i++) {
      const p = pick(i, a, o1, b, o2);
      if ('fixed' in p) return p.fixed;
      o1 = p.ao;
      o2 = p.bo;
      if (o1 + 2 > ae || o2 + 2 > be) overrun();
      const l1 = u16(a, o1);
      const l2 = u16(b, o2);
      o1 += 2;
      o2 += 2;
      if (o1 + l1 + 1 > ae || o2 + l2 + 1 > be) overrun();
      const c = p.cmp(a, o1, o1 + l1, b, o2, o2 + l2);
      if (c !== 0) return c;
      o1 += l1;
      o2 += l2;
      const eoc = ((u8(a, o1) << 24) >> 24) - ((u8(b, o2) << 24) >> 24);
      if (eoc !== 0) return eoc;
      o1++;
      o2++;
    }
    if (o1 >= ae) return o2 >= be ? 0 : -1;
    return 1;
  });
}

function composite(components: readonly CqlType[]): RangeComparator {
  const cmps = components.map(compile);
  // a ColumnToCollectionType component compares by the collection named by the previous component
  const c2c = components.map((c) => (c.kind === 'columnToCollection' ? c.columns : undefined));
  let prev: [Uint8Array, number] | undefined;
  return compositeWith((i, a, ao, _b, bo) => {
    if (i === 0) prev = undefined;
    const cols = c2c[i];
    if (cols === undefined) {
      prev = [a, ao];
      return { cmp: cmps[i] ?? unsigned, ao, bo };
    }
    const name = prev === undefined ? '' : hexRange(prev[0], prev[1] + 2, prev[1] + 2 + u16(prev[0], prev[1]));
    const t = cols.get(name);
    return { cmp: t === undefined ? unsigned : nameComparator(t), ao, bo };
  }, true);
}

/** DynamicCompositeType.getComparator(i, bb1, bb2): differing types order by class name. */
function dynamicComposite(aliases: ReadonlyMap<string, CqlType>): RangeComparator {
  const cache = new Map<string, { type: CqlType; cmp: RangeComparator }>();
  const typeAt = (buf: Uint8Array, o: number): { type: CqlType; cmp: RangeComparator; next: number } => {
    const header = u16(buf, o);
    const alias = (header & 0x8000) !== 0;
    const key = alias ? `@${String.fromCharCode(header & 0xff)}` : utf8(buf, o + 2, o + 2 + header);
    let hit = cache.get(key);
    if (hit === undefined) {
      const type = alias ? (aliases.get(key.slice(1)) ?? { kind: 'native', name: 'blob' }) : parseMarshalType(key);
      hit = { type, cmp: compile(type) };
      cache.set(key, hit);
    }
    return { ...hit, next: alias ? o + 2 : o + 2 + header };
  };
  const simple = (n: string): string => n.slice(n.lastIndexOf('.') + 1);
  return compositeWith((_i, a, ao, b, bo) => {
    const x = typeAt(a, ao);
    const y = typeAt(b, bo);
    const bothReversed = x.type.kind === 'reversed' && y.type.kind === 'reversed';
    const n1 = javaClass(bothReversed && x.type.kind === 'reversed' ? x.type.base : x.type);
    const n2 = javaClass(bothReversed && y.type.kind === 'reversed' ? y.type.base : y.type);
    if (n1 !== n2) {
      const c = simple(n1) < simple(n2) ? -1 : simple(n1) > simple(n2) ? 1 : n1 < n2 ? -1 : 1;
      return { fixed: c };
    }
    return { cmp: x.cmp, ao: x.next, bo: y.next };
  }, false);
}

/** The Java class implementing a type (what DynamicCompositeType compares when component types differ). */
function javaClass(t: CqlType): string {
  switch (t.kind) {
    case 'native':
      return formatMarshalType(t);
    case 'custom':
      return t.className.replace(/\(.*$/, '');
    default: {
      const short = { list: 'ListType', set: 'SetType', map: 'MapType', tuple: 'TupleType', udt: 'UserType', reversed: 'ReversedType',
        composite: 'CompositeType', dynamicComposite: 'DynamicCompositeType', columnToCollection: 'ColumnToCollectionType' }[t.kind];
      return MARSHAL_PACKAGE + short;
    }
  }
}
