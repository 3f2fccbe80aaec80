/**
 * The JSON documents that go with the LOAD files (dms-formats.md §1–§3). Output layout (a contract:
 * tools outside read it), relative to the export root (= s3://bucket/<BucketFolder>/):
 *   <keyspace>/<table>/LOAD00000001.csv …
 *   dms/table-definition.json    External Table Definition (also inside endpoint-settings.json)
 *   dms/table-mapping.json       selection + object-mapping rules to DynamoDB
 *   dms/task-settings.json       ReplicationTaskSettings for DmsOptions.migrationType
 *   dms/endpoint-settings.json   S3Settings of the S3 source endpoint (as `--s3-settings` takes it)
 *   manifest.json                files, rows, bytes and SHA-256 per table (MANIFEST_VERSION)
 */
import { AgentError } from '../errors.js';
import type { TableSchema } from '../schema/model.js';
import { formatCqlType } from '../sstable/types/index.js';
import type { PartSummary } from './chunker.js';
import type { CsvStats } from './csv.js';
import { dmsColumns, type DmsColumn } from './dms-columns.js';
import { taskSettings } from './dms-task-settings.js';
import { dynamoKeyPlan } from './dynamo-keys.js';
import type { DynamoProblemCode } from './dynamo-limits.js';
import type { ExportOptions } from './options.js';

export const MANIFEST_VERSION = 1;
/** ExternalTableDefinition is an endpoint parameter of at most 2 MB (dms-formats.md §0). */
export const ETD_MAX_BYTES = 2 * 1024 * 1024;

/** What the extraction of one table produced. */
export interface TableExport {
  readonly schema: TableSchema;
  /** the LOAD parts in order (chunker.ts summaries) */
  readonly files: readonly PartSummary[];
  /** the table's CSV encoder stats (csv.ts), for ColumnLength and LobMaxSize */
  readonly stats: CsvStats;
  /** dynamo-limits problems counted by code */
  readonly problems?: Readonly<Partial<Record<DynamoProblemCode, number>>>;
}

export interface DmsDocument {
  /** path relative to the export root, '/'-separated */
  readonly path: string;
  readonly json: unknown;
}

export const DOCUMENT_PATHS = Object.freeze({
  tableDefinition: 'dms/table-definition.json',
  tableMapping: 'dms/table-mapping.json',
  taskSettings: 'dms/task-settings.json',
  endpointSettings: 'dms/endpoint-settings.json',
  manifest: 'manifest.json',
});

/** `<keyspace>/<table>/`: DMS reads the schema and table names from these two folder levels. */
export function tablePath(schema: TableSchema): string {
  for (const n of [schema.keyspace, schema.table]) {
    if (n === '' || n.includes('/') || n === '.' || n === '..') throw new AgentError('E_SCHEMA', `name ${JSON.stringify(n)} cannot be an S3 folder level`);
  }
  return `${schema.keyspace}/${schema.table}/`;
}

type EtdValue = string | number | boolean;

function checkedColumns(t: TableExport, o: ExportOptions): DmsColumn[] {
  const cols = dmsColumns(t.schema, o.types);
  if (t.stats.maxBytes.length !== cols.length) {
    throw new AgentError('E_BAD_ARGUMENT', `${t.schema.keyspace}.${t.schema.table}: stats for ${t.stats.maxBytes.length} columns, the table has ${cols.length}`);
  }
  return cols;
}

/** Bytes of the longest value of a column as DMS stores it (hex text -> raw bytes). */
function valueBytes(c: DmsColumn, fieldBytes: number, o: ExportOptions): number {
  if (c.render !== 'hex') return fieldBytes;
  return Math.ceil(Math.max(0, fieldBytes - (o.types.blobHexPrefix ? 2 : 0)) / 2);
}

