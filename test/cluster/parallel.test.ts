/**
 * Range-edge property: random tables (several SSTables with overlapping keys, keys whose tokens sit on
 * the range bounds, the empty key with the minimum token), read as any number of ranges by any number
 * of workers, give exactly the rows of one sequential read (dumpJsonRows): no row lost or duplicated.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parallelTableLines, sequentialTableRows } from '../../src/cluster/parallel.js';
import { WorkerPool } from '../../src/cluster/workers.js';
import { pathToFileURL } from 'node:url';
import { rangesFromBounds, type TokenRange } from '../../src/cluster/ranges.js';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { jsonRowRenderer } from '../../src/export/json-row.js';
import { compareUnsigned } from '../../src/merge/bytes.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { writeSSTable, type WritePartition } from '../../src/sstable/writer/index.js';

const NOW = 1_700_000_000;
const CQL = 'CREATE TABLE ks.t (pk blob, ck int, v text, PRIMARY KEY (pk, ck));';
const SCHEMA = parseCqlSchema(CQL).tables[0] as TableSchema;
const root = resolve(import.meta.dirname, '..', '..');

async function ensureDist(): Promise<void> {
  const entry = join(root, 'dist', 'cluster', 'workers-entry.js');
  const newest = Math.max(...readdirSync(join(root, 'src', 'cluster')).map((f) => statSync(join(root, 'src', 'cluster', f)).mtimeMs));
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest) return;
  await promisify(execFile)('npx', ['tsc', '-p', join(root, 'tsconfig.build.json')], { cwd: root }).catch(() => undefined);
  if (!existsSync(entry)) throw new Error('dist/cluster/workers-entry.js was not built');
}

interface Generated {
  /** per SSTable: keys (hex) and, per key, rows (ck -> [value, timestamp]) */
  readonly sstables: { key: string; rows: [number, string, number][]; deleted: boolean }[][];
}

const keyHex = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 20, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((b) => Buffer.from(b).toString('hex')) },
);
const partition = fc.record({
  key: keyHex,
  rows: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 3 }),
  deleted: fc.boolean(),
});
const generated: fc.Arbitrary<Generated> = fc.record({
  sstables: fc.array(fc.array(partition, { minLength: 1, maxLength: 400 }), { minLength: 1, maxLength: 3 }),
});

const tokenOf = (hex: string): bigint => murmur3Token(Buffer.from(hex, 'hex'));

async function writeTable(dir: string, g: Generated): Promise<void> {
  await mkdir(dir, { recursive: true });
  let gen = 1;
  for (const parts of g.sstables) {
    const byKey = new Map<string, (typeof parts)[number]>();
    for (const p of parts) byKey.set(p.key, p);
    const sorted = [...byKey.values()].sort((a, b) => {
      const ta = tokenOf(a.key);
      const tb = tokenOf(b.key);
      return ta < tb ? -1 : ta > tb ? 1 : compareUnsigned(Buffer.from(a.key, 'hex'), Buffer.from(b.key, 'hex'));
    });
    const out: WritePartition[] = sorted.map((p) => {
      const rows = new Map<number, [number, string, number]>();
      for (const r of p.rows) rows.set(r[0], r);
      return {
        key: Buffer.from(p.key, 'hex'),
        ...(p.deleted ? { deletion: { markedForDeleteAt: 2n, localDeletionTime: NOW } } : {}),
        rows: [...rows.values()].sort((a, b) => a[0] - b[0]).map(([ck, v, ts]) => ({ clustering: [ck], liveness: { timestamp: BigInt(ts) }, cells: { v: { value: v } } })),
      };
    });
    await writeSSTable(dir, SCHEMA, out, { generation: gen++, compression: gen % 2 === 0 ? 'lz4' : 'none', chunkLength: 256, nowInSec: NOW });
  }
}

