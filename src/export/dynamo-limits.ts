/**
 * Checks one row against the DynamoDB limits it will meet after DMS (dms-formats.md §6): item size
 * 400 KB counted as DynamoDB counts it, key sizes (partition 1..2048 bytes, sort 1..1024), key types
 * (S/N/B only), numbers (38 significant digits, magnitude 1E-130 .. 9.99…E+125, no NaN/Infinity),
 * empty keys, and composite-key components holding the separator (two rows could map to one item).
 * Nothing is dropped here: the caller reports and counts the problems by table and key.
 *
 * What the item holds: one attribute per non-null column (DMS ignores NULLs), typed by its declared
 * DMS type (STRING, CLOB, DATE, DATETIME, TIME -> S; INTn, UINTn, NUMERIC, REALn -> N; BOOLEAN -> BOOL;
 * BYTE/BLOB -> B [U]), plus the composite key attributes of dynamo-keys.ts (S).
 */
import type { TableSchema } from '../schema/model.js';
import type { JsonValue } from '../sstable/types/model.js';
import { utf8Length } from './csv.js';
import { dmsColumns, fieldRenderer, type DmsColumn } from './dms-columns.js';
import { dynamoKeyPlan, type DynamoKeyAttribute } from './dynamo-keys.js';
import type { JsonRow } from './json-row.js';
import type { DmsColumnType, ExportOptions } from './options.js';

export const DYNAMO_ITEM_LIMIT = 400 * 1024;
export const DYNAMO_PARTITION_KEY_LIMIT = 2048;
export const DYNAMO_SORT_KEY_LIMIT = 1024;
export const DYNAMO_NUMBER_DIGITS = 38;

export type DynamoProblemCode =
  | 'ITEM_TOO_LARGE' | 'KEY_NULL' | 'KEY_EMPTY' | 'KEY_TOO_LONG' | 'KEY_TYPE' | 'KEY_SEPARATOR'
  | 'NUMBER_PRECISION' | 'NUMBER_RANGE' | 'NUMBER_NOT_FINITE' | 'NUMBER_INVALID';

export interface DynamoProblem {
  readonly code: DynamoProblemCode;
  /** the column, or the DynamoDB key attribute; null for the whole item */
  readonly column: string | null;
  readonly message: string;
}

type DynamoType = 'S' | 'N' | 'BOOL' | 'B';

function dynamoType(t: DmsColumnType): DynamoType {
  switch (t) {
    case 'BOOLEAN': return 'BOOL';
    case 'BYTE': case 'BLOB': return 'B';
    case 'INT1': case 'INT2': case 'INT4': case 'INT8': case 'UINT1': case 'UINT2': case 'UINT4': case 'UINT8':
    case 'NUMERIC': case 'REAL4': case 'REAL8':
      return 'N';
    default: return 'S';
  }
}

const NUMBER_RE = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** DynamoDB's view of a number text: significant digits and decimal exponent (d.ddd × 10^exp), or null. */
export function numberShape(text: string): { digits: number; exponent: number } | null {
  const m = NUMBER_RE.exec(text);
  if (m === null) return null;
  const int = m[1] ?? '';
  const frac = m[2] ?? '';
  if (int.length + frac.length === 0) return null;
  const all = int + frac;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return { digits: 0, exponent: 0 };
  const trimmed = all.slice(lead).replace(/0+$/, '');
  return { digits: trimmed.length, exponent: int.length - lead - 1 + Number(m[3] ?? '0') };
}

/** Bytes DynamoDB counts for a number: 1 per 2 significant digits, plus 1. */
export function numberSize(text: string): number {
  const s = numberShape(text);
  return s === null ? utf8Length(text) : Math.ceil(s.digits / 2) + 1;
}

interface Checked {
  readonly col: DmsColumn;
  readonly ddb: DynamoType;
  readonly render: (v: JsonValue) => string;
  readonly nameBytes: number;
}

const NONE: readonly DynamoProblem[] = Object.freeze([]);

/**
 * A checker for one table's JSON rows (json-row.ts). Returns a shared empty array when the row is fine.
 */