function etdColumn(c: DmsColumn, fieldBytes: number, o: ExportOptions): Record<string, EtdValue> {
  const v = (x: number | boolean): EtdValue => (o.types.etdStringValues ? String(x) : x);
  const out: Record<string, EtdValue> = { ColumnName: c.name, ColumnType: c.dmsType };
  if (c.dmsType === 'STRING' || c.dmsType === 'BYTE') {
    out['ColumnLength'] = v(c.fixedLength ?? Math.max(o.types.minColumnLength, valueBytes(c, fieldBytes, o)));
  }
  if (c.precision !== null) out['ColumnPrecision'] = v(c.precision);
  if (c.scale !== null) out['ColumnScale'] = v(c.scale);
  if (c.dateFormat !== null) out['ColumnDateFormat'] = c.dateFormat;
  out['ColumnNullable'] = v(!c.isPk);
  out['ColumnIsPk'] = v(c.isPk);
  return out;
}

/** The External Table Definition of all tables (dms-formats.md §1.3). */
export function tableDefinition(tables: readonly TableExport[], o: ExportOptions): Record<string, unknown> {
  const s = (x: number): EtdValue => (o.types.etdStringValues ? String(x) : x);
  return {
    TableCount: s(tables.length),
    Tables: tables.map((t) => {
      const cols = checkedColumns(t, o);
      return {
        TableName: t.schema.table,
        TablePath: tablePath(t.schema),
        TableOwner: t.schema.keyspace,
        TableColumns: cols.map((c, i) => etdColumn(c, t.stats.maxBytes[i] ?? 0, o)),
        TableColumnsTotal: s(cols.length),
      };
    }),
  };
}

const DYNAMO_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export function targetTableName(schema: TableSchema, o: ExportOptions): string {
  const qualified = `${schema.keyspace}.${schema.table}`;
  const name = o.dms.targetTableNaming === 'table' && schema.table.length >= 3 ? schema.table : qualified;
  if (!DYNAMO_TABLE_NAME.test(name)) throw new AgentError('E_SCHEMA', `"${name}" is not a valid DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .)`);
  return name;
}

/** Selection rules per keyspace for the exported tables, and one object-mapping rule per table (§2.2). */
export function tableMapping(tables: readonly TableExport[], o: ExportOptions): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [];
  let id = 1;
  for (const t of tables) {
    const { keyspace, table } = t.schema;
    rules.push({
      'rule-type': 'selection',
      'rule-id': String(id),
      'rule-name': `select-${id}`,
      'object-locator': { 'schema-name': keyspace, 'table-name': table },
      'rule-action': 'include',
    });
    id++;
  }
  const names = new Map<string, string>();
  for (const t of tables) {
    const { keyspace, table } = t.schema;
    const target = targetTableName(t.schema, o);
    const clash = names.get(target);
    if (clash !== undefined) throw new AgentError('E_SCHEMA', `${clash} and ${keyspace}.${table} both map to DynamoDB table "${target}"; set targetTableNaming to keyspace.table`);
    names.set(target, `${keyspace}.${table}`);
    const plan = dynamoKeyPlan(t.schema, o.keys);
    const rule: Record<string, unknown> = {
      'rule-type': 'object-mapping',
      'rule-id': String(id),
      'rule-name': `map-${id}`,
      'rule-action': 'map-record-to-record',
      'object-locator': { 'schema-name': keyspace, 'table-name': table },
      'target-table-name': target,
    };
    if (plan.explicit) {
      const keys = plan.sortKey === null ? [plan.partitionKey] : [plan.partitionKey, plan.sortKey];
      rule['mapping-parameters'] = {
        'partition-key-name': plan.partitionKey.name,
        ...(plan.sortKey === null ? {} : { 'sort-key-name': plan.sortKey.name }),
        'attribute-mappings': keys.map((k) => ({
          'target-attribute-name': k.name,
          'attribute-type': 'scalar',
          'attribute-sub-type': 'string',
          value: k.template,
        })),
      };
    }
    rules.push(rule);
    id++;
  }
  return { rules };
}

