/**
 * Options of the DMS export stage, with their defaults. Every choice that /work/shared/docs/dms-formats.md
 * marks [U] (unconfirmed against a real DMS) is an option here; docs/dms-mapping.md lists them.
 * The config layer validates user input (zod) and passes a partial object; `resolveExportOptions`
 * fills defaults and checks the combinations that would make the CSV ambiguous.
 */
import { AgentError } from '../errors.js';

export interface CsvOptions {
  /** field separator, one character (endpoint CsvDelimiter) */
  readonly delimiter: string;
  /** record terminator (endpoint CsvRowDelimiter) */
  readonly rowDelimiter: '\n' | '\r\n';
  /**
   * the unquoted text that stands for NULL (endpoint CsvNullValue). Default `\N`: NULL, "" (written
   * `""`) and the text NULL stay distinct; text equal to the marker is always quoted.
   */
  readonly nullMarker: string;
  /** quote every non-null field, not only those RFC 4180 requires */
  readonly quoteAll: boolean;
}

export type DmsColumnType =
  | 'BYTE' | 'STRING' | 'DATE' | 'TIME' | 'DATETIME' | 'INT1' | 'INT2' | 'INT4' | 'INT8'
  | 'UINT1' | 'UINT2' | 'UINT4' | 'UINT8' | 'NUMERIC' | 'REAL4' | 'REAL8' | 'BLOB' | 'CLOB' | 'BOOLEAN';

export interface TypeOptions {
  /** blob: STRING keeps the "0x…" text (DynamoDB S); BYTE/BLOB are hex for DMS's binary parsing [U] */
  readonly blobAs: 'STRING' | 'BYTE' | 'BLOB';
  /** only for blobAs BYTE/BLOB: prefix the hex with "0x" [U] */
  readonly blobHexPrefix: boolean;
  /** decimal: STRING keeps every digit and the stored scale; NUMERIC rounds to decimalScale */
  readonly decimalAs: 'STRING' | 'NUMERIC';
  readonly decimalScale: number;
  /** varint: NUMERIC(38,0) (DynamoDB N; longer values are reported) or STRING */
  readonly varintAs: 'NUMERIC' | 'STRING';
  /** time: the DynamoDB target does not list TIME [U] */
  readonly timeAs: 'STRING' | 'TIME';
  /** timestamp text: 'space' = "YYYY-MM-DD HH:MM:SS.fff" (ColumnDateFormat YYYY-MM-dd HH:mm:ss.F), 'iso' = the JSON form */
  readonly timestampFormat: 'space' | 'iso';
  /** write ColumnDateFormat on DATE/DATETIME columns (DMS 3.4.7+) */
  readonly dateFormatField: boolean;
  /** BOOLEAN text [U]: [true, false] */
  readonly booleanText: readonly [string, string];
  /** collections, UDTs and tuples (JSON text): CLOB (the csv-parse contract: CLOB = JSON) or STRING */
  readonly jsonAs: 'CLOB' | 'STRING';
  /** smallest ColumnLength (bytes) of variable-length STRING/BYTE columns: headroom for CDC values */
  readonly minColumnLength: number;
  /** write ETD numbers and booleans as JSON strings, as the DMS examples do [U] */
  readonly etdStringValues: boolean;
}

export interface KeyOptions {
  /** joins the components of a composite partition key or of several clustering columns */
  readonly separator: string;
  /** DynamoDB attribute holding a composite partition key */
  readonly partitionKeyName: string;
  /** DynamoDB attribute holding several clustering columns */
  readonly sortKeyName: string;
}

export interface ChunkOptions {
  /** a part is closed before a row would take it past this many bytes (a single larger row gets its own part) */
  readonly targetBytes: number;
  /** size of the Uint8Array pieces a part body yields */
  readonly pieceBytes: number;
  /** LOAD counter: 8 decimal digits, or 8 uppercase hex digits as DMS's S3 target writes [U] */
  readonly counter: 'decimal' | 'hex';
  /** write one empty LOAD file for a table without rows, so the table folder exists [U] */
  readonly emptyTableFile: boolean;
}

export interface DmsOptions {
  readonly migrationType: 'full-load' | 'full-load-and-cdc';
  readonly bucketName: string;
  /** prefix of every object key, without leading or trailing '/' ('' = none) */
  readonly bucketFolder: string;
  readonly cdcPath: string;
  readonly targetTablePrepMode: 'DO_NOTHING' | 'DROP_AND_CREATE' | 'TRUNCATE_BEFORE_LOAD';
  /**
   * DynamoDB table name: the Cassandra table name, or "<keyspace>.<table>" (unique across keyspaces).
   * A name DynamoDB refuses (under 3 characters) falls back to "<keyspace>.<table>".
   */
  readonly targetTableNaming: 'table' | 'keyspace.table';
  readonly parallelLoadThreads: number;
  readonly parallelLoadBufferSize: number;
  readonly maxFullLoadSubTasks: number;
  readonly enableLogging: boolean;
  /** ExpectedBucketOwner / ServiceAccessRoleArn are written when not '' */
  readonly expectedBucketOwner: string;
  readonly serviceAccessRoleArn: string;
}