/** Ranges whose bounds are partition tokens (and their neighbours): the edges that matter. */
function edgeRanges(g: Generated, picks: number[], shifts: number[]): TokenRange[] {
  const tokens = [...new Set(g.sstables.flat().map((p) => tokenOf(p.key)))];
  const bounds = new Set<bigint>();
  picks.forEach((pick, i) => {
    const t = tokens[pick % tokens.length];
    if (t !== undefined) bounds.add(t + BigInt(shifts[i % shifts.length] ?? 0));
  });
  return rangesFromBounds([...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

describe('range edges: any ranges, any workers = one sequential read', () => {
  let base = '';
  let schemaFile = '';
  let n = 0;
  beforeAll(async () => {
    const built = ensureDist();
    base = await mkdtemp(join(tmpdir(), 'ce-ranges-'));
    schemaFile = join(base, 'schema.cql');
    await writeFile(schemaFile, CQL);
    await built;
  }, 180_000);
  afterAll(async () => {
    if (base !== '') await rm(base, { recursive: true, force: true });
  });

  async function sequential(dir: string): Promise<string[]> {
    const rows: string[] = [];
    for await (const b of dumpJsonRows([dir], { nowInSec: NOW, schemaFile })) for (const r of b) rows.push(JSON.stringify(r));
    return rows;
  }

  it('in process: ranges on partition tokens, summary-planned ranges', async () => {
    const render = jsonRowRenderer(SCHEMA);
    await fc.assert(fc.asyncProperty(generated, fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.integer({ min: -1, max: 1 })), fc.integer({ min: 1, max: 9 }), async (g, picks, shifts, count) => {
      const dir = join(base, `seq-${n++}`, 'ks', 't');
      await writeTable(dir, g);
      const expected = await sequential(dir);
      for (const ranges of [edgeRanges(g, picks, shifts), count]) {
        const got: string[] = [];
        for await (const b of sequentialTableRows({ paths: [dir], nowInSec: NOW, ranges }, SCHEMA)) for (const r of b) got.push(JSON.stringify(render(r)));
        expect(got.sort()).toEqual([...expected].sort());
        if (typeof ranges !== 'number') expect(got).toHaveLength(expected.length);
      }
      // explicit ranges come out in range order, so the output is the sequential order
      const ordered: string[] = [];
      for await (const b of sequentialTableRows({ paths: [dir], nowInSec: NOW, ranges: edgeRanges(g, picks, shifts) }, SCHEMA)) for (const r of b) ordered.push(JSON.stringify(render(r)));
      expect(ordered).toEqual(expected);
    }), { numRuns: 25 });
  }, 60_000);

  it('in worker threads: union of all ranges, no duplicates', async () => {
    await fc.assert(fc.asyncProperty(generated, fc.array(fc.nat(), { maxLength: 10 }), fc.array(fc.integer({ min: -1, max: 1 })), fc.integer({ min: 1, max: 3 }), fc.boolean(), async (g, picks, shifts, workers, planned) => {
      const dir = join(base, `par-${n++}`, 'ks', 't');
      await writeTable(dir, g);
      const expected = await sequential(dir);
      const ranges = planned ? picks.length + 1 : edgeRanges(g, picks, shifts);
      const run = parallelTableLines({ paths: [dir], schemaFile, nowInSec: NOW, ranges, workers, format: 'json', batchRows: 7, maxInFlight: 2 });
      const got: string[] = [];
      for await (const b of run) for (const l of b) got.push(l.slice(0, -1));
      expect(got.sort()).toEqual([...expected].sort());
      expect(run.summary().rows).toBe(expected.length);
    }), { numRuns: 8 });
  }, 60_000);

  it('CSV output and its figures from every worker; abort stops the workers', async () => {
    const g: Generated = { sstables: [Array.from({ length: 300 }, (_, i) => ({ key: i.toString(16).padStart(4, '0'), rows: [[1, 'x', 1] as [number, string, number]], deleted: false }))] };
    const dir = join(base, 'csv', 'ks', 't');
    await writeTable(dir, g);
    const run = parallelTableLines({ paths: [dir], schemaFile, nowInSec: NOW, ranges: 6, workers: 2, format: 'csv' });
    const lines: string[] = [];
    for await (const b of run) lines.push(...b);
    expect(lines).toHaveLength(300);
    expect(lines.filter((l) => !/^0x[0-9a-f]{4},1,x\n$/.test(l))).toEqual([]);
    expect(run.summary().csvStats?.rows).toBe(300);
    // 6 ranges, of which the last 2 (one per worker) are cut in 4: each worker ends on a short range
    expect(run.summary().ranges).toBe(12);
    const ac = new AbortController();
    const aborted = parallelTableLines({ paths: [dir], schemaFile, nowInSec: NOW, ranges: 6, workers: 2, format: 'csv', batchRows: 5 }, { signal: ac.signal });
    await expect(async () => {
      for await (const _ of aborted) ac.abort(new Error('stop'));
    }).rejects.toThrow(/stop/);
  }, 60_000);

  it('a decoding error in a worker fails the run with the decoder\'s error (code, file)', async () => {
    const g: Generated = { sstables: [Array.from({ length: 300 }, (_, i) => ({ key: i.toString(16).padStart(4, '0'), rows: [[1, 'some text', 1] as [number, string, number]], deleted: false }))] };
    const dir = join(base, 'corrupt', 'ks', 't');
    await writeTable(dir, g);
    const fh = await open(join(dir, 'me-1-big-Data.db'), 'r+');
    await fh.write(Buffer.from('garbage!'), 0, 8, 1000);
    await fh.close();
    const run = parallelTableLines({ paths: [dir], schemaFile, nowInSec: NOW, ranges: 3, workers: 2, format: 'json' });
    await expect(async () => { for await (const _ of run) void _; }).rejects.toThrow(/checksum mismatch.*me-1-big-Data\.db/);
  });

  it('a missing table fails the run with a clear error', async () => {
    const run = parallelTableLines({ paths: [join(base, 'nope')], schemaFile, nowInSec: NOW, ranges: [{ start: null, end: null }], workers: 1, format: 'json' });
    await expect(async () => { for await (const _ of run) void _; }).rejects.toThrow(/no such file/);
  });

  it('a WorkerPool keeps its workers from read to read; a failed or aborted read\'s workers are replaced; close ends them', async () => {
    const g: Generated = { sstables: [Array.from({ length: 200 }, (_, i) => ({ key: i.toString(16).padStart(4, '0'), rows: [[1, 'x', 1] as [number, string, number]], deleted: false }))] };
    const dir = join(base, 'pooled', 'ks', 't');
    await writeTable(dir, g);
    const bad = join(base, 'pooled-bad', 'ks', 't');
    await writeTable(bad, g);
    const fh = await open(join(bad, 'me-1-big-Data.db'), 'r+');
    await fh.write(Buffer.from('garbage!'), 0, 8, 1000);
    await fh.close();
    const pool = new WorkerPool(pathToFileURL(join(root, 'dist', 'cluster', 'workers-entry.js')));
    const read = async (d: string, format: 'csv' | 'json', signal?: AbortSignal): Promise<number> => {
      const run = parallelTableLines({ paths: [d], schemaFile, nowInSec: NOW, ranges: 4, workers: 2, format, batchRows: 10 }, { pool, ...(signal === undefined ? {} : { signal }) });
      let lines = 0;
      for await (const b of run) lines += b.length;
      expect(run.summary().rows).toBe(lines);
      // the CSV figures are this read's alone, not summed with an earlier read's on the same threads
      if (format === 'csv') expect(run.summary().csvStats?.rows).toBe(lines);
      return lines;
    };
    try {
      // three reads, CSV and JSON (each read sets its workers up anew), on the same two threads
      expect(await read(dir, 'csv')).toBe(200);
      expect(await read(dir, 'json')).toBe(200);
      expect(await read(dir, 'csv')).toBe(200);
      expect(pool.started).toBe(2);
      expect(pool.size).toBe(2);
      // a failing read: its workers end; the next read starts fresh ones and is whole
      await expect(read(bad, 'json')).rejects.toThrow(/checksum mismatch/);
      expect(await read(dir, 'json')).toBe(200);
      expect(pool.started).toBeGreaterThan(2);
      // an aborted read, then a whole one again
      const ac = new AbortController();
      await expect(async () => {
        const run = parallelTableLines({ paths: [dir], schemaFile, nowInSec: NOW, ranges: 4, workers: 2, format: 'csv', batchRows: 5 }, { pool, signal: ac.signal });
        for await (const _ of run) ac.abort(new Error('stop'));
      }).rejects.toThrow(/stop/);
      expect(await read(dir, 'csv')).toBe(200);
    } finally {
      await pool.close();
    }
    expect(pool.size).toBe(0);
    expect(() => pool.take(1)).toThrow(/closed/);
  }, 60_000);

  it('prestarted workers wait idle and the next read takes them; one that fails while idle leaves the pool, and the read reports the failure', async () => {
    const g: Generated = { sstables: [Array.from({ length: 50 }, (_, i) => ({ key: i.toString(16).padStart(4, '0'), rows: [[1, 'x', 1] as [number, string, number]], deleted: false }))] };
    const dir = join(base, 'prestarted', 'ks', 't');
    await writeTable(dir, g);
    const read = async (pool: WorkerPool): Promise<number> => {
      let lines = 0;
      for await (const b of parallelTableLines({ paths: [dir], schemaFile, nowInSec: NOW, ranges: 4, workers: 2, format: 'json' }, { pool })) lines += b.length;
      return lines;
    };
    const pool = new WorkerPool(pathToFileURL(join(root, 'dist', 'cluster', 'workers-entry.js')));
    try {
      pool.prestart(2);
      pool.prestart(2);
      expect(pool.started).toBe(2);
      expect(pool.size).toBe(2);
      expect(await read(pool)).toBe(50);
      expect(pool.started).toBe(2);
    } finally {
      await pool.close();
    }
    expect(() => pool.prestart(1)).toThrow(/closed/);
    // a worker whose code cannot load: its error event does not reach the process; it exits and is dropped
    const broken = new WorkerPool(pathToFileURL(join(base, 'no-such-workers-entry.js')));
    try {
      broken.prestart(1);
      for (let i = 0; i < 200 && broken.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(broken.size).toBe(0);
      await expect(read(broken)).rejects.toThrow(/decoding worker \d crashed: Cannot find module/);
    } finally {
      await broken.close();
    }
  }, 60_000);
});

