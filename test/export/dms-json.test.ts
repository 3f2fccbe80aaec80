import { describe, expect, it } from 'vitest';
import { createCsvStats } from '../../src/export/csv.js';
import { dmsDocuments, DOCUMENT_PATHS, endpointSettings, tableDefinition, tableMapping, type TableExport } from '../../src/export/dms-json.js';
import { taskSettings } from '../../src/export/dms-task-settings.js';
import { resolveExportOptions } from '../../src/export/options.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';

const schemas = parseCqlSchema(`
  CREATE TABLE shop.orders (customer_id uuid, order_ts timestamp, amount decimal, qty int, note text, tags set<text>,
    PRIMARY KEY (customer_id, order_ts));
  CREATE TABLE shop.ev (a text, b int, c int, d date, payload blob, PRIMARY KEY ((a, b), c, d));
  CREATE TABLE shop.kv (k bigint PRIMARY KEY, v boolean);
`).tables;
const byName = (n: string): TableSchema => schemas.find((t) => t.table === n) as TableSchema;

function exportOf(name: string, maxBytes: number[], rows = 3): TableExport {
  const stats = createCsvStats(maxBytes.length);
  maxBytes.forEach((m, i) => { stats.maxBytes[i] = m; });
  stats.rows = rows;
  return { schema: byName(name), files: [{ name: 'LOAD00000001.csv', rows, bytes: 100, sha256: 'ab'.repeat(32) }], stats, problems: { KEY_NULL: 1 } };
}

const O = resolveExportOptions({ dms: { bucketName: 'bkt', bucketFolder: 'exports/run1' } });
const orders = exportOf('orders', [36, 23, 12, 70000, 2, 300]);
const ev = exportOf('ev', [3, 1, 1, 10, 2 + 2 * 100]);
const kv = exportOf('kv', [5, 4]);

