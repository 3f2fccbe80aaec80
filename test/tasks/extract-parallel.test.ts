/**
 * Extraction through decoding workers (ReadSettings.workers): the output tree is byte-identical to a
 * single-threaded run (records are consumed in task order), a cancelled parallel run resumes exactly,
 * the replica modes give their rows through `extract`, and a snapshot tag reads the snapshot only.
 */
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicaMode } from '../../src/cluster/replicas.js';
import { SAMPLE_WRITE_TIME, writeSampleDataDir } from '../../src/sample/index.js';
import { LocalSink } from '../../src/sink/local.js';
import { FileCheckpointStore } from '../../src/tasks/checkpoint.js';
import { runExtract, type ExtractRequest } from '../../src/tasks/extract.js';
import { EXPECTED, NODES, NOW as NODES_NOW, ensureDist, writeReplicaNodes } from '../helpers/replica-nodes.js';
import { pathToFileURL } from 'node:url';
import { locateTable } from '../../src/catalog/locate.js';
import { WorkerPool } from '../../src/cluster/workers.js';
import { resolveExportOptions } from '../../src/export/options.js';
import type { TableSchema } from '../../src/schema/model.js';
import { sampleSchemas } from '../../src/sample/index.js';
import { RANGE_DATA_BYTES, recordSourceFor } from '../../src/tasks/extract-read.js';
import { dataBytesOf } from '../../src/tasks/extract-source.js';
import { readTree, spySink } from '../sink/helpers.js';

const NOW = SAMPLE_WRITE_TIME + 60;
const CREATED = (): Date => new Date('2024-02-03T04:05:06Z');
let root: string;
let data: string;
let refTree: Map<string, Buffer>;

const request = (out: string, extra: Partial<ExtractRequest> = {}): ExtractRequest => ({
  dataDirs: [data], keyspace: 'sample', sink: new LocalSink(out), nowInSec: NOW, chunkSizeBytes: 4096, ...extra,
});

beforeAll(async () => {
  const built = ensureDist();
  root = await mkdtemp(join(tmpdir(), 'extract-parallel-'));
  data = join(root, 'data');
  await writeSampleDataDir(data, { rows: 1200 });
  const ref = join(root, 'ref');
  const r = await runExtract(request(ref), { now: CREATED });
  expect(r.complete).toBe(true);
  expect(r.read.workers).toBe(0);
  refTree = await readTree(ref);
  await built;
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const diff = (a: Map<string, Buffer>, b: Map<string, Buffer>): string[] => {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => !(a.get(k)?.equals(b.get(k) ?? Buffer.alloc(0)) ?? false)).sort();
};

describe('extract with decoding workers', () => {
  for (const workers of [1, 2, 3]) {
    it(`${workers} worker(s): the same tree, byte for byte, as a single-threaded run`, async () => {
      const out = join(root, `w${workers}`);
      const r = await runExtract(request(out, { read: { workers, inThreadBelowBytes: 0 } }), { now: CREATED });
      expect(r.complete).toBe(true);
      expect(r.read).toMatchObject({ workers, replicaMode: 'merge' });
      const tree = await readTree(out);
      expect(diff(refTree, tree)).toEqual([]);
      expect([...tree.keys()].filter((k) => k.startsWith('sample/all_types/LOAD')).length).toBeGreaterThanOrEqual(5);
    }, 120_000);
  }

  it('cancelled mid-table in 2 workers, resumed in 2 workers: the same tree as one run', async () => {
    const out = join(root, 'resume');
    const cpFile = join(root, 'cp', 'checkpoint.json');
    const ac = new AbortController();
    const sink1 = spySink(new LocalSink(out), (key) => {
      if (key === 'sample/all_types/LOAD00000003.csv') ac.abort();
    });
    const r1 = await runExtract(request(out, { sink: sink1, read: { workers: 2, inThreadBelowBytes: 0 } }), { signal: ac.signal, checkpoint: new FileCheckpointStore(cpFile), now: CREATED });
    expect(r1.aborted).toBe(true);
    const r2 = await runExtract(request(out, { read: { workers: 2, inThreadBelowBytes: 0 } }), { checkpoint: new FileCheckpointStore(cpFile), now: CREATED });
    expect(r2.complete).toBe(true);
    expect(r2.tables.find((t) => t.table === 'all_types')?.resumed).toBe(false);
    expect(diff(refTree, await readTree(out))).toEqual([]);
  }, 120_000);

  it('a table smaller than one range is read in this thread (no worker started) unless told otherwise; the records are the same', async () => {
    const loc = await locateTable([data], 'sample', 'all_types');
    const schema = sampleSchemas().find((t) => t.table === 'all_types') as TableSchema;
    const input = { loc, nodes: [{ node: 'local', paths: loc.tableDirs }], schema, options: resolveExportOptions() };
    expect(await dataBytesOf(loc)).toBeLessThan(RANGE_DATA_BYTES);
    const pool = new WorkerPool(pathToFileURL(join(process.cwd(), 'dist', 'cluster', 'workers-entry.js')));
    const records = async (below?: number): Promise<string> => {
      const src = recordSourceFor({ workers: 2, replicaMode: 'merge', pool, ...(below === undefined ? {} : { inThreadBelowBytes: below }) })(input, { nowInSec: NOW });
      const parts: Buffer[] = [];
      for await (const b of src) parts.push(Buffer.from(b.bytes));
      expect(src.stats().rows).toBeGreaterThan(0);
      return Buffer.concat(parts).toString('utf8');
    };
    try {
      const small = await records();
      expect(pool.started).toBe(0);
      const forced = await records(0);
      expect(pool.started).toBe(2);
      expect(forced).toBe(small);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('progress counts the Data.db bytes the workers decoded', async () => {
    const out = join(root, 'progress');
    let last = { read: 0, total: 0 };
    const r = await runExtract(request(out, { read: { workers: 2, inThreadBelowBytes: 0 } }), {
      now: CREATED,
      progressIntervalMs: 0,
      onProgress: (p) => { last = { read: p.dataBytesRead, total: p.dataBytesTotal }; },
    });
    expect(r.complete).toBe(true);
    expect(last.total).toBeGreaterThan(0);
    expect(last.read).toBeGreaterThan(0);
  }, 120_000);
});

/** The rows of ks.t in a LOAD tree as JSON rows like EXPECTED's (pk, ck, v; CSV columns in that order). */
function ksRows(tree: Map<string, Buffer>): string[] {
  const lines = [...tree].filter(([k]) => k.startsWith('ks/t/LOAD')).flatMap(([, b]) => b.toString('utf8').split('\n').filter((l) => l !== ''));
  return lines.map((l) => {
    const [pk, ck, v] = l.split(',');
    return JSON.stringify({ pk: Number(pk), ck: Number(ck), v });
  }).sort();
}

describe('replica modes through extract (three diverged nodes)', () => {
  let base = '';
  let dirs: string[] = [];
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'extract-replicas-'));
    dirs = await writeReplicaNodes(base);
  }, 120_000);
  afterAll(async () => {
    if (base !== '') await rm(base, { recursive: true, force: true });
  });

  for (const mode of ['merge', 'primary-range', 'all'] as ReplicaMode[]) {
    for (const workers of [0, 2]) {
      it(`${mode}, ${workers} worker(s): the reconciled rows of that mode, and the report names the mode`, async () => {
        const out = join(base, `out-${mode}-${workers}`);
        const r = await runExtract({
          nodes: NODES.map((n, i) => ({ name: n.name, dataDirs: [dirs[i] as string] })),
          keyspace: 'ks', sink: new LocalSink(out), nowInSec: NODES_NOW, read: { workers, replicaMode: mode, inThreadBelowBytes: 0 },
        }, { now: CREATED });
        expect(r.errorSummary).toBe('');
        expect(r.complete).toBe(true);
        expect(r.read).toMatchObject({ replicaMode: mode, workers, nodes: ['A', 'B', 'C'] });
        expect(ksRows(await readTree(out))).toEqual(EXPECTED[mode].map((x) => JSON.stringify(x)).sort());
        expect(r.rows).toBe(EXPECTED[mode].length);
      }, 120_000);
    }
  }
});

