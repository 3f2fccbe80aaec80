/**
 * Reads LOAD CSV files back the way the DMS S3 source is told to read them: with ONLY the External
 * Table Definition and the endpoint's CSV settings (no CQL schema). Returns rows by the fixture Value
 * conventions, so that parse(encode(rows)) can be compared with the JSON rows (round-trip acceptance).
 *
 * Reading rules (the inverse of csv.ts / dms-columns.ts):
 * - an unquoted field equal to CsvNullValue is NULL; a quoted one is text, whatever it holds
 * - an empty field (`""`) is the zero-length value: "" for every type, "0x" for BYTE/BLOB
 * - STRING, DATE, TIME, INT8, UINT8, NUMERIC -> the text; CLOB -> JSON.parse of the text (JSON columns)
 * - INT1..UINT4 -> number; REAL4/REAL8 -> number, or the text NaN / Infinity / -Infinity
 * - BOOLEAN -> true/false from true|t|1|yes|y / false|f|0|no|n (any case)
 * - DATETIME "YYYY-MM-DD HH:MM:SS.fff" -> "YYYY-MM-DDTHH:MM:SS.fffZ" (ISO text is kept as is)
 * - BYTE/BLOB hex, with or without 0x -> "0x" + lowercase hex
 * Malformed input throws AgentError E_BAD_FORMAT naming the record and column.
 */
import { AgentError } from '../errors.js';
import { setField } from '../sstable/types/json-codec.js';
import type { JsonValue } from '../sstable/types/model.js';
import type { JsonRow } from './json-row.js';

/** ETD values are JSON strings in the DMS examples; numbers and booleans are accepted too. */
type EtdScalar = string | number | boolean;

export interface EtdColumn {
  readonly ColumnName: string;
  readonly ColumnType: string;
  readonly [field: string]: EtdScalar;
}

export interface EtdTable {
  readonly TableName: string;
  readonly TablePath: string;
  readonly TableOwner: string;
  readonly TableColumns: readonly EtdColumn[];
  readonly TableColumnsTotal: EtdScalar;
}

export interface EtdDocument {
  readonly TableCount: EtdScalar;
  readonly Tables: readonly EtdTable[];
}

/** The CSV part of the S3 source endpoint settings (dms-formats.md §1.2 defaults apply when absent). */
export interface CsvEndpointSettings {
  readonly CsvDelimiter?: string;
  readonly CsvRowDelimiter?: string;
  readonly CsvNullValue?: string;
  readonly IgnoreHeaderRows?: number | string;
}

type Convert = (text: string, quoted: boolean) => JsonValue;

const TRUE = new Set(['true', 't', '1', 'yes', 'y']);
const FALSE = new Set(['false', 'f', '0', 'no', 'n']);
const DATETIME_RE = /^(-?\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)$/;
const HEX_RE = /^(?:0[xX])?([0-9a-fA-F]*)$/;

function converter(type: string, where: () => string): Convert {
  const bad = (what: string, text: string): never => {
    throw new AgentError('E_BAD_FORMAT', `${where()}: ${JSON.stringify(text)} is not ${what}`);
  };
  const empty = (d: Convert): Convert => (t, q) => (t === '' ? '' : d(t, q));
  switch (type) {
    case 'STRING': case 'DATE': case 'TIME': case 'INT8': case 'UINT8': case 'NUMERIC':
      return (t) => t;
    case 'CLOB':
      return empty((t) => {
        try {
          return JSON.parse(t) as JsonValue;
        } catch {
          return bad('JSON text', t);
        }
      });
    case 'INT1': case 'INT2': case 'INT4': case 'UINT1': case 'UINT2': case 'UINT4':
      return empty((t) => {
        const n = Number(t);
        return /^[+-]?\d+$/.test(t) && Number.isSafeInteger(n) ? n : bad('an integer', t);
      });
    case 'REAL4': case 'REAL8':
      return empty((t) => {
        if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') return t;
        const n = Number(t);
        return t.trim() !== '' && Number.isFinite(n) ? n : bad('a number', t);
      });
    case 'BOOLEAN':
      return empty((t) => {
        const l = t.toLowerCase();
        return TRUE.has(l) ? true : FALSE.has(l) ? false : bad('a boolean', t);
      });
    case 'DATETIME':
      return empty((t) => {
        if (t.includes('T')) return t;
        const m = DATETIME_RE.exec(t);
        return m === null ? bad('a datetime (YYYY-MM-DD HH:MM:SS.fff)', t) : `${m[1] ?? ''}T${m[2] ?? ''}Z`;
      });
    case 'BYTE': case 'BLOB':
      return (t) => {
        const m = HEX_RE.exec(t);
        const h = m?.[1];
        return h === undefined || h.length % 2 !== 0 ? bad('hex', t) : '0x' + h.toLowerCase();
      };
    default:
      throw new AgentError('E_BAD_FORMAT', `${where()}: unknown ColumnType ${JSON.stringify(type)}`);
  }
}

