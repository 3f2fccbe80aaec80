/**
 * Real data, mid-upgrade: the `ka` bench file (Cassandra 2.1) holds exactly the first 20,000
 * partitions of the `mc` bench file (Cassandra 3.11), written with the same timestamps
 * (../shared/bench/README.md). Merged as one table, the two must give exactly the rows of the `mc`
 * file alone: every cell of the `ka` file meets its twin and reconciles to it (equal timestamps, so
 * the value tie-break of resolveRegular runs for every cell), and no row is lost or doubled.
 * Compared through the CSV records an extraction writes, by SHA-256 and count, streaming.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveExportOptions } from '../../src/export/options.js';
import { withInternalColumnOrder } from '../../src/schema/column-order.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { listSSTables } from '../../src/sstable/io/descriptor.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../../src/sstable/table.js';
import { batchEncoder } from '../../src/tasks/encode-batch.js';
import { BENCH_ROOT, inCI } from '../helpers/fixtures.js';

const TABLE_DIR = 'bench/events_mixed-61eac2c44d0411e8b3379579ee5f66fb';
const mcDir = join(BENCH_ROOT, 'mc-lz4-mixed', TABLE_DIR);
const kaDir = join(BENCH_ROOT, 'ka-lz4-mixed', TABLE_DIR);
const have = existsSync(mcDir) && existsSync(kaDir);
if (!have) {
  if (inCI) throw new Error(`bench data missing under CI: ${mcDir}, ${kaDir}`);
  console.warn(`skipping: bench data not found at ${BENCH_ROOT}`);
}

const SCHEMA = `CREATE TABLE bench.events_mixed (
    id uuid, ts timestamp, title text, qty int, total bigint, price double, active boolean,
    tags set<text>, attrs map<text, int>, payload blob, PRIMARY KEY (id, ts));`;

async function digest(dirs: readonly string[], schema: TableSchema): Promise<{ rows: number; sha256: string; sources: number }> {
  const opened: OpenedSSTable[] = [];
  try {
    for (const d of dirs) for (const desc of await listSSTables(d)) opened.push(await openSSTable(desc, { index: false }));
    const enc = batchEncoder(schema, resolveExportOptions({}));
    const hash = createHash('sha256');
    let rows = 0;
    for await (const batch of tableRows(opened, schema, { nowInSec: 1_700_000_000 })) {
      if (batch.length === 0) continue;
      const b = enc.encode(batch);
      expect(b.problems).toEqual([]);
      hash.update(b.bytes);
      rows += b.count;
    }
    return { rows, sha256: hash.digest('hex'), sources: opened.length };
  } finally {
    await closeAll(opened);
  }
}

describe.runIf(have)('the ka and mc bench files merged as one table', () => {
  it('give exactly the rows of the mc file alone', async () => {
    const parsed = parseCqlSchema(SCHEMA).tables[0];
    if (parsed === undefined) throw new Error('schema did not parse');
    const schema = withInternalColumnOrder(parsed);
    const alone = await digest([mcDir], schema);
    const merged = await digest([mcDir, kaDir], schema);
    expect(alone.sources).toBe(1);
    expect(merged.sources).toBe(2);
    expect(alone.rows).toBe(760_515);
    expect(merged).toEqual({ ...alone, sources: 2 });
  }, 180_000);
});