describe('snapshot tag', () => {
  it('reads <table dir>/snapshots/<tag> only, not the live SSTables', async () => {
    const base = await mkdtemp(join(tmpdir(), 'extract-snap-'));
    try {
      const live = join(base, 'data');
      await writeSampleDataDir(live, { rows: 50 });
      const ksDir = join(live, 'sample');
      const tableDir = join(ksDir, (await readdir(ksDir)).find((d) => d.startsWith('all_types')) as string);
      // the snapshot holds the table as it was; then the live directory "changes" (its SSTables vanish)
      const snap = join(tableDir, 'snapshots', 'ce-task-1');
      await mkdir(snap, { recursive: true });
      const files = (await readdir(tableDir)).filter((f) => f.endsWith('.db') || f.endsWith('.txt') || f.endsWith('.crc32'));
      for (const f of files) await cp(join(tableDir, f), join(snap, f));
      const before = await runExtract({ dataDirs: [live], keyspace: 'sample', tables: ['all_types'], sink: new LocalSink(join(base, 'a')), nowInSec: NOW }, { now: CREATED });
      for (const f of files) await rm(join(tableDir, f));
      for (const workers of [0, 2]) {
        const out = join(base, `snap-${workers}`);
        const r = await runExtract({ dataDirs: [live], keyspace: 'sample', tables: ['all_types'], sink: new LocalSink(out), nowInSec: NOW, read: { snapshotTag: 'ce-task-1', workers, inThreadBelowBytes: 0 } }, { now: CREATED });
        expect(r.complete).toBe(true);
        expect(r.read.snapshotTag).toBe('ce-task-1');
        expect(r.rows).toBe(before.rows);
        expect(r.rows).toBeGreaterThan(0);
      }
      await expect(runExtract({ dataDirs: [live], keyspace: 'sample', tables: ['all_types'], sink: new LocalSink(join(base, 'x')), nowInSec: NOW, read: { snapshotTag: 'nope' } }))
        .resolves.toMatchObject({ complete: false, errorSummary: expect.stringContaining('no snapshot "nope"') as unknown });
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }, 120_000);
});
