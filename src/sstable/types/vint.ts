/**
 * The unsigned vint of doc §5.1 (`VIntCoding`) over a byte range, plus zig-zag, as `bigint`. Used
 * by the duration codec only, which is rare enough that bigint arithmetic costs nothing measurable.
 */
import { AgentError } from '../../errors.js';
import { u8 } from './bytes.js';

export interface VIntRead {
  readonly value: bigint;
  /** offset just after the vint */
  readonly next: number;
}

/** Reads a uvint at `s` that must end at or before `e`; throws E_BAD_FORMAT on overrun. */
export function readUVInt(b: Uint8Array, s: number, e: number): VIntRead {
  if (s >= e) throw new AgentError('E_BAD_FORMAT', 'vint runs past the end of the value');
  const first = u8(b, s);
  let extra = 0;
  while (extra < 8 && (first & (0x80 >> extra)) !== 0) extra++;
  if (s + 1 + extra > e) throw new AgentError('E_BAD_FORMAT', 'vint runs past the end of the value');
  let v = BigInt(first & (0xff >> extra));
  for (let i = 1; i <= extra; i++) v = (v << 8n) | BigInt(u8(b, s + i));
  return { value: BigInt.asUintN(64, v), next: s + 1 + extra };
}

export const zigZagDecode = (u: bigint): bigint => BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
export const zigZagEncode = (v: bigint): bigint => BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));

/** Shortest uvint bytes of an unsigned 64-bit value. */
export function uvintBytes(v: bigint): Uint8Array {
  let extra = 0;
  while (extra < 8 && v >= 1n << BigInt(7 * (extra + 1))) extra++;
  const out = new Uint8Array(extra + 1);
  let x = v;
  for (let i = extra; i >= 1; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  out[0] = extra === 8 ? 0xff : ((0xff00 >> extra) & 0xff) | Number(x);
  return out;
}
