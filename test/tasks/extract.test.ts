/**
 * runExtract end to end on the generated sample data directory (writeSampleDataDir): the layout
 * contract, manifest counts, CSV read back with only the written documents equals `dump`'s rows;
 * per-table failures are reported and leave no manifest; the row source can be replaced.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { writeSampleDataDir, SAMPLE_WRITE_TIME } from '../../src/sample/index.js';
import { LocalSink } from '../../src/sink/local.js';
import { runExtract, type ExtractProgress } from '../../src/tasks/extract.js';
import { sstableRowSource, type RowSourceFactory } from '../../src/tasks/extract-source.js';
import { canonical } from '../conformance/expectations.js';
import { parseTable, readTree } from '../sink/helpers.js';

const NOW = SAMPLE_WRITE_TIME + 60;
let root: string;
let data: string;
let tables: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'extract-'));
  data = join(root, 'data');
  tables = (await writeSampleDataDir(data, { rows: 400 })).tables;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function dumpRows(table: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of dumpJsonRows([data], { nowInSec: NOW, keyspace: 'sample', table })) for (const r of b) out.push(canonical(r));
  return out;
}

describe('runExtract to a local directory', () => {
  it('writes the DMS layout; manifest counts equal rows; CSV parses back (ETD only) to the rows dump gives', async () => {
    const out = join(root, 'out1');
    const progress: ExtractProgress[] = [];
    const report = await runExtract(
      { dataDirs: [data], keyspace: 'sample', sink: new LocalSink(out), nowInSec: NOW, chunkSizeBytes: 8 * 1024, generator: 'test' },
      { onProgress: (p) => progress.push(p), now: () => new Date('2024-01-01T00:00:00Z') },
    );
    expect(report.errorSummary).toBe('');
    expect(report.complete).toBe(true);
    expect(report.tables.map((t) => t.table)).toEqual([...tables].sort());
    expect(report.tables.every((t) => t.state === 'loaded')).toBe(true);

    const tree = await readTree(out);
    const keys = [...tree.keys()];
    for (const d of ['dms/table-definition.json', 'dms/table-mapping.json', 'dms/task-settings.json', 'dms/endpoint-settings.json', 'manifest.json']) expect(keys).toContain(d);
    expect(keys.every((k) => /^(dms\/[a-z-]+\.json|manifest\.json|sample\/[a-z_0-9]+\/LOAD\d{8}\.csv|problems\/sample\/[a-z_0-9]+\/LOAD\d{8}\.jsonl)$/.test(k))).toBe(true);
    expect(keys.some((k) => k.endsWith('LOAD00000002.csv'))).toBe(true);

    const manifest = JSON.parse((tree.get('manifest.json') as Buffer).toString('utf8')) as {
      totals: { rows: number; files: number };
      tables: { table: string; rows: number; files: { path: string; rows: number; bytes: number; sha256: string }[] }[];
    };
    let total = 0;
    for (const t of tables) {
      const expected = await dumpRows(t);
      const m = manifest.tables.find((x) => x.table === t);
      expect(m?.rows, `${t} manifest rows`).toBe(expected.length);
      for (const f of m?.files ?? []) {
        expect(tree.get(f.path)?.length, f.path).toBe(f.bytes);
        expect(createHash('sha256').update(tree.get(f.path) ?? Buffer.alloc(0)).digest('hex'), f.path).toBe(f.sha256);
      }
      const parsed = parseTable(tree, 'sample', t).map(canonical);
      expect(parsed, t).toEqual(expected);
      total += expected.length;
    }
    expect(manifest.totals.rows).toBe(total);

    // rows DynamoDB cannot take (the sample has static-only partitions: KEY_NULL) stay in the CSV and
    // are listed by key beside it
    const withProblems = report.tables.filter((t) => t.problemRows > 0);
    expect(withProblems.length).toBeGreaterThan(0);
    for (const t of withProblems) {
      expect(t.problemFiles.reduce((n, f) => n + f.rows, 0)).toBe(t.problemRows);
      for (const f of t.problemFiles) {
        const lines = (tree.get(f.key) as Buffer).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; key: Record<string, unknown>; problems: { code: string }[] });
        expect(lines).toHaveLength(f.rows);
        for (const l of lines) {
          expect(Object.keys(l.key).length).toBeGreaterThan(0);
          expect(l.problems.length).toBeGreaterThan(0);
          expect(f.key.endsWith(l.file.replace('.csv', '.jsonl'))).toBe(true);
        }
      }
    }
    expect(report.rows).toBe(total);

    expect(progress.length).toBeGreaterThan(0);
    const last = progress[progress.length - 1] as ExtractProgress;
    expect(last.phase).toBe('done');
    expect(last.tablesDone).toBe(tables.length);
    expect(last.dataBytesRead).toBe(last.dataBytesTotal);
    expect(last.dataBytesTotal).toBeGreaterThan(0);
  });

  it('--table selects; the rest is listed as skipped with why', async () => {
    const out = join(root, 'out2');
    const pick = tables[0] as string;
    const report = await runExtract({ dataDirs: [data], keyspace: 'sample', tables: [pick], sink: new LocalSink(out), nowInSec: NOW });
    expect(report.complete).toBe(true);
    expect(report.tables.map((t) => t.table)).toEqual([pick]);
    expect(report.skipped.map((s) => s.table).sort()).toEqual(tables.filter((t) => t !== pick).sort());
    await expect(runExtract({ dataDirs: [data], keyspace: 'sample', tables: ['nope'], sink: new LocalSink(out), nowInSec: NOW })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('a table that cannot be read is reported with its cause; the others load; no manifest is written', async () => {
    const broken = join(root, 'broken');
    await writeSampleDataDir(broken, { rows: 100 });
    const victim = tables[1] as string;
    const ksDir = join(broken, 'sample');
    const dir = (await readdir(ksDir)).find((d) => d.startsWith(`${victim}-`)) as string;
    const dataFile = (await readdir(join(ksDir, dir))).find((f) => f.endsWith('-Data.db')) as string;
    await truncate(join(ksDir, dir, dataFile), 10);
    const out = join(root, 'out3');
    const report = await runExtract({ dataDirs: [broken], keyspace: 'sample', sink: new LocalSink(out), nowInSec: NOW });
    expect(report.complete).toBe(false);
    const bad = report.tables.find((t) => t.table === victim);
    expect(bad?.state).toBe('errored');
    expect(bad?.error?.code).toMatch(/^E_/);
    expect(report.errorSummary).toContain(`sample.${victim}`);
    expect(report.tables.filter((t) => t.table !== victim).every((t) => t.state === 'loaded')).toBe(true);
    expect(report.documents).toEqual([]);
    const tree = await readTree(out);
    expect(tree.has('manifest.json')).toBe(false);
  });

  it('takes an injected row source (the seam for a parallel reader)', async () => {
    const calls: string[] = [];
    const source: RowSourceFactory = (loc, schema, o) => {
      calls.push(`${schema.keyspace}.${schema.table}`);
      return sstableRowSource(loc, schema, o);
    };
    const out = join(root, 'out4');
    const report = await runExtract({ dataDirs: [data], keyspace: 'sample', sink: new LocalSink(out), nowInSec: NOW }, { rowSource: source });
    expect(report.complete).toBe(true);
    expect(calls.sort()).toEqual(tables.map((t) => `sample.${t}`).sort());
  });

  it('two data dirs of the same node data (replicas) merge to the same rows', async () => {
    const out = join(root, 'out5');
    const pick = tables[0] as string;
    const report = await runExtract({ dataDirs: [data, data], keyspace: 'sample', tables: [pick], sink: new LocalSink(out), nowInSec: NOW });
    expect(report.complete).toBe(true);
    const tree = await readTree(out);
    expect(parseTable(tree, 'sample', pick).map(canonical)).toEqual(await dumpRows(pick));
  });
});