describe('External Table Definition', () => {
  const etd = tableDefinition([orders, ev], O);
  it('lists every column with its DMS type, in CSV order', () => {
    expect(etd['TableCount']).toBe('2');
    const t = (etd['Tables'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(t).toMatchObject({ TableName: 'orders', TablePath: 'shop/orders/', TableOwner: 'shop', TableColumnsTotal: '6' });
    expect(t['TableColumns']).toEqual([
      { ColumnName: 'customer_id', ColumnType: 'STRING', ColumnLength: '36', ColumnNullable: 'false', ColumnIsPk: 'true' },
      { ColumnName: 'order_ts', ColumnType: 'DATETIME', ColumnScale: '3', ColumnDateFormat: 'YYYY-MM-dd HH:mm:ss.F', ColumnNullable: 'false', ColumnIsPk: 'true' },
      { ColumnName: 'amount', ColumnType: 'STRING', ColumnLength: '256', ColumnNullable: 'true', ColumnIsPk: 'false' },
      { ColumnName: 'note', ColumnType: 'STRING', ColumnLength: '70000', ColumnNullable: 'true', ColumnIsPk: 'false' },
      { ColumnName: 'qty', ColumnType: 'INT4', ColumnNullable: 'true', ColumnIsPk: 'false' },
      { ColumnName: 'tags', ColumnType: 'CLOB', ColumnNullable: 'true', ColumnIsPk: 'false' },
    ]);
  });

  it('writes native JSON values when asked', () => {
    const n = tableDefinition([kv], resolveExportOptions({ types: { etdStringValues: false } }));
    expect(n['TableCount']).toBe(1);
    expect((n['Tables'] as Record<string, unknown>[])[0]?.['TableColumns']).toEqual([
      { ColumnName: 'k', ColumnType: 'INT8', ColumnNullable: false, ColumnIsPk: true },
      { ColumnName: 'v', ColumnType: 'BOOLEAN', ColumnNullable: true, ColumnIsPk: false },
    ]);
  });

  it('sizes BYTE columns in raw bytes', () => {
    const b = tableDefinition([ev], resolveExportOptions({ types: { blobAs: 'BYTE', blobHexPrefix: true, minColumnLength: 1 } }));
    const cols = (b['Tables'] as Record<string, unknown>[])[0]?.['TableColumns'] as Record<string, unknown>[];
    expect(cols.find((c) => c['ColumnName'] === 'payload')).toMatchObject({ ColumnType: 'BYTE', ColumnLength: '100' });
  });

  it('refuses stats that do not match the table', () => {
    expect(() => tableDefinition([{ ...kv, stats: createCsvStats(3) }], O)).toThrow(/stats for 3 columns/);
  });
});

describe('table mapping', () => {
  const m = tableMapping([orders, ev, kv], O)['rules'] as Record<string, unknown>[];
  it('selects each exported table and maps keys to DynamoDB', () => {
    expect(m.filter((r) => r['rule-type'] === 'selection').map((r) => r['object-locator'])).toEqual([
      { 'schema-name': 'shop', 'table-name': 'orders' },
      { 'schema-name': 'shop', 'table-name': 'ev' },
      { 'schema-name': 'shop', 'table-name': 'kv' },
    ]);
    expect(new Set(m.map((r) => r['rule-id'])).size).toBe(m.length);
    const maps = m.filter((r) => r['rule-type'] === 'object-mapping');
    expect(maps[0]).toMatchObject({
      'rule-action': 'map-record-to-record', 'target-table-name': 'orders',
      'mapping-parameters': {
        'partition-key-name': 'customer_id', 'sort-key-name': 'order_ts',
        'attribute-mappings': [
          { 'target-attribute-name': 'customer_id', 'attribute-type': 'scalar', 'attribute-sub-type': 'string', value: '${customer_id}' },
          { 'target-attribute-name': 'order_ts', 'attribute-type': 'scalar', 'attribute-sub-type': 'string', value: '${order_ts}' },
        ],
      },
    });
    expect(maps[1]).toMatchObject({
      'target-table-name': 'shop.ev',
      'mapping-parameters': { 'partition-key-name': 'pk', 'sort-key-name': 'sk' },
    });
    expect((maps[1]?.['mapping-parameters'] as Record<string, unknown>)['attribute-mappings']).toEqual([
      { 'target-attribute-name': 'pk', 'attribute-type': 'scalar', 'attribute-sub-type': 'string', value: '${a}#${b}' },
      { 'target-attribute-name': 'sk', 'attribute-type': 'scalar', 'attribute-sub-type': 'string', value: '${c}#${d}' },
    ]);
    expect(maps[2]).not.toHaveProperty('mapping-parameters');
  });

  it('refuses two tables mapping to one DynamoDB table', () => {
    const other = { ...orders, schema: { ...orders.schema, keyspace: 'other' } };
    expect(() => tableMapping([orders, other], O)).toThrow(/both map/);
    expect(() => tableMapping([orders, other], resolveExportOptions({ dms: { targetTableNaming: 'keyspace.table' } }))).not.toThrow();
  });
});

describe('endpoint and task settings', () => {
  it('matches the CSV options and carries the ETD as a string', () => {
    const etd = tableDefinition([kv], O);
    const e = endpointSettings(etd, O);
    expect(e).toMatchObject({ BucketName: 'bkt', BucketFolder: 'exports/run1', CsvDelimiter: ',', CsvRowDelimiter: '\n', CsvNullValue: '\\N', Rfc4180: true, IgnoreHeaderRows: 0 });
    expect(e).not.toHaveProperty('CdcPath');
    expect(JSON.parse(e['ExternalTableDefinition'] as string)).toEqual(etd);
    const cdc = resolveExportOptions({ dms: { migrationType: 'full-load-and-cdc', cdcPath: 'changes' } });
    expect(endpointSettings(etd, cdc)).toMatchObject({ CdcPath: 'changes' });
  });

  it('refuses an ETD over 2 MB', () => {
    const big = { Tables: ['x'.repeat(2 * 1024 * 1024)] };
    expect(() => endpointSettings(big, O)).toThrow(/at most/);
  });

  it('sizes LobMaxSize from the longest LOB and adds CDC tuning only for CDC', () => {
    const full = taskSettings(O.dms, 100 * 1024 + 1);
    expect(full['TargetMetadata']).toMatchObject({ LimitedSizeLobMode: true, LobMaxSize: 101, FullLobMode: false });
    expect(full['FullLoadSettings']).toMatchObject({ TargetTablePrepMode: 'DO_NOTHING' });
    expect(full).not.toHaveProperty('ChangeProcessingTuning');
    expect(taskSettings(O.dms, 0)['TargetMetadata']).toMatchObject({ LobMaxSize: 32 });
    const cdc = taskSettings(resolveExportOptions({ dms: { migrationType: 'full-load-and-cdc' } }).dms, 0);
    expect(cdc).toHaveProperty('ChangeProcessingTuning');
    expect(cdc['ValidationSettings']).toEqual({ EnableValidation: false });
  });
});

describe('dmsDocuments', () => {
  it('returns the documents at the layout-contract paths with a manifest', () => {
    const docs = dmsDocuments([orders, kv], O, { createdAt: '2024-01-01T00:00:00.000Z', generator: 'test' });
    expect(docs.map((d) => d.path)).toEqual([
      'dms/table-definition.json', 'dms/table-mapping.json', 'dms/task-settings.json', 'dms/endpoint-settings.json', 'manifest.json',
    ]);
    const manifest = docs.find((d) => d.path === DOCUMENT_PATHS.manifest)?.json as Record<string, unknown>;
    expect(manifest).toMatchObject({ manifestVersion: 1, createdAt: '2024-01-01T00:00:00.000Z', totals: { tables: 2, files: 2, rows: 6, bytes: 200 } });
    const t0 = (manifest['tables'] as Record<string, unknown>[])[0];
    expect(t0).toMatchObject({
      keyspace: 'shop', table: 'orders', path: 'shop/orders/', rows: 3,
      files: [{ path: 'shop/orders/LOAD00000001.csv', rows: 3, bytes: 100, sha256: 'ab'.repeat(32) }],
      dynamoProblems: { KEY_NULL: 1 },
    });
    expect((t0?.['columns'] as Record<string, unknown>[])[5]).toEqual({ name: 'tags', cqlType: 'set<text>', dmsType: 'CLOB', pk: false });
    const task = docs.find((d) => d.path === DOCUMENT_PATHS.taskSettings)?.json as Record<string, Record<string, unknown>>;
    expect(task['TargetMetadata']?.['LobMaxSize']).toBe(32);
  });
});
