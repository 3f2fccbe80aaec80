/**
 * Typed access to schema-table rows rendered by the fixture corpus's Value conventions (MANIFEST.md):
 * sets/lists as arrays, maps as [[key, value], ...], bigint as decimal strings, timestamps as ISO strings.
 * Every failure is `E_SCHEMA` naming the row and field.
 */
import { AgentError } from '../errors.js';
import type { JsonValue } from '../sstable/types/model.js';

export type JsonRow = Record<string, JsonValue>;

function bad(where: string, field: string, expected: string, v: JsonValue | undefined): never {
  throw new AgentError('E_SCHEMA', `${where}: ${field} should be ${expected}, found ${JSON.stringify(v) ?? 'nothing'}`);
}

export function optStr(row: JsonRow, field: string, where: string): string | null {
  const v = row[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return bad(where, field, 'text', v);
  return v;
}

export function str(row: JsonRow, field: string, where: string): string {
  const v = optStr(row, field, where);
  if (v === null) return bad(where, field, 'text', row[field]);
  return v;
}

export function optInt(row: JsonRow, field: string, where: string): number | null {
  const v = row[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) return bad(where, field, 'an int', v);
  return v;
}

export function optBool(row: JsonRow, field: string, where: string): boolean | null {
  const v = row[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') return bad(where, field, 'a boolean', v);
  return v;
}

/** A list<text>/set<text> column; null (no cells) reads as an empty list. */
export function strList(row: JsonRow, field: string, where: string): string[] {
  const v = row[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((e): e is string => typeof e === 'string')) return bad(where, field, 'a list of text', v);
  return v;
}

/** A map column as [[key, value], ...]; null reads as an empty list. */
export function pairs(row: JsonRow, field: string, where: string): Array<[JsonValue, JsonValue]> {
  const v = row[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return bad(where, field, 'a map ([[key, value], ...])', v);
  return v.map((p) => {
    if (!Array.isArray(p) || p.length !== 2) return bad(where, field, 'a map ([[key, value], ...])', v);
    return [p[0] as JsonValue, p[1] as JsonValue];
  });
}

/** A uuid column as 32 lowercase hex digits. */
export function optUuidHex(row: JsonRow, field: string, where: string): string | null {
  const v = optStr(row, field, where);
  if (v === null) return null;
  const hex = v.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return bad(where, field, 'a uuid', v);
  return hex;
}

/** A bigint rendered as a decimal string (or a safe JSON number). */
export function bigIntOf(v: JsonValue, where: string, field: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v);
  return bad(where, field, 'a bigint', v);
}

/**
 * A `timestamp` value (ms since the epoch) as µs: an ISO-8601 string as the corpus renders it, or a
 * number / decimal string of ms.
 */
export function timestampMicros(row: JsonRow, field: string, where: string): bigint {
  const v = row[field];
  if (typeof v === 'number' || (typeof v === 'string' && /^-?[0-9]+$/.test(v))) return bigIntOf(v, where, field) * 1000n;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return BigInt(ms) * 1000n;
  }
  return bad(where, field, 'a timestamp', v);
}
