/**
 * End to end over the 2.x fixtures (ka, la): readV2 -> mergeToCqlRows -> jsonRowRenderer equals the
 * expectation files (../shared/fixtures/expected, rules in MANIFEST.md).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonRowRenderer } from '../../../src/export/json-row.js';
import { mergeToCqlRows } from '../../../src/merge/merge.js';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../../src/schema/model.js';
import { describeDataFile } from '../../../src/sstable/io/descriptor.js';
import { closeAll, mergeOptionsFor, openSSTable, type OpenedSSTable } from '../../../src/sstable/table.js';
import { buildV2Layout } from '../../../src/sstable/v2/layout.js';
import { readV2 } from '../../../src/sstable/v2/reader.js';
import { canonical, loadExpectations, matches, type Expectation, type Row } from '../../conformance/expectations.js';
import { FIXTURES_ROOT, haveFixture } from '../../helpers/fixtures.js';

const present = haveFixture('expected');
const sets = present
  ? loadExpectations(join(FIXTURES_ROOT, 'expected')).filter(
      (e) => (e.format === 'ka' || e.format === 'la' || e.format === 'lb') && e.kind === undefined && !e.file.startsWith('commitlog') && !e.file.startsWith('cassandra-migration'),
    )
  : [];

async function dump(e: Expectation, tables: readonly OpenedSSTable[], schema: TableSchema, nowInSec: number): Promise<Row[]> {
  const partitioner = tables[0]?.statistics.partitioner ?? 'org.apache.cassandra.dht.Murmur3Partitioner';
  const sources = tables.map((t) => readV2(t.data, buildV2Layout(schema, t.data.path)));
  const render = jsonRowRenderer(schema);
  const out: Row[] = [];
  for await (const batch of mergeToCqlRows(sources, mergeOptionsFor(schema, partitioner, { nowInSec }))) for (const r of batch) out.push(render(r));
  expect(e.sstables.length).toBe(tables.length);
  return out;
}

function check(e: Expectation, rows: Row[], truth: Row[] | null | undefined): void {
  if (truth !== undefined && truth !== null && (truth.length > 0 || e.rowCount === 0)) {
    const a = rows.map(canonical);
    const x = truth.map(canonical);
    if (e.ordered !== true) {
      a.sort();
      x.sort();
    }
    expect(a.length, 'row count').toBe(x.length);
    expect(a).toEqual(x);
    return;
  }
  if (e.rowCount !== null) expect(rows.length, 'rowCount').toBe(e.rowCount);
  for (const s of e.sampleRows ?? []) expect(rows.some((r) => matches(r, s)), `sample row ${canonical(s)}`).toBe(true);
}

describe.runIf(present)('2.x fixtures end to end (readV2 + merge)', () => {
  for (const e of sets) {
    it(`${e.format} ${e.file}`, async () => {
      const parsed = parseCqlSchema(e.schema.cql);
      const schema = parsed.tables[0];
      if (schema === undefined) throw new Error(`no table in the schema of ${e.file}`);
      const tables: OpenedSSTable[] = [];
      try {
        for (const s of e.sstables) tables.push(await openSSTable(await describeDataFile(join(FIXTURES_ROOT, e.fixture, s))));
        let maxTs = 0n;
        for (const t of tables) if (t.statistics.stats.maxTimestamp > maxTs) maxTs = t.statistics.stats.maxTimestamp;
        const writeNow = Number(maxTs / 1_000_000n) + 1;
        const now = Math.floor(Date.now() / 1000);
        if (e.rowsAfterExpiry !== undefined) {
          check(e, await dump(e, tables, schema, writeNow), e.rows);
          check(e, await dump(e, tables, schema, now), e.rowsAfterExpiry);
        } else {
          check(e, await dump(e, tables, schema, now), e.rows);
        }
      } finally {
        await closeAll(tables);
      }
    });
  }
});
