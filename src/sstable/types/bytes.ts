/**
 * Big-endian readers and small text helpers over `Uint8Array` ranges, shared by the value codecs.
 *
 * Contract: callers check bounds first (every reader assumes `s + width <= b.length`); reads never
 * allocate except where a `bigint` is the result. Out-of-range bytes read as 0 instead of throwing,
 * which only matters if a caller forgot its bounds check.
 */
import { AgentError } from '../../errors.js';

export const u8 = (b: Uint8Array, i: number): number => b[i] ?? 0;

export function i16(b: Uint8Array, s: number): number {
  return ((u8(b, s) << 24) | (u8(b, s + 1) << 16)) >> 16;
}

export function u16(b: Uint8Array, s: number): number {
  return (u8(b, s) << 8) | u8(b, s + 1);
}

export function i32(b: Uint8Array, s: number): number {
  return (u8(b, s) << 24) | (u8(b, s + 1) << 16) | (u8(b, s + 2) << 8) | u8(b, s + 3);
}

export function u32(b: Uint8Array, s: number): number {
  return i32(b, s) >>> 0;
}

export function i64(b: Uint8Array, s: number): bigint {
  return (BigInt(i32(b, s)) << 32n) | BigInt(u32(b, s + 4));
}

/** The i64 at `s` as a number when it is a safe integer, otherwise `undefined` (use {@link i64}). */
export function i64Safe(b: Uint8Array, s: number): number | undefined {
  const hi = i32(b, s);
  if (hi < -0x200000 || hi >= 0x200000) return undefined;
  return hi * 4294967296 + u32(b, s + 4);
}

/** Decimal text of the signed i64 at `s` (no bigint unless the value needs more than 53 bits). */
export function i64String(b: Uint8Array, s: number): string {
  const n = i64Safe(b, s);
  return n === undefined ? i64(b, s).toString() : String(n);
}

/** 2^k for k in [-1074, 1023], looked up instead of `Math.pow` in the float readers. */
const POW2 = (() => {
  const t = new Float64Array(1074 + 1024);
  for (let k = -1074; k <= 1023; k++) t[k + 1074] = Math.pow(2, k);
  return t;
})();
const pow2 = (k: number): number => POW2[k + 1074] ?? 0;

/** IEEE-754 binary32 at `s`, decoded arithmetically (exact; no scratch buffer, no allocation). */
export function f32(b: Uint8Array, s: number): number {
  const bits = u32(b, s);
  const sign = bits >>> 31 === 1 ? -1 : 1;
  const e = (bits >>> 23) & 0xff;
  const m = bits & 0x7fffff;
  if (e === 0xff) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * pow2(-149);
  return sign * (m + 0x800000) * pow2(e - 150);
}

/** IEEE-754 binary64 at `s`, decoded arithmetically (exact). */
export function f64(b: Uint8Array, s: number): number {
  const hi = u32(b, s);
  const lo = u32(b, s + 4);
  const sign = hi >>> 31 === 1 ? -1 : 1;
  const e = (hi >>> 20) & 0x7ff;
  const m = (hi & 0xfffff) * 4294967296 + lo;
  if (e === 0x7ff) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * pow2(-1074);
  // (2^52 + m) < 2^53 is exact, and scaling by a power of two is exact for normal results
  return sign * (m + 4503599627370496) * pow2(e - 1075);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export const hexByte = (v: number): string => HEX[v & 0xff] ?? '00';

/** Lowercase hex of `b[s..e)`. */
export function hex(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += hexByte(u8(b, i));
  return out;
}

/** Parses an even-length hex string (either case); throws E_BAD_FORMAT otherwise. */
export function fromHex(h: string, what: string): Uint8Array {
  if (h.length % 2 !== 0) throw new AgentError('E_BAD_FORMAT', `${what}: odd-length hex string '${h}'`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = hexNibble(h.charCodeAt(2 * i)) * 16 + hexNibble(h.charCodeAt(2 * i + 1));
    if (Number.isNaN(v)) throw new AgentError('E_BAD_FORMAT', `${what}: not a hex string '${h}'`);
    out[i] = v;
  }
  return out;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return NaN;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/**
 * UTF-8 text of `b[s..e)`. Invalid sequences become U+FFFD (Cassandra validates text on write, so
 * they only occur in damaged files; a dump should not stop there). Very short pure-ASCII runs skip
 * TextDecoder, whose call overhead dominates below ~8 bytes.
 */
export function utf8(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n <= 8) {
    let out = '';
    for (let i = s; i < e; i++) {
      const c = u8(b, i);
      if (c >= 0x80) return utf8Decoder.decode(b.subarray(s, e));
      out += String.fromCharCode(c);
    }
    return out;
  }
  return utf8Decoder.decode(b.subarray(s, e));
}

export const utf8Bytes = (s: string): Uint8Array => utf8Encoder.encode(s);

/** Concatenates parts (used by the encoders only, never per decoded value). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
