/**
 * JSON -> value bytes, the inverse of {@link decodeJson} (for SSTable writers and property tests):
 * `decodeJson(t, encodeJson(t, j))` equals `j` for every `j` that decodeJson can produce.
 *
 * - "" encodes a zero-length value for every type except text/ascii (the empty string) and blob
 *   (which takes "0x...").
 * - counter: a context with one global shard (counter id all zeros, clock 1) holding the value.
 * - Collections use the 32-bit form; tuples write every given element (null as length -1); UDTs
 *   write every declared field (absent keys as null).
 * - DynamicCompositeType cannot be encoded (its JSON form does not name component types).
 * JSON of the wrong shape throws AgentError('E_BAD_ARGUMENT').
 */
import { AgentError } from '../../errors.js';
import { concat, fromHex, utf8Bytes } from './bytes.js';
import { parseInet, parseUuid } from './identifiers.js';
import type { CqlType, JsonValue, NativeTypeName } from './model.js';
import { decimalBytes, parseDecimal, varintBytes } from './numeric.js';
import { parseDuration, parseSimpleDate, parseTime, parseTimestamp } from './temporal.js';
import { uvintBytes, zigZagEncode } from './vint.js';

type Encoder = (j: JsonValue) => Uint8Array;

const wrong = (what: string, j: JsonValue): never => {
  throw new AgentError('E_BAD_ARGUMENT', `expected ${what}, got ${JSON.stringify(j)}`);
};

const str = (what: string, j: JsonValue): string => (typeof j === 'string' ? j : wrong(what, j));

function num(what: string, j: JsonValue): number {
  if (typeof j === 'number') return j;
  if (j === 'NaN') return NaN;
  if (j === 'Infinity') return Infinity;
  if (j === '-Infinity') return -Infinity;
  return wrong(what, j);
}

function intIn(what: string, j: JsonValue, min: number, max: number): number {
  if (typeof j !== 'number' || !Number.isInteger(j) || j < min || j > max) return wrong(what, j);
  return j;
}

function bigIn(what: string, j: JsonValue, bits: number | undefined): bigint {
  let v: bigint;
  try {
    v = BigInt(typeof j === 'number' && Number.isInteger(j) ? j : str(what, j));
  } catch {
    return wrong(what, j);
  }
  if (bits !== undefined && BigInt.asIntN(bits, v) !== v) return wrong(what, j);
  return v;
}

function sized(n: number, write: (dv: DataView) => void): Uint8Array {
  const out = new Uint8Array(n);
  write(new DataView(out.buffer));
  return out;
}

function counterContext(v: bigint): Uint8Array {
  return sized(4 + 32, (dv) => {
    dv.setInt16(0, 1);
    dv.setInt16(2, -32768);
    dv.setBigInt64(4 + 16, 1n);
    dv.setBigInt64(4 + 24, v);
  });
}

function durationBytes(text: string): Uint8Array {
  const d = parseDuration(text);
  return concat([
    uvintBytes(zigZagEncode(BigInt(d.months))),
    uvintBytes(zigZagEncode(BigInt(d.days))),
    uvintBytes(zigZagEncode(d.nanos)),
  ]);
}

