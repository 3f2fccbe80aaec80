/**
 * Checkpoint / resume: run, cancel (AbortSignal) in the middle of a multi-file table, resume with the
 * same checkpoint file, and compare the output tree byte for byte with an uninterrupted run.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_WRITE_TIME, writeSampleDataDir } from '../../src/sample/index.js';
import { LocalSink } from '../../src/sink/local.js';
import { FileCheckpointStore, type CheckpointData } from '../../src/tasks/checkpoint.js';
import { runExtract, type ExtractRequest } from '../../src/tasks/extract.js';
import { readTree, spySink } from '../sink/helpers.js';

const NOW = SAMPLE_WRITE_TIME + 60;
const CREATED = (): Date => new Date('2024-02-03T04:05:06Z');
let root: string;
let data: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'extract-resume-'));
  data = join(root, 'data');
  await writeSampleDataDir(data, { rows: 400 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const request = (out: string, extra: Partial<ExtractRequest> = {}): ExtractRequest => ({
  dataDirs: [data], keyspace: 'sample', sink: new LocalSink(out), nowInSec: NOW, chunkSizeBytes: 4096, ...extra,
});

describe('extract checkpoints', () => {
  it('cancel mid-table, resume from the checkpoint file: same tree, byte for byte, as one uninterrupted run', async () => {
    const ref = join(root, 'ref');
    const full = await runExtract(request(ref), { now: CREATED });
    expect(full.complete).toBe(true);
    const refTree = await readTree(ref);
    const allTypesFiles = [...refTree.keys()].filter((k) => k.startsWith('sample/all_types/LOAD'));
    expect(allTypesFiles.length).toBeGreaterThanOrEqual(5);

    const out = join(root, 'out');
    const cpFile = join(root, 'cp', 'extract.checkpoint.json');
    const ac = new AbortController();
    const first: string[] = [];
    const sink1 = spySink(new LocalSink(out), (key) => {
      first.push(key);
      if (key === 'sample/all_types/LOAD00000003.csv') ac.abort();
    });
    const r1 = await runExtract(request(out, { sink: sink1 }), { signal: ac.signal, checkpoint: new FileCheckpointStore(cpFile), now: CREATED });
    expect(r1.aborted).toBe(true);
    expect(r1.complete).toBe(false);
    expect(r1.documents).toEqual([]);
    const cp = JSON.parse(await readFile(cpFile, 'utf8')) as CheckpointData;
    expect(cp.tables['sample.all_types']?.files.map((f) => f.name)).toEqual(['LOAD00000001.csv', 'LOAD00000002.csv']);
    expect(cp.tables['sample.all_types']?.done).toBeUndefined();
    expect(existsSync(join(out, 'sample/all_types/LOAD00000003.csv'))).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    // what a hard crash during LOAD00000003 would leave behind
    await writeFile(join(out, 'sample/all_types/.LOAD00000003.csv.tmp-deadbeef0000'), 'half a file');

    const second: string[] = [];
    const sink2 = spySink(new LocalSink(out), (key) => second.push(key));
    // a later "now": the resume keeps the checkpoint's, or TTL expiry would change the rows
    const r2 = await runExtract(request(out, { sink: sink2, nowInSec: NOW + 10 * 365 * 86400 }), { checkpoint: new FileCheckpointStore(cpFile), now: CREATED });
    expect(r2.errorSummary).toBe('');
    expect(r2.complete).toBe(true);
    expect(r2.nowInSec).toBe(NOW);
    expect(second).not.toContain('sample/all_types/LOAD00000001.csv');
    expect(second).not.toContain('sample/all_types/LOAD00000002.csv');
    expect(second[0]).toBe('sample/all_types/LOAD00000003.csv');

    const tree = await readTree(out);
    expect([...tree.keys()]).toEqual([...refTree.keys()]);
    for (const [k, v] of refTree) expect(tree.get(k)?.equals(v), k).toBe(true);

    // once complete, a run with the same checkpoint reads no table again and rewrites only the documents
    const third: string[] = [];
    const r3 = await runExtract(request(out, { sink: spySink(new LocalSink(out), (k) => third.push(k)) }), { checkpoint: new FileCheckpointStore(cpFile), now: CREATED });
    expect(r3.complete).toBe(true);
    expect(r3.tables.every((t) => t.resumed)).toBe(true);
    expect(third.every((k) => k.startsWith('dms/') || k === 'manifest.json')).toBe(true);
    const again = await readTree(out);
    for (const [k, v] of refTree) expect(again.get(k)?.equals(v), k).toBe(true);
  });

  it('refuses a checkpoint written for other options', async () => {
    const out = join(root, 'out-x');
    const cpFile = join(root, 'cp-x.json');
    await runExtract(request(out, { tables: ['counters'] }), { checkpoint: new FileCheckpointStore(cpFile) });
    await expect(runExtract(request(out, { tables: ['counters'], chunkSizeBytes: 8192 }), { checkpoint: new FileCheckpointStore(cpFile) })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await writeFile(cpFile, '{"version":1}');
    await expect(new FileCheckpointStore(cpFile).load()).rejects.toMatchObject({ code: 'E_BAD_FORMAT' });
  });
});
