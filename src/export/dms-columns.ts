/**
 * CQL type -> the DMS column a CSV field is declared as (External Table Definition) and the text the
 * field carries. The text is derived from the JSON rendering (json-row.ts, fixture Value conventions),
 * never from a second decoder. docs/dms-mapping.md is the human-readable form of this table.
 */
import { AgentError } from '../errors.js';
import { selectStarColumns, type ColumnKind, type TableSchema } from '../schema/model.js';
import { baseType, formatCqlType, type CqlType, type JsonValue } from '../sstable/types/index.js';
import type { DmsColumnType, TypeOptions } from './options.js';

/** How a JSON value becomes field text; csv-parse.ts inverts it from the DMS type alone. */
export type RenderKind = 'string' | 'number' | 'boolean' | 'datetime' | 'hex' | 'json';

export interface DmsColumn {
  readonly name: string;
  readonly cqlType: CqlType;
  readonly kind: ColumnKind;
  readonly isPk: boolean;
  readonly dmsType: DmsColumnType;
  readonly render: RenderKind;
  /** ColumnLength when the text has a fixed maximum; null = computed from the data (see dms-json.ts) */
  readonly fixedLength: number | null;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly dateFormat: string | null;
}

interface Decl {
  readonly dmsType: DmsColumnType;
  readonly render: RenderKind;
  readonly fixedLength?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly dateFormat?: string;
}

/** Text lengths of fixed-form values: uuid text; the longest IPv6 text (IPv4-mapped); HH:MM:SS.nnnnnnnnn. */
const UUID_TEXT = 36;
const INET_TEXT = 45;
const TIME_TEXT = 18;

function declare(t: CqlType, o: TypeOptions): Decl {
  const b = baseType(t);
  switch (b.kind) {
    case 'native':
      switch (b.name) {
        case 'ascii': case 'text': case 'duration': case 'empty':
          return { dmsType: 'STRING', render: 'string' };
        case 'uuid': case 'timeuuid':
          return { dmsType: 'STRING', render: 'string', fixedLength: UUID_TEXT };
        case 'inet':
          return { dmsType: 'STRING', render: 'string', fixedLength: INET_TEXT };
        case 'blob':
          return o.blobAs === 'STRING' ? { dmsType: 'STRING', render: 'string' } : { dmsType: o.blobAs, render: 'hex' };
        case 'tinyint': return { dmsType: 'INT1', render: 'number' };
        case 'smallint': return { dmsType: 'INT2', render: 'number' };
        case 'int': return { dmsType: 'INT4', render: 'number' };
        case 'bigint': case 'counter': return { dmsType: 'INT8', render: 'string' };
        case 'varint':
          return o.varintAs === 'NUMERIC' ? { dmsType: 'NUMERIC', render: 'string', precision: 38, scale: 0 } : { dmsType: 'STRING', render: 'string' };
        case 'decimal':
          return o.decimalAs === 'NUMERIC'
            ? { dmsType: 'NUMERIC', render: 'string', precision: 38, scale: o.decimalScale }
            : { dmsType: 'STRING', render: 'string' };
        case 'float': return { dmsType: 'REAL4', render: 'number' };
        case 'double': return { dmsType: 'REAL8', render: 'number' };
        case 'boolean': return { dmsType: 'BOOLEAN', render: 'boolean' };
        case 'date':
          return o.dateFormatField ? { dmsType: 'DATE', render: 'string', dateFormat: 'YYYY-MM-dd' } : { dmsType: 'DATE', render: 'string' };
        case 'time':
          return o.timeAs === 'TIME' ? { dmsType: 'TIME', render: 'string', scale: 9 } : { dmsType: 'STRING', render: 'string', fixedLength: TIME_TEXT };
        case 'timestamp':
          if (o.timestampFormat === 'iso') return { dmsType: 'DATETIME', render: 'string', scale: 3 };
          return o.dateFormatField
            ? { dmsType: 'DATETIME', render: 'datetime', scale: 3, dateFormat: 'YYYY-MM-dd HH:mm:ss.F' }
            : { dmsType: 'DATETIME', render: 'datetime', scale: 3 };
      }
      break;
    case 'list': case 'set': case 'map': case 'tuple': case 'udt': case 'composite': case 'dynamicComposite':
      return { dmsType: o.jsonAs, render: 'json' };
    case 'columnToCollection': case 'custom':
      return declare({ kind: 'native', name: 'blob' }, o);
    case 'reversed':
      return declare(b.base, o);
  }
  throw new AgentError('E_BAD_TYPE', `no DMS column type for CQL type ${formatCqlType(t)}`);
}

/** The columns of one table in CSV (= `SELECT *`) order. */
export function dmsColumns(schema: TableSchema, o: TypeOptions): DmsColumn[] {
  return selectStarColumns(schema).map((c): DmsColumn => {
    const d = declare(c.type, o);
    return {
      name: c.name,
      cqlType: baseType(c.type),
      kind: c.kind,
      isPk: c.kind === 'partition_key' || c.kind === 'clustering',
      dmsType: d.dmsType,
      render: d.render,
      fixedLength: d.fixedLength ?? null,
      precision: d.precision ?? null,
      scale: d.scale ?? null,
      dateFormat: d.dateFormat ?? null,
    };
  });
}

/**
 * Field text of a non-null JSON value ('' = the zero-length value, written quoted). Throws
 * AgentError E_BAD_ARGUMENT when the value does not have the shape the Value conventions give the type.
 */
export function fieldRenderer(render: RenderKind, o: TypeOptions, column: string): (v: JsonValue) => string {
  const wrong = (v: JsonValue): never => {
    throw new AgentError('E_BAD_ARGUMENT', `column ${column}: value ${JSON.stringify(v)} does not fit a ${render} field`);
  };
  switch (render) {
    case 'string':
      return (v) => (typeof v === 'string' ? v : wrong(v));
    case 'number':
      // -0 is a distinct float value; String(-0) would print "0".
      return (v) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : typeof v === 'string' ? v : wrong(v));
    case 'boolean': {
      const [t, f] = o.booleanText;
      return (v) => (v === true ? t : v === false ? f : v === '' ? '' : wrong(v));
    }
    case 'datetime':
      // "1969-12-31T23:59:59.999Z" -> "1969-12-31 23:59:59.999" (any year width, negative years kept)
      return (v) => {
        if (typeof v !== 'string') return wrong(v);
        if (v === '') return '';
        const t = v.indexOf('T', 1);
        return t < 0 || !v.endsWith('Z') ? wrong(v) : `${v.slice(0, t)} ${v.slice(t + 1, -1)}`;
      };
    case 'hex':
      if (o.blobHexPrefix) return (v) => (typeof v === 'string' && v.startsWith('0x') ? v : wrong(v));
      return (v) => (typeof v === 'string' && v.startsWith('0x') ? v.slice(2) : wrong(v));
    case 'json':
      return (v) => (v === '' ? '' : jsonText(v));
  }
}

/**
 * JSON.stringify, except that -0 (a distinct float/double value) stays "-0" (JSON.parse gives -0 back).
 * Non-finite floats are already strings ("NaN") by the Value conventions.
 */
export function jsonText(v: JsonValue): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : JSON.stringify(v);
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + jsonText(v[i] ?? null);
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const k of Object.keys(v)) {
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + jsonText(v[k] ?? null);
    first = false;
  }
  return out + '}';
}
