/**
 * One JSON decoder per native type, over a byte range `b[s..e)` (no subarray per value), rendering by
 * the fixture Value conventions (MANIFEST.md). Zero-length values are handled by the caller
 * ({@link decodeNative} and the compiled decoders in json-codec.ts), so every decoder here sees at
 * least one byte except text/ascii/blob.
 */
import { AgentError } from '../../errors.js';
import { f32, f64, hex, i16, i32, i64String, u32, u8, utf8 } from './bytes.js';
import { counterContextValue } from './counter.js';
import { formatInet, formatUuid } from './identifiers.js';
import type { JsonValue, NativeTypeName } from './model.js';
import { float32Shortest, formatDecimal, jsonFloat, readDecimal, varintString } from './numeric.js';
import { formatDuration, formatSimpleDate, formatTime, formatTimestamp } from './temporal.js';
import { readUVInt, zigZagDecode } from './vint.js';

/** Decodes `b[s..e)`; throws AgentError('E_BAD_FORMAT') on malformed bytes. */
export type RangeDecoder = (b: Uint8Array, s: number, e: number) => JsonValue;

function fixed(name: string, n: number, d: RangeDecoder): RangeDecoder {
  return (b, s, e) => {
    if (e - s !== n) throw new AgentError('E_BAD_FORMAT', `${name} value of ${e - s} bytes (expected ${n})`);
    return d(b, s, e);
  };
}

function duration(b: Uint8Array, s: number, e: number): string {
  const m = readUVInt(b, s, e);
  const d = readUVInt(b, m.next, e);
  const n = readUVInt(b, d.next, e);
  if (n.next !== e) throw new AgentError('E_BAD_FORMAT', `duration value has ${e - n.next} trailing bytes`);
  const months = Number(BigInt.asIntN(32, zigZagDecode(m.value)));
  const days = Number(BigInt.asIntN(32, zigZagDecode(d.value)));
  return formatDuration({ months, days, nanos: zigZagDecode(n.value) });
}

const blob: RangeDecoder = (b, s, e) => '0x' + hex(b, s, e);

export const NATIVE_DECODERS: Readonly<Record<NativeTypeName, RangeDecoder>> = {
  ascii: utf8,
  text: utf8,
  blob,
  int: fixed('int', 4, i32),
  smallint: fixed('smallint', 2, i16),
  tinyint: fixed('tinyint', 1, (b, s) => (u8(b, s) << 24) >> 24),
  bigint: fixed('bigint', 8, i64String),
  varint: varintString,
  counter: (b, s, e) => counterContextValue(b.subarray(s, e)).toString(),
  float: fixed('float', 4, (b, s) => jsonFloat(float32Shortest(f32(b, s)))),
  double: fixed('double', 8, (b, s) => jsonFloat(f64(b, s))),
  decimal: (b, s, e) => formatDecimal(readDecimal(b, s, e)),
  boolean: fixed('boolean', 1, (b, s) => u8(b, s) !== 0),
  uuid: fixed('uuid', 16, formatUuid),
  timeuuid: fixed('timeuuid', 16, formatUuid),
  timestamp: fixed('timestamp', 8, formatTimestamp),
  date: fixed('date', 4, (b, s) => formatSimpleDate(u32(b, s))),
  time: fixed('time', 8, formatTime),
  duration,
  inet: formatInet,
  empty: (_b, s, e) => {
    if (e !== s) throw new AgentError('E_BAD_FORMAT', `empty-type value of ${e - s} bytes (expected 0)`);
    return '';
  },
};

/** Types whose zero-length value is itself ("" / "0x"), not the "" marker of an empty value. */
export const KEEPS_EMPTY: ReadonlySet<NativeTypeName> = new Set<NativeTypeName>(['ascii', 'text', 'blob']);

/** The decoders with the zero-length rule applied (pitfall P4: "" for an empty value). */
export const NATIVE_JSON: Readonly<Record<NativeTypeName, RangeDecoder>> = Object.fromEntries(
  Object.entries(NATIVE_DECODERS).map(([name, d]): [string, RangeDecoder] => [
    name,
    KEEPS_EMPTY.has(name as NativeTypeName) ? d : (b, s, e) => (s === e ? '' : d(b, s, e)),
  ]),
) as Record<NativeTypeName, RangeDecoder>;

export function decodeNative(name: NativeTypeName, b: Uint8Array, s: number, e: number): JsonValue {
  return NATIVE_JSON[name](b, s, e);
}

export { blob as blobDecoder };
