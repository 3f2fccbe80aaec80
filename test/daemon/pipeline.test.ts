/**
 * The daemon's pipeline (pipelineExtract) honours a task's read settings: replica mode, parallelism
 * (decoding workers), and snapshot mode (taken once per task, read, cleared when the task completes;
 * the runner clears it too when a task is deleted). The snapshot port is a stand-in for nodetool that
 * copies each node's live table into snapshots/<tag>, as `nodetool snapshot` hard-links it; the real
 * SSH + nodetool path is covered by test/cluster/snapshot.test.ts.
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSnapshotOf, pipelineExtract, snapshotTagOf, type SnapshotPort } from '../../src/daemon.js';
import { TaskRunner } from '../../src/tasks/runner.js';
import type { ExtractJob, ExtractRunOptions } from '../../src/tasks/runner-port.js';
import { TaskStore } from '../../src/tasks/store.js';
import { EXPECTED, NODES, ensureDist, writeReplicaNodes } from '../helpers/replica-nodes.js';
import { readTree } from '../sink/helpers.js';

let base = '';
let dirs: string[] = [];

beforeAll(async () => {
  const built = ensureDist();
  base = await mkdtemp(join(tmpdir(), 'ce-pipeline-'));
  dirs = await writeReplicaNodes(base);
  await built;
}, 180_000);
afterAll(async () => {
  if (base !== '') await rm(base, { recursive: true, force: true });
});

/** "nodetool snapshot -t tag ks" on every node, as files: ks/t/snapshots/<tag>/ copies of the live SSTables. */
function fakeSnapshots(calls: string[]): SnapshotPort {
  return {
    take: async (tag, keyspace) => {
      calls.push(`take ${tag} ${keyspace}`);
      for (const d of dirs) {
        const table = join(d, keyspace, 't');
        const snap = join(table, 'snapshots', tag);
        await mkdir(snap, { recursive: true });
        for (const f of await readdir(table)) if (f.endsWith('.db') || f.endsWith('.txt') || f.endsWith('.crc32')) await cp(join(table, f), join(snap, f));
      }
    },
    clear: async (tag, keyspace) => {
      calls.push(`clear ${tag} ${keyspace}`);
      for (const d of dirs) await rm(join(d, keyspace, 't', 'snapshots', tag), { recursive: true, force: true });
    },
  };
}

function job(id: string, extra: Partial<ExtractJob> = {}): ExtractJob {
  const out = join(base, 'out', id);
  return {
    taskId: id, keyspace: 'ks', tables: ['t'], dataDirs: dirs, nodes: NODES.map((n, i) => ({ host: n.name, dataDirs: [dirs[i] as string] })),
    replicaMode: 'merge', readFrom: 'live', sink: { kind: 'local', path: out }, localDir: out, parallelism: 2, readMBpsPerNode: 0, uploadMBps: 0,
    deleteLocalAfterUpload: false, chunkSizeBytes: 1 << 20, checkpointDir: join(base, 'cp', id), ...extra,
  };
}

const logs: string[] = [];
const run: ExtractRunOptions = { signal: new AbortController().signal, onProgress: () => undefined, log: (_l, m) => { logs.push(m); } };

function rowsOf(tree: Map<string, Buffer>): string[] {
  return [...tree].filter(([k]) => k.startsWith('ks/t/LOAD')).flatMap(([, b]) => b.toString('utf8').split('\n').filter((l) => l !== '')).map((l) => {
    const [pk, ck, v] = l.split(',');
    return JSON.stringify({ pk: Number(pk), ck: Number(ck), v });
  }).sort();
}

describe('pipelineExtract', () => {
  for (const mode of ['primary-range', 'all'] as const) {
    it(`runs replica mode ${mode} in 2 workers and logs what ran`, async () => {
      const j = job(`mode-${mode}`, { replicaMode: mode });
      const outcome = await pipelineExtract('test')(j, run);
      expect(outcome).toEqual({ complete: true, errors: [] });
      expect(rowsOf(await readTree(j.localDir))).toEqual(EXPECTED[mode].map((r) => JSON.stringify(r)).sort());
      expect(logs.at(-1)).toContain(`replica mode ${mode} over 3 node(s), 2 worker(s), live SSTables`);
    }, 120_000);
  }

  it('snapshot mode: takes the snapshot once, reads it (not the live files), clears it when complete', async () => {
    const calls: string[] = [];
    const snaps = fakeSnapshots(calls);
    const j = job('snap', { readFrom: 'snapshot' });
    const tag = snapshotTagOf('snap');
    // a run that fails after the snapshot (its output directory is under a plain file) leaves the snapshot for the next run
    const blocker = join(base, 'a-file');
    await writeFile(blocker, 'x');
    const failing = { ...j, sink: { kind: 'local' as const, path: join(blocker, 'out') }, localDir: join(blocker, 'out') };
    expect((await pipelineExtract('test', snaps)(failing, run)).complete).toBe(false);
    expect(calls).toEqual([`take ${tag} ks`]);
    const outcome = await pipelineExtract('test', snaps)(j, run);
    expect(outcome.complete).toBe(true);
    expect(calls).toEqual([`take ${tag} ks`, `clear ${tag} ks`]);
    expect(rowsOf(await readTree(j.localDir))).toEqual(EXPECTED.merge.map((r) => JSON.stringify(r)).sort());
    expect(logs.at(-2)).toContain(`snapshot ${tag}`);
  }, 120_000);

  it('deleting a snapshot-mode task clears its snapshot', async () => {
    const calls: string[] = [];
    const snaps = fakeSnapshots(calls);
    const store = await TaskStore.open(join(base, 'state'));
    const runner = await TaskRunner.open({
      store, extract: async () => ({ complete: false, errors: [] }), logger: pino({ level: 'silent' }), outputFolder: join(base, 'runner-out'),
      dataDirectories: async () => dirs, progressSaveIntervalMs: 0, onDelete: deleteSnapshotOf(snaps),
    });
    const spec = {
      name: 'x', keyspace: 'ks', tables: ['t'], sink: { kind: 'local' as const }, migrationType: 'full-load' as const, replicaMode: 'merge' as const,
      parallelism: 1, readMBpsPerNode: 0, uploadMBps: 0, deleteLocalAfterUpload: false, chunkSizeBytes: 1 << 20, dataDirs: [],
    };
    const live = await runner.create({ ...spec, readFrom: 'live' });
    const never = await runner.create({ ...spec, readFrom: 'snapshot' });
    const taken = await runner.create({ ...spec, readFrom: 'snapshot' });
    // what the pipeline leaves once it has taken the task's snapshot
    await mkdir(store.checkpointDir(taken.id), { recursive: true });
    await writeFile(join(store.checkpointDir(taken.id), 'snapshot-taken'), 'x');
    for (const r of [live, never, taken]) await runner.delete(r.id);
    expect(calls).toEqual([`clear ${snapshotTagOf(taken.id)} ks`]);
    await runner.shutdown();
  });
});
