/**
 * Unchecked reads of vints (§5.1) and delta-encoded timestamps (§5.2) at a position of a buffer, for the
 * fused row decoder (live-rows.ts): the position lives in a local variable instead of a Cursor field.
 *
 * Contract: the caller has made sure that the structure being read lies in the buffer (Cursor.need of
 * the row size) and checks after each cell that it did not read past the structure's end. A read past
 * the buffer's end yields zeros (undefined bytes), never an exception or an endless loop, so that check
 * is enough to reject a corrupt row. Each function returns its value and leaves the position after it
 * in `at`.
 */
import { addWrap64 } from '../cursor.js';
import { I64_MIN } from '../model.js';
import type { V3Layout } from './layout.js';

/** Position after the last read. */
export let at = 0;

const MAX_EXACT = 2n ** 53n;

/** A timestamp as a double: exact, -Infinity for I64_MIN, NaN when no double is exact. */
export function tsNumber(t: bigint): number {
  if (t === I64_MIN) return -Infinity;
  return t >= -MAX_EXACT && t <= MAX_EXACT ? Number(t) : NaN;
}

/** Unsigned vint as a number; NaN when it needs more than 49 bits (the generic decoder then takes over). */
export function uvintAt(buf: Uint8Array, pos: number): number {
  const b0 = buf[pos] as number;
  if (b0 < 0x80) {
    at = pos + 1;
    return b0;
  }
  const extra = Math.clz32(~(b0 << 24));
  if (extra > 6) {
    at = pos + 1 + extra;
    return NaN;
  }
  let v = b0 & (0xff >> extra);
  let p = pos + 1;
  for (let i = 0; i < extra; i++) v = v * 256 + ((buf[p++] as number) | 0);
  at = p;
  return v;
}

/** Unsigned vint as a bigint (0 .. 2^64-1). */
function uvintBigAt(buf: Uint8Array, pos: number): bigint {
  const b0 = (buf[pos] as number) | 0;
  const extra = b0 < 0x80 ? 0 : Math.clz32(~(b0 << 24));
  let v = BigInt(b0 & (0xff >> extra));
  let p = pos + 1;
  for (let i = 0; i < extra; i++) v = (v << 8n) | BigInt((buf[p++] as number) | 0);
  at = p;
  return v;
}

/** The low 32 bits of an unsigned vint as a signed i32 (LDT/TTL deltas, pitfall P1). */
export function uvintLow32At(buf: Uint8Array, pos: number): number {
  const b0 = buf[pos] as number;
  if (b0 < 0x80) {
    at = pos + 1;
    return b0;
  }
  const extra = Math.clz32(~(b0 << 24));
  let v = b0 & (0xff >> extra);
  let p = pos + 1;
  for (let i = 0; i < extra; i++) v = (v << 8) | ((buf[p++] as number) | 0);
  at = p;
  return v | 0;
}

/**
 * A delta-encoded timestamp as tsNumber. With |minTimestamp| <= 2^52 and a delta below 2^49 (first
 * byte < 0xFE) the double sum is exact; otherwise it is computed in bigints.
 */
export function timestampAt(buf: Uint8Array, pos: number, l: V3Layout): number {
  const base = l.minTimestampNumber;
  if (base !== null && (buf[pos] as number) < 0xfe) return base + uvintAt(buf, pos);
  return tsNumber(addWrap64(l.minTimestamp, uvintBigAt(buf, pos)));
}