export interface ExportOptions {
  readonly csv: CsvOptions;
  readonly types: TypeOptions;
  readonly keys: KeyOptions;
  readonly chunk: ChunkOptions;
  readonly dms: DmsOptions;
}

export type PartialExportOptions = { readonly [K in keyof ExportOptions]?: Partial<ExportOptions[K]> };

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = Object.freeze({
  csv: Object.freeze({ delimiter: ',', rowDelimiter: '\n', nullMarker: '\\N', quoteAll: false }),
  types: Object.freeze({
    blobAs: 'STRING', blobHexPrefix: false, decimalAs: 'STRING', decimalScale: 10, varintAs: 'NUMERIC',
    timeAs: 'STRING', timestampFormat: 'space', dateFormatField: true, booleanText: Object.freeze(['true', 'false']) as readonly [string, string],
    jsonAs: 'CLOB', minColumnLength: 256, etdStringValues: true,
  }),
  keys: Object.freeze({ separator: '#', partitionKeyName: 'pk', sortKeyName: 'sk' }),
  chunk: Object.freeze({ targetBytes: 64 * 1024 * 1024, pieceBytes: 1024 * 1024, counter: 'decimal', emptyTableFile: true }),
  dms: Object.freeze({
    migrationType: 'full-load', bucketName: '', bucketFolder: '', cdcPath: 'cdc', targetTablePrepMode: 'DO_NOTHING', targetTableNaming: 'table',
    parallelLoadThreads: 0, parallelLoadBufferSize: 50, maxFullLoadSubTasks: 8, enableLogging: true,
    expectedBucketOwner: '', serviceAccessRoleArn: '',
  }),
} satisfies ExportOptions);

const bad = (msg: string): never => {
  throw new AgentError('E_BAD_ARGUMENT', `export options: ${msg}`);
};

const SPECIAL = /["\r\n]/;

/** Defaults filled in, combinations checked, result frozen. @throws AgentError E_BAD_ARGUMENT */
export function resolveExportOptions(p: PartialExportOptions = {}): ExportOptions {
  const o: ExportOptions = {
    csv: Object.freeze({ ...DEFAULT_EXPORT_OPTIONS.csv, ...p.csv }),
    types: Object.freeze({ ...DEFAULT_EXPORT_OPTIONS.types, ...p.types }),
    keys: Object.freeze({ ...DEFAULT_EXPORT_OPTIONS.keys, ...p.keys }),
    chunk: Object.freeze({ ...DEFAULT_EXPORT_OPTIONS.chunk, ...p.chunk }),
    dms: Object.freeze({ ...DEFAULT_EXPORT_OPTIONS.dms, ...p.dms }),
  };
  const { delimiter, nullMarker, rowDelimiter } = o.csv;
  if (delimiter.length !== 1 || SPECIAL.test(delimiter)) bad(`delimiter must be one character other than '"', CR or LF, got ${JSON.stringify(delimiter)}`);
  if (rowDelimiter !== '\n' && rowDelimiter !== '\r\n') bad(`rowDelimiter must be "\\n" or "\\r\\n"`);
  if (SPECIAL.test(nullMarker) || nullMarker.includes(delimiter)) bad(`nullMarker ${JSON.stringify(nullMarker)} must not hold '"', CR, LF or the delimiter`);
  const [t, f] = o.types.booleanText;
  if (t === f || t === '' || f === '' || SPECIAL.test(t + f) || (t + f).includes(delimiter) || t === nullMarker || f === nullMarker) {
    bad(`booleanText ${JSON.stringify(o.types.booleanText)} must be two distinct non-empty texts without quotes, newlines, the delimiter or the null marker`);
  }
  if (!Number.isInteger(o.types.decimalScale) || o.types.decimalScale < 0 || o.types.decimalScale > 31) bad('decimalScale must be 0..31 (DMS NUMERIC)');
  if (!Number.isInteger(o.types.minColumnLength) || o.types.minColumnLength < 1) bad('minColumnLength must be a positive integer');
  if (o.keys.separator === '') bad('key separator must not be empty');
  if (o.keys.partitionKeyName === '' || o.keys.sortKeyName === '' || o.keys.partitionKeyName === o.keys.sortKeyName) bad('partitionKeyName and sortKeyName must be distinct and non-empty');
  if (!Number.isInteger(o.chunk.targetBytes) || o.chunk.targetBytes < 1) bad('chunk targetBytes must be a positive integer');
  if (!Number.isInteger(o.chunk.pieceBytes) || o.chunk.pieceBytes < 1) bad('chunk pieceBytes must be a positive integer');
  if (/^\/|\/$/.test(o.dms.bucketFolder)) bad('bucketFolder takes no leading or trailing "/"');
  if (o.dms.cdcPath === '' || /^\/|\/$/.test(o.dms.cdcPath)) bad('cdcPath must be non-empty, without leading or trailing "/"');
  return Object.freeze(o);
}
