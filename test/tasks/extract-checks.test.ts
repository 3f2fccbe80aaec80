import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { createCsvStats, csvJsonRowEncoder } from '../../src/export/csv.js';
import { dmsColumns } from '../../src/export/dms-columns.js';
import { dynamoRowChecker } from '../../src/export/dynamo-limits.js';
import type { JsonRow } from '../../src/export/json-row.js';
import { resolveExportOptions } from '../../src/export/options.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import { SAMPLE_WRITE_TIME, sampleSchemas, writeSampleDataDir } from '../../src/sample/index.js';
import { rowProblemChecker } from '../../src/tasks/extract-checks.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checks-'));
  await writeSampleDataDir(dir, { rows: 300 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const o = resolveExportOptions();

describe('rowProblemChecker gives exactly the full check', () => {
  it('on every sample row, and on rows made to break every limit', async () => {
    for (const schema of sampleSchemas()) {
      const full = dynamoRowChecker(schema, o);
      const fast = rowProblemChecker(schema, o);
      const cols = dmsColumns(schema, o.types);
      const enc = csvJsonRowEncoder(cols, o, createCsvStats(cols.length));
      for await (const batch of dumpJsonRows([dir], { nowInSec: SAMPLE_WRITE_TIME + 60, keyspace: 'sample', table: schema.table })) {
        for (const r of batch) expect(fast(r, enc(r).length), schema.table).toEqual(full(r));
      }
    }
    const t = parseCqlSchema('CREATE TABLE k.t (a text, b text, c varint, d text, e double, PRIMARY KEY ((a, b), c))').tables[0];
    if (t === undefined) throw new Error('schema');
    const full = dynamoRowChecker(t, o);
    const fast = rowProblemChecker(t, o);
    const cols = dmsColumns(t, o.types);
    const enc = csvJsonRowEncoder(cols, o, createCsvStats(cols.length));
    const rows: JsonRow[] = [
      { a: 'x', b: 'y', c: '1', d: 'z'.repeat(500 * 1024), e: 1 },
      { a: 'x#1', b: '', c: '1'.repeat(40), d: null, e: 'NaN' },
      { a: 'k'.repeat(3000), b: 'y', c: '5', d: 'small', e: 1e300 },
      { a: 'x', b: 'y', c: '2', d: 'é'.repeat(210 * 1024), e: 0 },
    ];
    for (const r of rows) {
      const expected = full(r);
      expect(expected.length).toBeGreaterThan(0);
      expect(fast(r, enc(r).length)).toEqual(expected);
    }
  });
});
