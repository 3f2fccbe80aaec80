/**
 * Number renderings and parsers shared by the JSON codec and the comparators: varint (Java
 * BigInteger bytes), decimal (DecimalSerializer: i32 scale + varint unscaled) and the shortest
 * float32 decimal.
 */
import { AgentError } from '../../errors.js';
import { hex, i32, u8 } from './bytes.js';

/** Two's-complement big-endian integer of `b[s..e)` (e > s) as a bigint. */
export function varintBig(b: Uint8Array, s: number, e: number): bigint {
  const v = BigInt('0x' + hex(b, s, e));
  return u8(b, s) >= 0x80 ? v - (1n << BigInt(8 * (e - s))) : v;
}

/** Decimal text of the varint in `b[s..e)` (e > s); no bigint for up to 6 bytes. */
export function varintString(b: Uint8Array, s: number, e: number): string {
  if (e - s <= 6) {
    let v = (u8(b, s) << 24) >> 24;
    for (let i = s + 1; i < e; i++) v = v * 256 + u8(b, i);
    return String(v);
  }
  return varintBig(b, s, e).toString();
}

/** Minimal two's-complement bytes of `v` (Java BigInteger.toByteArray; 0 is one zero byte). */
export function varintBytes(v: bigint): Uint8Array {
  let n = 1;
  while (v < -(1n << BigInt(8 * n - 1)) || v >= 1n << BigInt(8 * n - 1)) n++;
  const u = v < 0n ? v + (1n << BigInt(8 * n)) : v;
  const out = new Uint8Array(n);
  let x = u;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export interface Decimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** A decimal value `b[s..e)`: i32 scale then at least one varint byte; throws E_BAD_FORMAT. */
export function readDecimal(b: Uint8Array, s: number, e: number): Decimal {
  if (e - s < 5) throw new AgentError('E_BAD_FORMAT', `decimal value of ${e - s} bytes (expected at least 5)`);
  return { scale: i32(b, s), unscaled: varintBig(b, s + 4, e) };
}

/**
 * Decimal text keeping the stored scale. Scale >= 0: plain notation (BigDecimal.toPlainString, what
 * the fixtures show: unscaled 1 scale 14 is "0.00000000000001"). Scale < 0: BigDecimal.toString's
 * scientific form ("1E+3" for unscaled 1 scale -3), since plain text would lose the scale.
 */
export function formatDecimal(d: Decimal): string {
  const neg = d.unscaled < 0n;
  const digits = (neg ? -d.unscaled : d.unscaled).toString();
  const sign = neg ? '-' : '';
  if (d.scale === 0) return sign + digits;
  if (d.scale > 0) {
    const padded = digits.length <= d.scale ? '0'.repeat(d.scale - digits.length + 1) + digits : digits;
    const point = padded.length - d.scale;
    return `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
  }
  const adjusted = digits.length - 1 - d.scale;
  const coefficient = digits.length > 1 ? `${digits[0] ?? ''}.${digits.slice(1)}` : digits;
  return `${sign}${coefficient}E+${adjusted}`;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses BigDecimal text (plain or scientific) keeping its scale; throws E_BAD_ARGUMENT. */
export function parseDecimal(text: string): Decimal {
  const m = DECIMAL_RE.exec(text);
  const int = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (m === null || int.length + frac.length === 0) {
    throw new AgentError('E_BAD_ARGUMENT', `not a decimal: '${text}'`);
  }
  const unscaled = BigInt(int + frac) * (m[1] === '-' ? -1n : 1n);
  const scale = frac.length - Number(m[4] ?? '0');
  if (!Number.isInteger(scale) || scale < -2147483648 || scale > 2147483647) {
    throw new AgentError('E_BAD_ARGUMENT', `decimal scale out of range: '${text}'`);
  }
  return { unscaled, scale };
}

export function decimalBytes(d: Decimal): Uint8Array {
  const u = varintBytes(d.unscaled);
  const out = new Uint8Array(4 + u.length);
  new DataView(out.buffer).setInt32(0, d.scale);
  out.set(u, 4);
  return out;
}

const TEN = 10n;
/** Numeric comparison of two decimals (BigDecimal.compareTo: scale ignored). */
export function compareDecimals(a: Decimal, b: Decimal): number {
  const sa = a.unscaled === 0n ? 0 : a.unscaled < 0n ? -1 : 1;
  const sb = b.unscaled === 0n ? 0 : b.unscaled < 0n ? -1 : 1;
  if (sa !== sb || sa === 0) return Math.sign(sa - sb);
  let x = a.unscaled;
  let y = b.unscaled;
  if (a.scale < b.scale) x *= TEN ** BigInt(b.scale - a.scale);
  else if (b.scale < a.scale) y *= TEN ** BigInt(a.scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal (as a number) that maps back to the same float32 as `f` (which must already be
 * a float32 value), taking the closest one among equally short candidates.
 *
 * Fast path: for p = 1..9 digits, m = round(|f| * 10^k) and m / 10^k is ONE correctly rounded
 * operation on exact operands (m < 2^53, 10^k exact for k <= 22), i.e. the double nearest the
 * p-digit decimal, which prints as that decimal. When |f| * 10^k lands too near a rounding tie to
 * trust m, or k is out of range (tiny or huge floats), `toPrecision` decides.
 */
export function float32Shortest(f: number): number {
  if (!Number.isFinite(f) || (Number.isInteger(f) && Math.abs(f) < 16777216)) return f;
  const a = Math.abs(f);
  let e = Math.floor(Math.log10(a));
  if (10 ** e > a) e--;
  for (let p = 1; p <= 9; p++) {
    const k = p - 1 - e;
    if (k > 22 || k < -22) return float32ShortestSlow(f);
    const scaled = k >= 0 ? a * (POW10[k] ?? 1) : a / (POW10[-k] ?? 1);
    const m = Math.round(scaled);
    if (Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6) return float32ShortestSlow(f);
    const cand = k >= 0 ? m / (POW10[k] ?? 1) : m * (POW10[-k] ?? 1);
    if (Math.fround(cand) === a) return f < 0 ? -cand : cand;
  }
  return float32ShortestSlow(f);
}

/** Reference implementation: binary search on `toPrecision` (rounding to more digits never moves away). */
export function float32ShortestSlow(f: number): number {
  if (!Number.isFinite(f) || (Number.isInteger(f) && Math.abs(f) < 16777216)) return f;
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(f.toPrecision(mid))) === f) hi = mid;
    else lo = mid + 1;
  }
  return Number(f.toPrecision(lo));
}

/** JSON has no NaN or infinities: those render as Java's names (a string), finite values as numbers. */
export function jsonFloat(f: number): number | string {
  if (Number.isFinite(f)) return f;
  return Number.isNaN(f) ? 'NaN' : f > 0 ? 'Infinity' : '-Infinity';
}
