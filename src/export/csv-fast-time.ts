/**
 * Dates, timestamps and times for the byte-level CSV encoder, as temporal.ts renders them: years
 * 0..9999 with 4 digits (civil_from_days), other years through temporal.ts `formatDays`. Callers
 * ensure room first (sizes below). Values beyond ±2^53 ms / out-of-range times return false, and the
 * caller takes the string path.
 */
import { civil, formatDays } from '../sstable/types/temporal.js';
import { DIGITS2, type ByteWriter } from './byte-writer.js';

const MS_PER_DAY = 86400000;
const NS_PER_DAY = 86400000000000;

/** The date part last written by a timestamp/date column: consecutive values are mostly on one day. */
export class DayCache {
  days = NaN;
  len = 0;
  readonly bytes = new Uint8Array(24);
}

/** Date part "YYYY-MM-DD" of `days` since the epoch through `cache`. Needs 24 bytes of room. */
export function writeDay(w: ByteWriter, days: number, cache: DayCache): void {
  if (days !== cache.days) fillDay(days, cache);
  const o = w.buf;
  const c = cache.bytes;
  let p = w.pos;
  for (let i = 0; i < cache.len; i++) o[p++] = c[i] as number;
  w.pos = p;
}

/**
 * The timestamp (i64 ms) at `b[s..s+8)`: date, `sep` (space or 'T'), HH:MM:SS.fff, then 'Z' when
 * `zulu`. False for values beyond ±2^53 ms (the string path handles them). Needs 40 bytes of room.
 */
export function writeTimestamp(w: ByteWriter, b: Uint8Array, s: number, sep: number, zulu: boolean, cache: DayCache): boolean {
  const hi = ((b[s] as number) << 24) | ((b[s + 1] as number) << 16) | ((b[s + 2] as number) << 8) | (b[s + 3] as number);
  if (hi < -0x200000 || hi >= 0x200000) return false;
  const ms = hi * 4294967296 + ((((b[s + 4] as number) << 24) | ((b[s + 5] as number) << 16) | ((b[s + 6] as number) << 8) | (b[s + 7] as number)) >>> 0);
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  writeDay(w, days, cache);
  const o = w.buf;
  let p = w.pos;
  o[p++] = sep;
  const secs = Math.floor(rest / 1000);
  rest -= secs * 1000;
  p = writeHms(o, p, secs);
  const h = Math.floor(rest / 100);
  const r = 2 * (rest - h * 100);
  o[p++] = 48 + h;
  o[p++] = DIGITS2[r] as number;
  o[p++] = DIGITS2[r + 1] as number;
  if (zulu) o[p++] = 0x5a;
  w.pos = p;
  return true;
}

/** TimeType "HH:MM:SS.nnnnnnnnn" of the i64 ns at `b[s..s+8)`; false when out of range. Needs 18 bytes. */
export function writeTime(w: ByteWriter, b: Uint8Array, s: number): boolean {
  const hi = ((b[s] as number) << 24) | ((b[s + 1] as number) << 16) | ((b[s + 2] as number) << 8) | (b[s + 3] as number);
  if (hi < 0 || hi >= 0x200000) return false;
  const ns = hi * 4294967296 + ((((b[s + 4] as number) << 24) | ((b[s + 5] as number) << 16) | ((b[s + 6] as number) << 8) | (b[s + 7] as number)) >>> 0);
  if (ns >= NS_PER_DAY) return false;
  const secs = Math.floor(ns / 1e9);
  let frac = ns - secs * 1e9;
  const o = w.buf;
  const p = writeHms(o, w.pos, secs);
  for (let q = p + 8; q >= p; q--) {
    const d = frac % 10;
    o[q] = 48 + d;
    frac = (frac - d) / 10;
  }
  w.pos = p + 9;
  return true;
}

/** Writes "HH:MM:SS." for `secs` (0 <= secs < 86400) at o[p..]; returns the position after the dot. */
function writeHms(o: Uint8Array, p: number, secs: number): number {
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs - hh * 3600) / 60);
  const ss = secs - hh * 3600 - mm * 60;
  o[p] = DIGITS2[2 * hh] as number;
  o[p + 1] = DIGITS2[2 * hh + 1] as number;
  o[p + 2] = 0x3a;
  o[p + 3] = DIGITS2[2 * mm] as number;
  o[p + 4] = DIGITS2[2 * mm + 1] as number;
  o[p + 5] = 0x3a;
  o[p + 6] = DIGITS2[2 * ss] as number;
  o[p + 7] = DIGITS2[2 * ss + 1] as number;
  o[p + 8] = 0x2e;
  return p + 9;
}

/** Fills `cache` with the date text of `days`: civil_from_days for years 0..9999, temporal.ts otherwise. */
function fillDay(days: number, cache: DayCache): void {
  // once per day change (DayCache), not per value
  const [y, m, d] = civil(days);
  const c = cache.bytes;
  cache.days = days;
  if (y < 0 || y > 9999) {
    const t = formatDays(days);
    for (let i = 0; i < t.length; i++) c[i] = t.charCodeAt(i);
    cache.len = t.length;
    return;
  }
  const yh = Math.floor(y / 100);
  const yl = y - yh * 100;
  c[0] = DIGITS2[2 * yh] as number;
  c[1] = DIGITS2[2 * yh + 1] as number;
  c[2] = DIGITS2[2 * yl] as number;
  c[3] = DIGITS2[2 * yl + 1] as number;
  c[4] = 0x2d;
  c[5] = DIGITS2[2 * m] as number;
  c[6] = DIGITS2[2 * m + 1] as number;
  c[7] = 0x2d;
  c[8] = DIGITS2[2 * d] as number;
  c[9] = DIGITS2[2 * d + 1] as number;
  cache.len = 10;
}
