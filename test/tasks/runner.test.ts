import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyProgress, transition, type TaskRecord, type TaskState } from '../../src/tasks/model.js';
import { TaskRunner } from '../../src/tasks/runner.js';
import { TaskStore } from '../../src/tasks/store.js';
import { fakeExtract, partContent } from '../api/fake-extract.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-runner-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const logger = pino({ level: 'silent' });
const spec = { name: '', keyspace: 'ks', tables: ['t1'], sink: { kind: 'local' as const }, migrationType: 'full-load' as const, replicaMode: 'merge' as const, parallelism: 1, readMBpsPerNode: 0, uploadMBps: 0, deleteLocalAfterUpload: false, chunkSizeBytes: 1024, dataDirs: ['/d'] };

async function open(parts: number, delayMs: number): Promise<{ runner: TaskRunner; store: TaskStore }> {
  const store = await TaskStore.open(join(dir, 'state'));
  const runner = await TaskRunner.open({ store, extract: fakeExtract({ parts, delayMs }), logger, outputFolder: join(dir, 'out'), dataDirectories: async () => [], progressSaveIntervalMs: 0 });
  return { runner, store };
}

describe('task state machine', () => {
  const now = '2024-01-01T00:00:00.000Z';
  it('allows exactly the documented transitions', () => {
    const s = (kind: TaskState['kind']): TaskState => ({ created: { kind: 'created' }, running: { kind: 'running', since: now }, pausing: { kind: 'pausing', reason: 'user' }, paused: { kind: 'paused', reason: 'user' }, stopping: { kind: 'stopping' }, stopped: { kind: 'stopped' }, completed: { kind: 'completed' }, failed: { kind: 'failed', error: { code: 'E_IO', message: 'x' } } } as const)[kind];
    const ok = (from: TaskState['kind'], ev: Parameters<typeof transition>[1]): string | null => {
      try {
        return transition(s(from), ev, now).kind;
      } catch {
        return null;
      }
    };
    expect(['created', 'stopped', 'failed', 'running', 'paused', 'completed'].map((k) => ok(k as never, { kind: 'start' }))).toEqual(['running', 'running', 'running', null, null, null]);
    expect(ok('paused', { kind: 'resume' })).toBe('running');
    expect(ok('running', { kind: 'resume' })).toBeNull();
    expect(ok('running', { kind: 'stop' })).toBe('stopping');
    expect(ok('paused', { kind: 'stop' })).toBe('stopped');
    expect(ok('completed', { kind: 'stop' })).toBeNull();
    expect(ok('pausing', { kind: 'run-ended', outcome: { kind: 'aborted' } })).toBe('paused');
    expect(ok('stopping', { kind: 'run-ended', outcome: { kind: 'completed' } })).toBe('stopped');
    expect(ok('running', { kind: 'run-ended', outcome: { kind: 'aborted' } })).toBe('running');
    expect(ok('running', { kind: 'run-ended', outcome: { kind: 'disk-full', error: { code: 'E_DISK_FULL', message: 'm' } } })).toBe('paused');
  });
});

describe('TaskRunner across restarts', () => {
  it('shutdown leaves a running task running; the next open resumes and completes it without rewriting parts', async () => {
    const a = await open(30, 15);
    const t = await a.runner.create(spec);
    await a.runner.start(t.id);
    await new Promise((r) => setTimeout(r, 120));
    await a.runner.shutdown();
    const mid = JSON.parse(await readFile(join(a.store.taskDir(t.id), 'task.json'), 'utf8')) as TaskRecord;
    expect(mid.state.kind).toBe('running');
    const doneBefore = (await readdir(a.store.checkpointDir(t.id))).length;
    expect(doneBefore).toBeGreaterThan(0);
    expect(doneBefore).toBeLessThan(30);

    const b = await open(30, 1);
    await b.runner.idle(t.id);
    const end = b.runner.get(t.id);
    expect(end.state.kind).toBe('completed');
    expect(end.runs).toBe(2);
    const files = (await readdir(join(dir, 'out', t.id, 'ks', 't1'))).sort();
    expect(files).toHaveLength(30);
    expect(await readFile(join(dir, 'out', t.id, 'ks', 't1', files[29] as string), 'utf8')).toBe(partContent('t1', 30));
    const logs = await b.runner.logTail(t.id, 100);
    expect(logs.map((l) => l.msg)).toContain('resuming after an agent restart (run 2)');
  });

  it('settles pausing and stopping records left by a crash', async () => {
    const store = await TaskStore.open(join(dir, 'state'));
    const base = { createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', spec, progress: emptyProgress(['t1']), runs: 1 };
    await store.save({ ...base, id: 'p1', state: { kind: 'pausing', reason: 'user' } });
    await store.save({ ...base, id: 's1', state: { kind: 'stopping' } });
    const { runner } = await open(1, 0);
    expect(runner.get('p1').state).toEqual({ kind: 'paused', reason: 'user' });
    expect(runner.get('s1').state).toEqual({ kind: 'stopped' });
    expect((JSON.parse(await readFile(join(store.taskDir('p1'), 'task.json'), 'utf8')) as TaskRecord).state.kind).toBe('paused');
  });
});
