import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSampleDataDir } from '../helpers/sample-dir.js';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { createCsvStats, csvJsonRowEncoder } from '../../src/export/csv.js';
import { dmsColumns } from '../../src/export/dms-columns.js';
import { dynamoRowChecker } from '../../src/export/dynamo-limits.js';
import type { JsonRow } from '../../src/export/json-row.js';
import { resolveExportOptions } from '../../src/export/options.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import { SAMPLE_WRITE_TIME, sampleSchemas } from '../../src/sample/index.js';
import { rowProblemChecker } from '../../src/tasks/extract-checks.js';

const sampleDir = useSampleDataDir('checks-', 300);

const o = resolveExportOptions();

describe('rowProblemChecker gives exactly the full check', () => {
  it('on every sample row, and on rows made to break every limit', async () => {
    for (const schema of sampleSchemas()) {
      const full = dynamoRowChecker(schema, o);
      const fast = rowProblemChecker(schema, o);
      const cols = dmsColumns(schema, o.types);
      const enc = csvJsonRowEncoder(cols, o, createCsvStats(cols.length));
      for await (const batch of dumpJsonRows([sampleDir()], { nowInSec: SAMPLE_WRITE_TIME + 60, keyspace: 'sample', table: schema.table })) {
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

describe('rowCertainlyFine (byte-level pre-check)', () => {
  it('is true only for rows the full check finds nothing in, and true for most ordinary rows', async () => {
    const { writeSSTable } = await import('../../src/sstable/writer/index.js');
    const { openSSTable, tableRows } = await import('../../src/sstable/table.js');
    const { listSSTables } = await import('../../src/sstable/io/descriptor.js');
    const { jsonRowRenderer } = await import('../../src/export/json-row.js');
    const { csvRowEncoder } = await import('../../src/export/csv.js');
    const { murmur3Token } = await import('../../src/merge/murmur3.js');
    const { rowCertainlyFine } = await import('../../src/tasks/extract-checks.js');
    const t = parseCqlSchema('CREATE TABLE k.n (id uuid, ts timestamp, d double, f float, v varint, m decimal, PRIMARY KEY (id, ts))').tables[0];
    if (t === undefined) throw new Error('schema');
    const o2 = resolveExportOptions({ types: { varintAs: 'NUMERIC', decimalAs: 'NUMERIC' } });
    const values: Record<string, unknown>[] = [
      { d: 1.5, f: 2.25, v: '12', m: '3.14' },
      { d: 1e-300, f: 1, v: '1', m: '1' },
      { d: 'NaN', f: 'Infinity', v: '9'.repeat(45), m: '1E+200' },
      { d: 0, f: -0, v: '-1', m: '0.000' },
      { d: 1e200, f: 3, v: '0', m: '12345678901234567890123456789012345678901234' },
    ];
    const dir = await mkdtemp(join(tmpdir(), 'checks-n-'));
    const uuids = values.map((_, i) => `0000000${i}-0000-4000-8000-000000000000`);
    const key = (u: string): bigint => murmur3Token(Buffer.from(u.replace(/-/g, ''), 'hex'));
    const order = uuids.map((u, i) => ({ u, i })).sort((a, b) => (key(a.u) < key(b.u) ? -1 : 1));
    await writeSSTable(dir, t, order.map(({ u, i }) => ({
      key: [u],
      rows: [{ clustering: ['2020-01-01T00:00:00.000Z'], liveness: { timestamp: 1n }, cells: Object.fromEntries(Object.entries(values[i] ?? {}).map(([k, v]) => [k, { value: v as never }])) }],
    })), { generation: 1, compression: 'none', nowInSec: 1_600_000_000 });
    const full = dynamoRowChecker(t, o2);
    const fine = rowCertainlyFine(t, o2, rowProblemChecker(t, o2));
    const render = jsonRowRenderer(t);
    const enc = csvRowEncoder(t, o2);
    let yes = 0;
    let no = 0;
    const [d] = await listSSTables(dir);
    if (d === undefined) throw new Error('no sstable');
    const opened = await openSSTable(d, { index: false });
    for await (const batch of tableRows([opened], t, { nowInSec: 1_600_000_000 })) {
      for (const r of batch) {
        const problems = full(render(r));
        if (fine(r, Buffer.byteLength(enc(r)))) {
          yes++;
          expect(problems).toEqual([]);
        } else no++;
      }
    }
    await opened.data.close();
    expect(yes).toBeGreaterThanOrEqual(2);
    expect(no).toBeGreaterThanOrEqual(3);
    await rm(dir, { recursive: true, force: true });
  });
});
