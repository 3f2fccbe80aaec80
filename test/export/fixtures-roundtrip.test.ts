/**
 * Round-trip acceptance on the shared corpus: every 3.x SSTable set with a full `rows` expectation is
 * decoded, encoded to CSV, parsed back with ONLY the table definition and endpoint settings, and
 * compared with the expected rows.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvRowEncoder, type CsvEncoder } from '../../src/export/csv.js';
import { locateTable } from '../../src/catalog/locate.js';
import { resolveSchema } from '../../src/catalog/schema.js';
import type { TableSchema } from '../../src/schema/model.js';
import { csvTableParser, type EtdTable } from '../../src/export/csv-parse.js';
import { endpointSettings, tableDefinition } from '../../src/export/dms-json.js';
import type { JsonRow } from '../../src/export/json-row.js';
import { resolveExportOptions } from '../../src/export/options.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import { describeDataFile } from '../../src/sstable/io/descriptor.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../../src/sstable/table.js';
import { canonical, loadExpectations, type Expectation } from '../conformance/expectations.js';
import { FIXTURES_ROOT, haveFixture } from '../helpers/fixtures.js';

const present = haveFixture('expected');
const FORMATS = new Set(['ma', 'mb', 'mc', 'md', 'me']);
const sets = present
  ? loadExpectations(join(FIXTURES_ROOT, 'expected')).filter((e) => e.kind === undefined && e.rows !== null && FORMATS.has(e.format))
  : [];

/**
 * The table from the expectation's CQL (matched by keyspace and name, by name, or the only table). The
 * pcass-me data directory (system tables, UDTs defined elsewhere) resolves as `dump` does: from its
 * system_schema, through the catalog.
 */
async function schemaFor(e: Expectation, nowInSec: number): Promise<TableSchema> {
  if (!e.fixture.startsWith('pcass-me/')) {
    const tables = parseCqlSchema(e.schema.cql, { defaultKeyspace: e.keyspace }).tables;
    const t = tables.find((x) => x.keyspace === e.keyspace && x.table === e.table) ?? tables.find((x) => x.table === e.table) ?? (tables.length === 1 ? tables[0] : undefined);
    if (t === undefined) throw new Error(`${e.file}: no table ${e.keyspace}.${e.table} in schema.cql`);
    return t;
  }
  const loc = await locateTable(e.sstables.map((s) => join(FIXTURES_ROOT, e.fixture, s)));
  return (await resolveSchema(loc, { nowInSec })).schema;
}

async function roundTrip(e: Expectation): Promise<{ parsed: JsonRow[]; csv: string }> {
  let schema: TableSchema;
  const opened: OpenedSSTable[] = [];
  const o = resolveExportOptions();
  let csv = '';
  let enc: CsvEncoder;
  try {
    for (const s of e.sstables) opened.push(await openSSTable(await describeDataFile(join(FIXTURES_ROOT, e.fixture, s))));
    // "now" just after the newest write: `rows` is the view right after the data was written (MANIFEST.md)
    let max = 0n;
    for (const t of opened) if (t.statistics.stats.maxTimestamp > max) max = t.statistics.stats.maxTimestamp;
    const nowInSec = Number(max / 1_000_000n) + 1;
    schema = await schemaFor(e, nowInSec);
    enc = csvRowEncoder(schema, o);
    for await (const batch of tableRows(opened, schema, { nowInSec })) for (const row of batch) csv += enc(row);
  } finally {
    await closeAll(opened);
  }
  const etd = tableDefinition([{ schema, files: [], stats: enc.stats }], o);
  const table = (etd['Tables'] as EtdTable[])[0] as EtdTable;
  // JSON round trip of the documents: the parser sees only what a file would hold
  const etdTable = JSON.parse(JSON.stringify(table)) as EtdTable;
  const endpoint = JSON.parse(JSON.stringify(endpointSettings(etd, o))) as Record<string, string>;
  return { parsed: csvTableParser(etdTable, endpoint)(csv), csv };
}

describe.runIf(present)('CSV round trip on the fixture corpus', () => {
  for (const e of sets) {
    it(e.file, async () => {
      const { parsed } = await roundTrip(e);
      const a = parsed.map(canonical);
      const x = (e.rows ?? []).map(canonical);
      if (e.ordered !== true) {
        a.sort();
        x.sort();
      }
      expect(a.length, 'row count').toBe(x.length);
      expect(a).toEqual(x);
    });
  }
});