const NATIVE_ENCODERS: Readonly<Record<NativeTypeName, Encoder>> = {
  text: (j) => utf8Bytes(str('a string', j)),
  ascii: (j) => utf8Bytes(str('a string', j)),
  blob: (j) => {
    const s = str('a blob string 0x...', j);
    return s.startsWith('0x') ? fromHex(s.slice(2), 'blob') : wrong('a blob string 0x...', j);
  },
  int: (j) => sized(4, (dv) => dv.setInt32(0, intIn('an int', j, -2147483648, 2147483647))),
  smallint: (j) => sized(2, (dv) => dv.setInt16(0, intIn('a smallint', j, -32768, 32767))),
  tinyint: (j) => sized(1, (dv) => dv.setInt8(0, intIn('a tinyint', j, -128, 127))),
  bigint: (j) => sized(8, (dv) => dv.setBigInt64(0, bigIn('a bigint string', j, 64))),
  varint: (j) => varintBytes(bigIn('a varint string', j, undefined)),
  counter: (j) => counterContext(bigIn('a counter string', j, 64)),
  float: (j) => sized(4, (dv) => dv.setFloat32(0, num('a float', j))),
  double: (j) => sized(8, (dv) => dv.setFloat64(0, num('a double', j))),
  decimal: (j) => decimalBytes(parseDecimal(typeof j === 'number' ? String(j) : str('a decimal string', j))),
  boolean: (j) => Uint8Array.of(typeof j === 'boolean' ? (j ? 1 : 0) : wrong('a boolean', j)),
  uuid: (j) => parseUuid(str('a uuid string', j)),
  timeuuid: (j) => parseUuid(str('a timeuuid string', j)),
  timestamp: (j) => sized(8, (dv) => dv.setBigInt64(0, parseTimestamp(str('a timestamp string', j)))),
  date: (j) => sized(4, (dv) => dv.setUint32(0, parseSimpleDate(str('a date string', j)))),
  time: (j) => sized(8, (dv) => dv.setBigInt64(0, BigInt(parseTime(str('a time string', j))))),
  duration: (j) => durationBytes(str('a duration string', j)),
  inet: (j) => parseInet(str('an inet string', j)),
  empty: (j) => (j === '' ? new Uint8Array(0) : wrong('"" (empty type)', j)),
};

export function encodeJson(t: CqlType, j: JsonValue): Uint8Array {
  switch (t.kind) {
    case 'native':
      if (j === '' && t.name !== 'text' && t.name !== 'ascii') return new Uint8Array(0);
      return NATIVE_ENCODERS[t.name](j);
    case 'reversed':
      return encodeJson(t.base, j);
    case 'list':
    case 'set':
      if (j === '') return new Uint8Array(0);
      return collection(asArray(j).map((x) => [x === null ? null : encodeJson(t.element, x)]));
    case 'map':
      if (j === '') return new Uint8Array(0);
      return collection(asArray(j).map((pair) => {
        if (!Array.isArray(pair) || pair.length !== 2) return wrong('a [key, value] pair', pair);
        const [k, v] = pair as [JsonValue, JsonValue];
        return [k === null ? null : encodeJson(t.key, k), v === null ? null : encodeJson(t.value, v)];
      }));
    case 'tuple': {
      if (j === '') return new Uint8Array(0);
      const a = asArray(j);
      if (a.length > t.elements.length) wrong(`at most ${t.elements.length} tuple elements`, j);
      return fields(a.map((x, i) => (x === null ? null : encodeJson(t.elements[i] as CqlType, x))));
    }
    case 'udt': {
      if (j === '') return new Uint8Array(0);
      if (j === null || typeof j !== 'object' || Array.isArray(j)) return wrong('an object', j);
      const o = j;
      return fields(t.fields.map((f) => {
        const x = Object.prototype.hasOwnProperty.call(o, f.name) ? o[f.name] : null;
        return x === null || x === undefined ? null : encodeJson(f.type, x);
      }));
    }
    case 'composite': {
      if (j === '') return new Uint8Array(0);
      const a = asArray(j);
      return concat(a.map((x, i) => {
        const v = encodeJson(t.components[i] ?? { kind: 'native', name: 'blob' }, x);
        const out = new Uint8Array(v.length + 3);
        out[0] = v.length >> 8;
        out[1] = v.length & 0xff;
        out.set(v, 2);
        return out;
      }));
    }
    case 'dynamicComposite':
      throw new AgentError('E_BAD_ARGUMENT', 'DynamicCompositeType values cannot be encoded from JSON');
    case 'columnToCollection':
    case 'custom':
      return NATIVE_ENCODERS.blob(j);
  }
}

const asArray = (j: JsonValue): JsonValue[] => (Array.isArray(j) ? j : wrong('an array', j));

/** i32 count, then per entry each part as i32 length + bytes (-1 for null). */
function collection(entries: readonly (readonly (Uint8Array | null)[])[]): Uint8Array {
  const parts: Uint8Array[] = [sized(4, (dv) => dv.setInt32(0, entries.length))];
  for (const e of entries) parts.push(fields(e));
  return concat(parts);
}

function fields(values: readonly (Uint8Array | null)[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const v of values) {
    parts.push(sized(4, (dv) => dv.setInt32(0, v === null ? -1 : v.length)));
    if (v !== null) parts.push(v);
  }
  return concat(parts);
}
