import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyProgress, type TaskRecord } from '../../src/tasks/model.js';
import { TaskStore } from '../../src/tasks/store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rec(id: string, kind: 'created' | 'completed' = 'created'): TaskRecord {
  return {
    id, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', runs: 0, state: { kind },
    progress: emptyProgress(['t']),
    spec: { name: '', keyspace: 'ks', tables: ['t'], sink: { kind: 'local' }, migrationType: 'full-load', replicaMode: 'merge', parallelism: 1, readMBpsPerNode: 0, uploadMBps: 0, deleteLocalAfterUpload: false, chunkSizeBytes: 1024, dataDirs: [] },
  };
}

describe('TaskStore', () => {
  it('saves atomically (0600, no temp file left) and loads every record back', async () => {
    const s = await TaskStore.open(dir);
    await s.save(rec('a1'));
    await s.save(rec('b2', 'completed'));
    const file = join(dir, 'tasks', 'a1', 'task.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(rec('a1'));
    expect(await readdir(join(dir, 'tasks', 'a1'))).toEqual(['task.json']);
    const again = await (await TaskStore.open(dir)).loadAll();
    expect(again.records.map((r) => [r.id, r.state.kind])).toEqual([['a1', 'created'], ['b2', 'completed']]);
    expect(again.problems).toEqual([]);
  });

  it('keeps the last of concurrent saves of one task', async () => {
    const s = await TaskStore.open(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.save({ ...rec('a1'), runs: i })));
    expect((JSON.parse(await readFile(join(dir, 'tasks', 'a1', 'task.json'), 'utf8')) as TaskRecord).runs).toBe(19);
  });

  it('reports unreadable records without failing the others', async () => {
    const s = await TaskStore.open(dir);
    await s.save(rec('good'));
    await mkdir(join(dir, 'tasks', 'torn'));
    await writeFile(join(dir, 'tasks', 'torn', 'task.json'), '{"id": "torn", "sta');
    await mkdir(join(dir, 'tasks', 'other'));
    await writeFile(join(dir, 'tasks', 'other', 'task.json'), JSON.stringify(rec('elsewhere')));
    await mkdir(join(dir, 'tasks', 'empty'));
    const { records, problems } = await s.loadAll();
    expect(records.map((r) => r.id)).toEqual(['good']);
    expect(problems.map((p) => p.dir.split('/').at(-1)).sort()).toEqual(['other', 'torn']);
  });

  it('removes a task and refuses ids that could leave the directory', async () => {
    const s = await TaskStore.open(dir);
    await s.save(rec('a1'));
    await s.remove('a1');
    expect(await readdir(join(dir, 'tasks'))).toEqual([]);
    expect(() => s.taskDir('../x')).toThrow(/invalid task id/);
    await expect(s.save(rec('A/../../x'))).rejects.toThrow(/invalid task id/);
  });
});
