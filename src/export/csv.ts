/**
 * CSV records for an AWS DMS S3 source (dms-formats.md §1.2): no header, RFC 4180 quoting (Rfc4180=true),
 * one record per CQL row, columns in `SELECT *` order, each field the text dms-columns.ts declares.
 *
 * Null / empty convention (what keeps NULL, "" and the text "NULL" apart):
 * - NULL                 -> the null marker, unquoted (default `\N`; endpoint CsvNullValue)
 * - a zero-length value  -> `""` (always quoted: the empty string, or the "" of an empty non-text value)
 * - text equal to the marker -> quoted, so an unquoted marker is only ever NULL (counted in stats)
 * - other text           -> quoted only when it holds the delimiter, '"', CR or LF (or quoteAll)
 */
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import type { JsonValue } from '../sstable/types/model.js';
import { jsonRowRenderer, type JsonRow } from './json-row.js';
import { dmsColumns, fieldRenderer, type DmsColumn } from './dms-columns.js';
import { resolveExportOptions, type CsvOptions, type ExportOptions, type PartialExportOptions } from './options.js';

/** Per-table figures the DMS documents need (ColumnLength, LobMaxSize) and the report counts. Mutable. */
export interface CsvStats {
  rows: number;
  /** per column (CSV order): the longest field text in UTF-8 bytes, before quoting */
  readonly maxBytes: number[];
  /** text values equal to the null marker (written quoted; DMS's reading of a quoted marker is [U]) */
  markerCollisions: number;
  /** zero-length values in columns whose type has no empty form (written `""`) */
  zeroLengthValues: number;
}

export function createCsvStats(columns: number): CsvStats {
  return { rows: 0, maxBytes: new Array<number>(columns).fill(0), markerCollisions: 0, zeroLengthValues: 0 };
}

/** Combines the stats of encoders that worked on parts of one table. */
export function mergeCsvStats(a: CsvStats, b: CsvStats): CsvStats {
  return {
    rows: a.rows + b.rows,
    maxBytes: a.maxBytes.map((m, i) => Math.max(m, b.maxBytes[i] ?? 0)),
    markerCollisions: a.markerCollisions + b.markerCollisions,
    zeroLengthValues: a.zeroLengthValues + b.zeroLengthValues,
  };
}

/** UTF-8 length of a JS string (no lone surrogates: text comes from a UTF-8 decoder). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (c < 0x800) n += 1;
      else if (c >= 0xd800 && c <= 0xdbff) {
        // a surrogate pair: 2 UTF-16 units, 4 bytes
        n += 2;
        i++;
      } else n += 2;
    }
  }
  return n;
}

const escapeRe = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');

/** RFC 4180 field quoting for one delimiter (compiled once). */
export function fieldQuoter(csv: CsvOptions): (text: string) => string {
  const special = new RegExp(`["\\r\\n${escapeRe(csv.delimiter)}]`);
  const quote = (t: string): string => `"${t.includes('"') ? t.replace(/"/g, '""') : t}"`;
  if (csv.quoteAll) return quote;
  return (t) => (t === '' || t === csv.nullMarker || special.test(t) ? quote(t) : t);
}

/** A JSON row (json-row.ts) -> one CSV record ending with the row delimiter. */
export type CsvJsonRowEncoder = (row: JsonRow) => string;

export interface CsvEncoder {
  (row: CqlRow): string;
  readonly columns: readonly DmsColumn[];
  readonly stats: CsvStats;
  /** the same record from an already rendered JSON row (callers that also run dynamo-limits) */
  readonly fromJson: CsvJsonRowEncoder;
}

/** Types whose zero-length value has its own rendering ("" text, "0x" blob) rather than the empty marker. */
function hasEmptyForm(c: DmsColumn): boolean {
  const t = c.cqlType;
  return t.kind === 'native' && (t.name === 'text' || t.name === 'ascii' || t.name === 'blob');
}

export function csvJsonRowEncoder(columns: readonly DmsColumn[], o: ExportOptions, stats: CsvStats): CsvJsonRowEncoder {
  const { delimiter, nullMarker, rowDelimiter } = o.csv;
  const quote = fieldQuoter(o.csv);
  const fields = columns.map((c, i) => {
    const render = fieldRenderer(c.render, o.types, c.name);
    const textual = c.render === 'string' || c.render === 'json';
    const emptyForm = hasEmptyForm(c);
    const name = c.name;
    return (row: JsonRow): string => {
      const v: JsonValue | undefined = row[name];
      if (v === null || v === undefined) return nullMarker;
      const text = render(v);
      if (text === '' && !emptyForm) stats.zeroLengthValues++;
      if (textual && text === nullMarker) stats.markerCollisions++;
      const max = stats.maxBytes[i] ?? 0;
      if (text.length * 3 > max) {
        const bytes = utf8Length(text);
        if (bytes > max) stats.maxBytes[i] = bytes;
      }
      return quote(text);
    };
  });
  const n = fields.length;
  return (row) => {
    stats.rows++;
    let line = '';
    for (let i = 0; i < n; i++) {
      const f = fields[i];
      if (f !== undefined) line += (i === 0 ? '' : delimiter) + f(row);
    }
    return line + rowDelimiter;
  };
}

/**
 * The CSV encoder of one table, compiled once: `encoder(row)` is one record ending with the row
 * delimiter; `encoder.stats` accumulates what dms-json.ts needs. Throws AgentError E_BAD_ARGUMENT on
 * bad options, E_BAD_FORMAT on malformed cell bytes (from the JSON decoders).
 */
export function csvRowEncoder(schema: TableSchema, opts: ExportOptions | PartialExportOptions = {}): CsvEncoder {
  const o = isResolved(opts) ? opts : resolveExportOptions(opts);
  const columns = dmsColumns(schema, o.types);
  const stats = createCsvStats(columns.length);
  const renderJson = jsonRowRenderer(schema);
  const fromJson = csvJsonRowEncoder(columns, o, stats);
  const encode = (row: CqlRow): string => fromJson(renderJson(row));
  return Object.assign(encode, { columns, stats, fromJson });
}

function isResolved(o: ExportOptions | PartialExportOptions): o is ExportOptions {
  return Object.isFrozen(o) && o.csv !== undefined && o.types !== undefined && o.keys !== undefined && o.chunk !== undefined && o.dms !== undefined;
}