export function dynamoRowChecker(schema: TableSchema, o: ExportOptions): (row: JsonRow) => readonly DynamoProblem[] {
  const plan = dynamoKeyPlan(schema, o.keys);
  const cols: Checked[] = dmsColumns(schema, o.types).map((col) => ({
    col,
    ddb: dynamoType(col.dmsType),
    render: fieldRenderer(col.render, o.types, col.name),
    nameBytes: utf8Length(col.name),
  }));
  const byName = new Map(cols.map((c) => [c.col.name, c]));
  const keys: [DynamoKeyAttribute, number][] = [[plan.partitionKey, DYNAMO_PARTITION_KEY_LIMIT]];
  if (plan.sortKey !== null) keys.push([plan.sortKey, DYNAMO_SORT_KEY_LIMIT]);

  return (row) => {
    let problems: DynamoProblem[] | null = null;
    const add = (code: DynamoProblemCode, column: string | null, message: string): void => {
      (problems ??= []).push({ code, column, message });
    };
    const texts = new Map<string, string>();
    let size = 0;
    for (const c of cols) {
      const v = row[c.col.name];
      if (v === null || v === undefined) continue;
      const text = c.render(v);
      texts.set(c.col.name, text);
      size += c.nameBytes;
      if (c.ddb === 'S') size += utf8Length(text);
      else if (c.ddb === 'B') size += text.length >> 1;
      else if (c.ddb === 'BOOL') size += 1;
      else size += checkNumber(c.col.name, text, add);
    }
    for (const [attr, limit] of keys) {
      const composite = attr.columns.length > 1;
      const parts: string[] = [];
      for (const name of attr.columns) {
        const t = texts.get(name);
        if (t === undefined) add('KEY_NULL', name, `key column ${name} is null (e.g. a static-only partition); DynamoDB needs every key attribute`);
        else parts.push(t);
        if (composite && t !== undefined && t.includes(plan.separator)) {
          add('KEY_SEPARATOR', name, `key column ${name} holds the separator ${JSON.stringify(plan.separator)}: two rows may map to one item`);
        }
      }
      if (parts.length !== attr.columns.length) continue;
      const only = attr.columns.length === 1 ? byName.get(attr.name) : undefined;
      const type: DynamoType = plan.explicit || only === undefined ? 'S' : only.ddb;
      if (type === 'BOOL') add('KEY_TYPE', attr.name, `key attribute ${attr.name} would be a BOOL; DynamoDB keys are S, N or B`);
      const text = parts.join(plan.separator);
      const bytes = type === 'B' ? text.length >> 1 : type === 'N' ? numberSize(text) : utf8Length(text);
      if (bytes === 0) add('KEY_EMPTY', attr.name, `key attribute ${attr.name} is empty; DynamoDB keys take 1 byte or more`);
      if (bytes > limit) add('KEY_TOO_LONG', attr.name, `key attribute ${attr.name} has ${bytes} bytes (limit ${limit})`);
      if (composite) size += utf8Length(attr.name) + utf8Length(text);
    }
    if (size > DYNAMO_ITEM_LIMIT) add('ITEM_TOO_LARGE', null, `item of ${size} bytes (DynamoDB limit ${DYNAMO_ITEM_LIMIT})`);
    return problems ?? NONE;
  };
}

/** Checks one N value; returns its DynamoDB size. */
function checkNumber(column: string, text: string, add: (code: DynamoProblemCode, column: string, message: string) => void): number {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') {
    add('NUMBER_NOT_FINITE', column, `${text} has no DynamoDB Number form`);
    return 1;
  }
  const s = numberShape(text);
  if (s === null) {
    add('NUMBER_INVALID', column, `${JSON.stringify(text)} is not a number (a zero-length value?)`);
    return 1;
  }
  if (s.digits > DYNAMO_NUMBER_DIGITS) add('NUMBER_PRECISION', column, `${s.digits} significant digits (DynamoDB keeps ${DYNAMO_NUMBER_DIGITS})`);
  if (s.digits > 0 && (s.exponent > 125 || s.exponent < -130)) add('NUMBER_RANGE', column, `magnitude 1E${s.exponent} is outside DynamoDB's 1E-130 .. 9.99E+125`);
  return Math.ceil(s.digits / 2) + 1;
}
