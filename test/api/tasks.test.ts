import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeExtract, partContent, type FakeOptions } from './fake-extract.js';
import { AUTH, harness, until, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(opts: FakeOptions = {}): Promise<Harness> {
  h = await harness(fakeExtract(opts));
  return h;
}

function body(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { keyspace: 'ks', tables: ['t1', 't2'], sink: { kind: 'local' }, dataDirs: ['/data'], ...extra };
}

async function create(x: Harness, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await x.app.inject({ method: 'POST', url: '/api/v1/tasks', headers: AUTH, payload: body(extra) });
  expect(res.statusCode).toBe(201);
  return (res.json() as { id: string }).id;
}

async function state(x: Harness, id: string): Promise<string> {
  const res = await x.app.inject({ method: 'GET', url: `/api/v1/tasks/${id}`, headers: AUTH });
  return (res.json() as { state: { kind: string } }).state.kind;
}

async function taskDirs(x: Harness): Promise<string[]> {
  return (await readdir(x.store.tasksDir)).sort();
}

describe('tasks API', () => {
  it('creates a task with defaults and lists it', async () => {
    const x = await setup();
    const res = await x.app.inject({ method: 'POST', url: '/api/v1/tasks', headers: AUTH, payload: body() });
    expect(res.statusCode).toBe(201);
    const t = res.json() as Record<string, unknown> & { id: string; spec: Record<string, unknown>; state: { kind: string } };
    expect(res.headers.location).toBe(`/api/v1/tasks/${t.id}`);
    expect(t.state).toEqual({ kind: 'created' });
    expect(t.spec).toMatchObject({ migrationType: 'full-load', replicaMode: 'merge', parallelism: 4, deleteLocalAfterUpload: false, readMBpsPerNode: 0 });
    const list = await x.app.inject({ method: 'GET', url: '/api/v1/tasks', headers: AUTH });
    expect((list.json() as { id: string }[]).map((r) => r.id)).toEqual([t.id]);
    expect(JSON.parse(await readFile(join(x.store.tasksDir, t.id, 'task.json'), 'utf8'))).toMatchObject({ id: t.id, state: { kind: 'created' } });
  });

  it('accepts an S3 sink with bucket, prefix, region, endpoint and encryption', async () => {
    const x = await setup();
    const sink = { kind: 's3', bucket: 'my-bucket', prefix: 'exports/one', region: 'eu-west-1', endpoint: 'http://127.0.0.1:4569', encryption: { kind: 'sse-kms', keyId: 'alias/x' } };
    const res = await x.app.inject({ method: 'POST', url: '/api/v1/tasks', headers: AUTH, payload: body({ sink, deleteLocalAfterUpload: true }) });
    expect(res.statusCode).toBe(201);
    expect((res.json() as { spec: { sink: unknown } }).spec.sink).toEqual(sink);
  });

  it.each([
    ['missing tables', { tables: undefined }],
    ['empty tables', { tables: [] }],
    ['duplicate tables', { tables: ['a', 'a'] }],
    ['bad keyspace name', { keyspace: 'ks; DROP' }],
    ['unknown field', { tabels: ['x'] }],
    ['bad sink kind', { sink: { kind: 'ftp' } }],
    ['s3 sink without bucket', { sink: { kind: 's3' } }],
    ['s3 prefix with a leading slash', { sink: { kind: 's3', bucket: 'bkt', prefix: '/a' } }],
    ['relative local path', { sink: { kind: 'local', path: 'out' } }],
    ['bad replica mode', { replicaMode: 'some' }],
    ['parallelism 0', { parallelism: 0 }],
    ['negative bandwidth', { readMBpsPerNode: -1 }],
  ])('refuses %s with 400 and stores nothing', async (_name, extra) => {
    const x = await setup();
    const res = await x.app.inject({ method: 'POST', url: '/api/v1/tasks', headers: AUTH, payload: body(extra) });
    expect(res.statusCode).toBe(400);
    const e = res.json() as { code: string; message: string; details: { issues: unknown[] } };
    expect(e.code).toBe('E_BAD_ARGUMENT');
    expect(e.details.issues.length).toBeGreaterThan(0);
    expect(x.runner.list()).toEqual([]);
    expect(await taskDirs(x)).toEqual([]);
  });

  it('refuses malformed JSON with 400 and changes nothing', async () => {
    const x = await setup();
    const id = await create(x);
    const before = await readFile(join(x.store.tasksDir, id, 'task.json'), 'utf8');
    const res = await x.app.inject({ method: 'POST', url: '/api/v1/tasks', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"keyspace": "ks", "tables": [' });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { code: string }).code).toBe('E_BAD_ARGUMENT');
    expect(x.runner.list().map((t) => t.id)).toEqual([id]);
    expect(await taskDirs(x)).toEqual([id]);
    expect(await readFile(join(x.store.tasksDir, id, 'task.json'), 'utf8')).toBe(before);
  });

  it('accepts full-load-and-cdc in the model but refuses it with 422 for now', async () => {
    const x = await setup();
    const res = await x.app.inject({ method: 'POST', url: '/api/v1/tasks', headers: AUTH, payload: body({ migrationType: 'full-load-and-cdc' }) });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'E_UNSUPPORTED_FEATURE' });
    expect((res.json() as { message: string }).message).toMatch(/full-load-and-cdc.*not available/);
    expect(x.runner.list()).toEqual([]);
  });

  it('answers 404 for an unknown task on every task route, 400 for a malformed id', async () => {
    const x = await setup();
    const id = '0b3c1c1e-0000-4000-8000-000000000000';
    for (const [method, url] of [
      ['GET', `/api/v1/tasks/${id}`], ['POST', `/api/v1/tasks/${id}/start`], ['POST', `/api/v1/tasks/${id}/pause`],
      ['POST', `/api/v1/tasks/${id}/resume`], ['POST', `/api/v1/tasks/${id}/stop`], ['DELETE', `/api/v1/tasks/${id}`],
      ['GET', `/api/v1/tasks/${id}/events`], ['GET', `/api/v1/tasks/${id}/logs`],
    ] as const) {
      const res = await x.app.inject({ method, url, headers: AUTH });
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect((res.json() as { code: string }).code).toBe('E_NOT_FOUND');
    }
    const bad = await x.app.inject({ method: 'GET', url: '/api/v1/tasks/..%2Fetc', headers: AUTH });
    expect(bad.statusCode).toBe(400);
    const route = await x.app.inject({ method: 'GET', url: '/api/v1/nope', headers: AUTH });
    expect(route.statusCode).toBe(404);
    expect(route.json()).toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('runs a task to 100 %, with progress, logs, events and metrics', async () => {
    const x = await setup({ parts: 3 });
    const id = await create(x);
    const start = await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/start`, headers: AUTH });
    expect(start.statusCode).toBe(200);
    expect((start.json() as { state: { kind: string } }).state.kind).toBe('running');
    await x.runner.idle(id);
    const t = (await x.app.inject({ method: 'GET', url: `/api/v1/tasks/${id}`, headers: AUTH })).json() as {
      state: { kind: string }; runs: number;
      progress: { percent: number; rows: number; bytes: number; elapsedMs: number; tableCounts: Record<string, number>; tables: Record<string, { state: string }> };
    };
    expect(t.state.kind).toBe('completed');
    expect(t.runs).toBe(1);
    expect(t.progress.percent).toBe(100);
    expect(t.progress.rows).toBe(60);
    expect(t.progress.bytes).toBe(600);
    expect(t.progress.tableCounts).toEqual({ queued: 0, loading: 0, loaded: 2, errored: 0 });
    expect(await readFile(join(x.outDir, id, 'ks', 't2', 'LOAD00000003.csv'), 'utf8')).toBe(partContent('t2', 3));

    const logs = (await x.app.inject({ method: 'GET', url: `/api/v1/tasks/${id}/logs?limit=3`, headers: AUTH })).json() as { entries: { msg: string }[] };
    expect(logs.entries).toHaveLength(3);
    expect(logs.entries.at(-1)?.msg).toMatch(/^completed: 60 rows/);

    const ev = await x.app.inject({ method: 'GET', url: `/api/v1/tasks/${id}/events`, headers: AUTH });
    expect(ev.statusCode).toBe(200);
    expect(ev.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(ev.body).toMatch(/^event: state\ndata: \{.*"kind":"completed"/);

    const m = await x.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
    expect(m.statusCode).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(m.body).toContain('cassandra_extractor_tasks{state="completed"} 1');
    expect(m.body).toContain(`cassandra_extractor_task_percent{task="${id}",keyspace="ks"} 100`);
    expect(m.body).toContain(`cassandra_extractor_task_tables{task="${id}",state="loaded"} 2`);
  });

  it('streams live state, progress and log events until the task completes', async () => {
    const x = await setup({ parts: 4, delayMs: 20 });
    const id = await create(x);
    const stream = x.app.inject({ method: 'GET', url: `/api/v1/tasks/${id}/events`, headers: AUTH });
    await until(async () => true);
    await new Promise((r) => setTimeout(r, 20));
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/start`, headers: AUTH });
    const res = await stream;
    const events = [...res.body.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe('state');
    expect(events).toContain('progress');
    expect(events).toContain('log');
    expect(events.at(-1)).toBe('state');
    expect(res.body.trimEnd().split('\n').at(-1)).toMatch(/"kind":"completed"/);
  });

  it('pauses and resumes from the checkpoint without rewriting finished parts', async () => {
    const jobs: unknown[] = [];
    const x = await setup({ parts: 5, delayMs: 30, jobs: jobs as never[] });
    const id = await create(x, { tables: ['t1'] });
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/start`, headers: AUTH });
    await until(() => x.runner.get(id).progress.tables.t1?.files === 2);
    const p = await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/pause`, headers: AUTH });
    expect(p.statusCode).toBe(200);
    expect(['pausing', 'paused']).toContain((p.json() as { state: { kind: string } }).state.kind);
    await x.runner.idle(id);
    expect(await state(x, id)).toBe('paused');
    const written = await readdir(join(x.outDir, id, 'ks', 't1'));
    expect(written.length).toBeLessThan(5);
    // a second pause, or a start, is a conflict and changes nothing
    expect((await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/pause`, headers: AUTH })).statusCode).toBe(409);
    expect((await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/start`, headers: AUTH })).statusCode).toBe(409);
    expect(await state(x, id)).toBe('paused');
    const r = await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/resume`, headers: AUTH });
    expect(r.statusCode).toBe(200);
    await x.runner.idle(id);
    const t = x.runner.get(id);
    expect(t.state.kind).toBe('completed');
    expect(t.runs).toBe(2);
    expect(t.progress.rows).toBe(50);
    expect((await readdir(join(x.outDir, id, 'ks', 't1'))).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `LOAD0000000${i}.csv`));
  });

  it('refuses a second active task on the same table with 409 and a clear message', async () => {
    const x = await setup({ parts: 50, delayMs: 20 });
    const a = await create(x, { tables: ['t1', 't2'] });
    const b = await create(x, { tables: ['t3', 't2'] });
    const c = await create(x, { tables: ['t3'] });
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${a}/start`, headers: AUTH });
    const res = await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${b}/start`, headers: AUTH });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'E_CONFLICT' });
    expect((res.json() as { message: string }).message).toContain(`table ks.t2 is already being exported by task ${a}`);
    expect(await state(x, b)).toBe('created');
    expect(x.runner.get(b).runs).toBe(0);
    // a task on other tables is fine
    expect((await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${c}/start`, headers: AUTH })).statusCode).toBe(200);
    // a paused task still holds its tables
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${a}/pause`, headers: AUTH });
    await x.runner.idle(a);
    expect((await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${b}/start`, headers: AUTH })).statusCode).toBe(409);
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${a}/stop`, headers: AUTH });
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${c}/stop`, headers: AUTH });
    await x.runner.idle(c);
    expect(await state(x, a)).toBe('stopped');
    expect((await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${b}/start`, headers: AUTH })).statusCode).toBe(200);
  });

  it('stops a task, refuses to delete it while running, deletes it after', async () => {
    const x = await setup({ parts: 100, delayMs: 20 });
    const id = await create(x);
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/start`, headers: AUTH });
    const del = await x.app.inject({ method: 'DELETE', url: `/api/v1/tasks/${id}`, headers: AUTH });
    expect(del.statusCode).toBe(409);
    expect(await taskDirs(x)).toEqual([id]);
    const stop = await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/stop`, headers: AUTH });
    expect(stop.statusCode).toBe(200);
    await x.runner.idle(id);
    expect(await state(x, id)).toBe('stopped');
    expect((await x.app.inject({ method: 'DELETE', url: `/api/v1/tasks/${id}`, headers: AUTH })).statusCode).toBe(204);
    expect(await taskDirs(x)).toEqual([]);
    expect((await x.app.inject({ method: 'GET', url: `/api/v1/tasks/${id}`, headers: AUTH })).statusCode).toBe(404);
  });

  it('a restart after stop starts over (checkpoint cleared)', async () => {
    const jobs: { checkpointDir: string }[] = [];
    const x = await setup({ parts: 100, delayMs: 10, jobs: jobs as never[] });
    const id = await create(x, { tables: ['t1'] });
    await x.runner.start(id);
    await until(() => (x.runner.get(id).progress.tables.t1?.files ?? 0) >= 2);
    await x.runner.stop(id);
    await x.runner.idle(id);
    expect((await readdir(x.store.checkpointDir(id))).length).toBeGreaterThan(0);
    await x.runner.start(id);
    expect(x.runner.get(id).progress.rows).toBe(0);
    await x.runner.stop(id);
    await x.runner.idle(id);
  });

  it('pauses on a full disk with E_DISK_FULL, loses nothing and resumes', async () => {
    const x = await setup({ parts: 4, diskFullAtPart: 3 });
    const id = await create(x, { tables: ['t1'] });
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/start`, headers: AUTH });
    await x.runner.idle(id);
    const t = (await x.app.inject({ method: 'GET', url: `/api/v1/tasks/${id}`, headers: AUTH })).json() as { state: { kind: string; reason: string; error: { code: string; message: string } } };
    expect(t.state).toMatchObject({ kind: 'paused', reason: 'disk-full', error: { code: 'E_DISK_FULL' } });
    expect(t.state.error.message).toMatch(/local disk full.*resume/);
    expect((await readdir(join(x.outDir, id, 'ks', 't1'))).sort()).toEqual(['LOAD00000001.csv', 'LOAD00000002.csv']);
    await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/resume`, headers: AUTH });
    await x.runner.idle(id);
    expect(await state(x, id)).toBe('completed');
    expect((await readdir(join(x.outDir, id, 'ks', 't1'))).length).toBe(4);
  });

  it('marks a task failed with the cause, and retries it from the checkpoint on start', async () => {
    const x = await setup({ failWith: new Error('boom') });
    const id = await create(x);
    await x.runner.start(id);
    await x.runner.idle(id);
    expect(x.runner.get(id).state).toEqual({ kind: 'failed', error: { code: 'E_INTERNAL', message: 'boom' } });
    expect((await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/resume`, headers: AUTH })).statusCode).toBe(409);
    expect((await x.app.inject({ method: 'POST', url: `/api/v1/tasks/${id}/start`, headers: AUTH })).statusCode).toBe(200);
    await x.runner.idle(id);
  });

  it('uses the mounted data directories when the task names none, and fails clearly without any', async () => {
    const jobs: { dataDirs: readonly string[] }[] = [];
    const x = await setup({ jobs: jobs as never[] });
    const id = await create(x, { dataDirs: [] });
    await x.runner.start(id);
    await x.runner.idle(id);
    expect(x.runner.get(id).state).toMatchObject({ kind: 'failed', error: { code: 'E_BAD_ARGUMENT' } });
    expect(jobs).toEqual([]);
  });
});