/** S3Settings of the source endpoint, with the ETD as the string DMS takes. @throws E_BAD_ARGUMENT over 2 MB */
export function endpointSettings(etd: Record<string, unknown>, o: ExportOptions): Record<string, unknown> {
  const text = JSON.stringify(etd);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > ETD_MAX_BYTES) {
    throw new AgentError('E_BAD_ARGUMENT', `the External Table Definition has ${bytes} bytes, DMS takes at most ${ETD_MAX_BYTES}; export fewer tables per DMS task`);
  }
  const d = o.dms;
  return {
    ...(d.bucketName === '' ? {} : { BucketName: d.bucketName }),
    ...(d.bucketFolder === '' ? {} : { BucketFolder: d.bucketFolder }),
    ...(d.serviceAccessRoleArn === '' ? {} : { ServiceAccessRoleArn: d.serviceAccessRoleArn }),
    ...(d.expectedBucketOwner === '' ? {} : { ExpectedBucketOwner: d.expectedBucketOwner }),
    CsvDelimiter: o.csv.delimiter,
    CsvRowDelimiter: o.csv.rowDelimiter,
    CsvNullValue: o.csv.nullMarker,
    Rfc4180: true,
    IgnoreHeaderRows: 0,
    ...(d.migrationType === 'full-load-and-cdc' ? { CdcPath: d.cdcPath } : {}),
    ExternalTableDefinition: text,
  };
}

function maxLobBytes(tables: readonly TableExport[], o: ExportOptions): number {
  let max = 0;
  for (const t of tables) {
    checkedColumns(t, o).forEach((c, i) => {
      if (c.dmsType === 'CLOB' || c.dmsType === 'BLOB') max = Math.max(max, valueBytes(c, t.stats.maxBytes[i] ?? 0, o));
    });
  }
  return max;
}

export interface ManifestMeta {
  /** ISO-8601 time the export finished (the pure stage has no clock) */
  readonly createdAt?: string;
  /** free-form producer text, e.g. "cassandra-extractor 1.2.0" */
  readonly generator?: string;
}

export function manifest(tables: readonly TableExport[], o: ExportOptions, meta: ManifestMeta = {}): Record<string, unknown> {
  let rows = 0;
  let bytes = 0;
  let files = 0;
  const entries = tables.map((t) => {
    const path = tablePath(t.schema);
    const cols = checkedColumns(t, o);
    const tRows = t.files.reduce((n, f) => n + f.rows, 0);
    const tBytes = t.files.reduce((n, f) => n + f.bytes, 0);
    rows += tRows;
    bytes += tBytes;
    files += t.files.length;
    return {
      keyspace: t.schema.keyspace,
      table: t.schema.table,
      path,
      targetTable: targetTableName(t.schema, o),
      rows: tRows,
      bytes: tBytes,
      files: t.files.map((f) => ({ path: path + f.name, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
      columns: cols.map((c) => ({ name: c.name, cqlType: formatCqlType(c.cqlType), dmsType: c.dmsType, pk: c.isPk })),
      markerCollisions: t.stats.markerCollisions,
      zeroLengthValues: t.stats.zeroLengthValues,
      dynamoProblems: t.problems ?? {},
    };
  });
  return {
    manifestVersion: MANIFEST_VERSION,
    ...(meta.generator === undefined ? {} : { generator: meta.generator }),
    ...(meta.createdAt === undefined ? {} : { createdAt: meta.createdAt }),
    csv: {
      header: false,
      encoding: 'utf-8',
      delimiter: o.csv.delimiter,
      rowDelimiter: o.csv.rowDelimiter,
      nullMarker: o.csv.nullMarker,
      quoting: 'rfc4180',
    },
    dms: { migrationType: o.dms.migrationType, documents: Object.values(DOCUMENT_PATHS).filter((p) => p.startsWith('dms/')) },
    totals: { tables: tables.length, files, rows, bytes },
    tables: entries,
  };
}

/** Every JSON document of an export, to write beside the LOAD files. @throws AgentError (see the builders) */
export function dmsDocuments(tables: readonly TableExport[], o: ExportOptions, meta: ManifestMeta = {}): DmsDocument[] {
  const etd = tableDefinition(tables, o);
  return [
    { path: DOCUMENT_PATHS.tableDefinition, json: etd },
    { path: DOCUMENT_PATHS.tableMapping, json: tableMapping(tables, o) },
    { path: DOCUMENT_PATHS.taskSettings, json: taskSettings(o.dms, maxLobBytes(tables, o)) },
    { path: DOCUMENT_PATHS.endpointSettings, json: endpointSettings(etd, o) },
    { path: DOCUMENT_PATHS.manifest, json: manifest(tables, o, meta) },
  ];
}
