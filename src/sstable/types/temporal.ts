/**
 * date, time, timestamp and duration renderings (fixture Value conventions) and their parsers.
 *
 * Calendar: proleptic Gregorian with a year 0, as Joda's ISOChronology that SimpleDateSerializer
 * uses. Years 0..9999 print with 4 digits, negative years as '-' + at least 4 digits ("-0001"),
 * years above 9999 with all their digits ("10000-01-01"), as Joda's `yyyy` does. Timestamps use the
 * same year rule and cover the whole i64 range (JS Date would stop at ±8.64e15 ms).
 */
import { AgentError } from '../../errors.js';
import { i64, i64Safe } from './bytes.js';

const MS_PER_DAY = 86400000;
const NS_PER_DAY = 86400000000000;

/** Days since 1970-01-01 -> [year, month 1-12, day 1-31] (H. Hinnant's civil_from_days). */
export function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** [year, month, day] -> days since 1970-01-01 (days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;
const pad3 = (n: number): string => (n < 10 ? '00' : n < 100 ? '0' : '') + n;

function yearText(y: number): string {
  if (y >= 0 && y <= 9999) return String(y).padStart(4, '0');
  return y < 0 ? '-' + String(-y).padStart(4, '0') : String(y);
}

export function formatDays(days: number): string {
  const [y, m, d] = civil(days);
  return `${yearText(y)}-${pad2(m)}-${pad2(d)}`;
}

/** SimpleDateType: u32 days with the epoch at 2^31. */
export const formatSimpleDate = (u: number): string => formatDays(u - 2147483648);

const DATE_RE = /^(-?\d{4,})-(\d\d)-(\d\d)$/;

function parseYmd(y: string, mo: string, d: string, text: string): number {
  const month = Number(mo);
  const day = Number(d);
  const days = daysFromCivil(Number(y), month, day);
  const [, m2, d2] = civil(days);
  if (month < 1 || month > 12 || m2 !== month || d2 !== day) {
    throw new AgentError('E_BAD_ARGUMENT', `not a valid calendar date: '${text}'`);
  }
  return days;
}

/** "YYYY-MM-DD" -> the u32 stored by SimpleDateType. */
export function parseSimpleDate(text: string): number {
  const m = DATE_RE.exec(text);
  if (m === null) throw new AgentError('E_BAD_ARGUMENT', `not a date (YYYY-MM-DD): '${text}'`);
  const u = parseYmd(m[1] ?? '', m[2] ?? '', m[3] ?? '', text) + 2147483648;
  if (u < 0 || u > 0xffffffff) throw new AgentError('E_BAD_ARGUMENT', `date out of range: '${text}'`);
  return u;
}

/** ISO-8601 UTC with milliseconds for the signed i64 milliseconds at `b[s..s+8)`. */
export function formatTimestamp(b: Uint8Array, s: number): string {
  const ms = i64Safe(b, s);
  let days: number;
  let msOfDay: number;
  if (ms !== undefined) {
    days = Math.floor(ms / MS_PER_DAY);
    msOfDay = ms - days * MS_PER_DAY;
  } else {
    const big = i64(b, s);
    let q = big / 86400000n;
    if (big % 86400000n < 0n) q -= 1n;
    days = Number(q);
    msOfDay = Number(big - q * 86400000n);
  }
  const hh = Math.floor(msOfDay / 3600000);
  const mm = Math.floor((msOfDay % 3600000) / 60000);
  const ss = Math.floor((msOfDay % 60000) / 1000);
  return `${formatDays(days)}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}.${pad3(msOfDay % 1000)}Z`;
}

const TS_RE = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z$/;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Inverse of {@link formatTimestamp}: milliseconds since the epoch. */
export function parseTimestamp(text: string): bigint {
  const m = TS_RE.exec(text);
  if (m === null) throw new AgentError('E_BAD_ARGUMENT', `not a timestamp (YYYY-MM-DDTHH:MM:SS.mmmZ): '${text}'`);
  const days = parseYmd(m[1] ?? '', m[2] ?? '', m[3] ?? '', text);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  if (h > 23 || mi > 59 || sec > 59) throw new AgentError('E_BAD_ARGUMENT', `not a valid time of day: '${text}'`);
  const ms = BigInt(days) * 86400000n + BigInt(((h * 60 + mi) * 60 + sec) * 1000 + Number(m[7]));
  if (ms < I64_MIN || ms > I64_MAX) throw new AgentError('E_BAD_ARGUMENT', `timestamp out of range: '${text}'`);
  return ms;
}

/** TimeType: nanoseconds since midnight at `b[s..s+8)` -> "HH:MM:SS.nnnnnnnnn". */
export function formatTime(b: Uint8Array, s: number): string {
  const ns = i64Safe(b, s);
  if (ns === undefined || ns < 0 || ns >= NS_PER_DAY) {
    throw new AgentError('E_BAD_FORMAT', `time value ${ns ?? i64(b, s)} is outside 0..${NS_PER_DAY - 1} ns`);
  }
  const secs = Math.floor(ns / 1e9);
  const frac = ns - secs * 1e9;
  return `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}.${String(frac).padStart(9, '0')}`;
}

const TIME_RE = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/;

export function parseTime(text: string): number {
  const m = TIME_RE.exec(text);
  const h = Number(m?.[1]);
  const mi = Number(m?.[2]);
  const sec = Number(m?.[3]);
  if (m === null || h > 23 || mi > 59 || sec > 59) {
    throw new AgentError('E_BAD_ARGUMENT', `not a time (HH:MM:SS.nnnnnnnnn): '${text}'`);
  }
  return ((h * 60 + mi) * 60 + sec) * 1e9 + Number((m[4] ?? '').padEnd(9, '0'));
}

export interface Duration {
  readonly months: number;
  readonly days: number;
  readonly nanos: bigint;
}

const NS_UNITS: readonly [bigint, string][] = [
  [3600000000000n, 'h'], [60000000000n, 'm'], [1000000000n, 's'], [1000000n, 'ms'], [1000n, 'us'], [1n, 'ns'],
];

/**
 * Cassandra 3.11 `Duration.toString`: '-' if any part is negative, then absolute values in
 * y mo d h m s ms us ns, zero units omitted. A zero duration prints "0s" (Cassandra prints "",
 * which the Value conventions reserve for a zero-length value); "0s" parses back to zero.
 */
export function formatDuration(d: Duration): string {
  let out = d.months < 0 || d.days < 0 || d.nanos < 0n ? '-' : '';
  const months = Math.abs(d.months);
  if (months >= 12) out += `${Math.floor(months / 12)}y`;
  if (months % 12 !== 0) out += `${months % 12}mo`;
  if (d.days !== 0) out += `${Math.abs(d.days)}d`;
  let rest = d.nanos < 0n ? -d.nanos : d.nanos;
  for (const [unit, name] of NS_UNITS) {
    if (rest >= unit) {
      out += `${rest / unit}${name}`;
      rest %= unit;
    }
  }
  return out === '' || out === '-' ? '0s' : out;
}

const DURATION_UNIT_RE = /(\d+)(y|mo|w|d|h|ms|m|s|us|µs|ns)/gy;
const NS_BY_UNIT: Readonly<Record<string, bigint>> = {
  h: 3600000000000n, m: 60000000000n, s: 1000000000n, ms: 1000000n, us: 1000n, 'µs': 1000n, ns: 1n,
};

/** Parses the unit form of a CQL duration literal ("-1y2mo3w4d5h6m7s8ms9us10ns"). */
export function parseDuration(text: string): Duration {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  let months = 0;
  let days = 0;
  let nanos = 0n;
  DURATION_UNIT_RE.lastIndex = 0;
  let end = 0;
  for (let m = DURATION_UNIT_RE.exec(body); m !== null; m = DURATION_UNIT_RE.exec(body)) {
    const n = m[1] ?? '0';
    const unit = m[2] ?? '';
    end = DURATION_UNIT_RE.lastIndex;
    if (unit === 'y') months += Number(n) * 12;
    else if (unit === 'mo') months += Number(n);
    else if (unit === 'w') days += Number(n) * 7;
    else if (unit === 'd') days += Number(n);
    else nanos += BigInt(n) * (NS_BY_UNIT[unit] ?? 0n);
  }
  if (body.length === 0 || end !== body.length) {
    throw new AgentError('E_BAD_ARGUMENT', `not a duration literal: '${text}'`);
  }
  if (months > 2147483647 || days > 2147483647 || nanos > I64_MAX) {
    throw new AgentError('E_BAD_ARGUMENT', `duration out of range: '${text}'`);
  }
  return neg ? { months: -months, days: -days, nanos: -nanos } : { months, days, nanos };
}