function settingText(v: string | undefined, dflt: string): string {
  return v === undefined ? dflt : v;
}

/**
 * A parser for the LOAD files of one ETD table. The returned function takes a whole file's text (or
 * several files concatenated) and returns its rows, keyed by ColumnName in TableColumns order.
 */
export function csvTableParser(table: EtdTable, endpoint: CsvEndpointSettings = {}): (text: string) => JsonRow[] {
  const delimiter = settingText(endpoint.CsvDelimiter, ',');
  const rowDelimiter = settingText(endpoint.CsvRowDelimiter, '\n');
  const nullMarker = settingText(endpoint.CsvNullValue, 'NULL');
  const skip = Number(endpoint.IgnoreHeaderRows ?? 0);
  if (delimiter.length !== 1) throw new AgentError('E_BAD_FORMAT', `CsvDelimiter must be one character, got ${JSON.stringify(delimiter)}`);
  if (rowDelimiter !== '\n' && rowDelimiter !== '\r\n') throw new AgentError('E_BAD_FORMAT', `CsvRowDelimiter ${JSON.stringify(rowDelimiter)} is not supported`);
  if (String(table.TableColumnsTotal) !== String(table.TableColumns.length)) {
    throw new AgentError('E_BAD_FORMAT', `table ${table.TableName}: TableColumnsTotal ${String(table.TableColumnsTotal)} but ${table.TableColumns.length} TableColumns`);
  }
  let record = 0;
  const names = table.TableColumns.map((c) => c.ColumnName);
  const converters = table.TableColumns.map((c) => converter(c.ColumnType, () => `table ${table.TableName} record ${record} column ${c.ColumnName}`));

  return (text) => {
    const rows: JsonRow[] = [];
    record = 0;
    let fields: JsonValue[] = [];
    const finish = (): void => {
      record++;
      if (record <= skip) {
        fields = [];
        return;
      }
      if (fields.length !== names.length) {
        throw new AgentError('E_BAD_FORMAT', `table ${table.TableName} record ${record}: ${fields.length} fields, ${names.length} columns in the table definition`);
      }
      const row: JsonRow = {};
      for (let i = 0; i < names.length; i++) setField(row, names[i] ?? '', fields[i] ?? null);
      rows.push(row);
      fields = [];
    };
    const push = (raw: string, quoted: boolean): void => {
      const i = fields.length;
      const conv = converters[i];
      if (!quoted && raw === nullMarker) fields.push(null);
      else if (conv === undefined) fields.push(raw);
      else fields.push(conv(raw, quoted));
    };
    const n = text.length;
    let p = 0;
    while (p < n) {
      // one field starting at p
      let raw: string;
      let quoted = false;
      if (text.charCodeAt(p) === 34) {
        quoted = true;
        let out = '';
        let s = p + 1;
        for (;;) {
          const q = text.indexOf('"', s);
          if (q < 0) throw new AgentError('E_BAD_FORMAT', `table ${table.TableName} record ${record + 1}: unterminated quoted field`);
          out += text.slice(s, q);
          if (text.charCodeAt(q + 1) === 34) {
            out += '"';
            s = q + 2;
          } else {
            p = q + 1;
            break;
          }
        }
        raw = out;
      } else {
        let e = p;
        while (e < n && text[e] !== delimiter && text.charCodeAt(e) !== 10 && !(text.charCodeAt(e) === 13 && text.charCodeAt(e + 1) === 10)) e++;
        raw = text.slice(p, e);
        p = e;
      }
      push(raw, quoted);
      if (p >= n) {
        finish();
        break;
      }
      if (text[p] === delimiter) {
        p++;
        if (p === n) {
          push('', false);
          finish();
        }
        continue;
      }
      if (text.startsWith(rowDelimiter, p)) {
        p += rowDelimiter.length;
        finish();
        continue;
      }
      throw new AgentError('E_BAD_FORMAT', `table ${table.TableName} record ${record + 1}: unexpected ${JSON.stringify(text[p])} after a field`);
    }
    return rows;
  };
}

/** The ETD table for `<keyspace>.<table>` (TableOwner.TableName) in an ETD document. */
export function etdTable(doc: EtdDocument, owner: string, name: string): EtdTable {
  const t = doc.Tables.find((x) => x.TableOwner === owner && x.TableName === name);
  if (t === undefined) throw new AgentError('E_NOT_FOUND', `table ${owner}.${name} is not in the table definition`);
  return t;
}
