import { afterEach, describe, expect, it } from 'vitest';
import { useSampleDataDir } from '../helpers/sample-dir.js';
import { passwordMatches, presentedPassword } from '../../src/api/auth.js';
import { SecretValue } from '../../src/config/secrets.js';
import { fakeExtract } from './fake-extract.js';
import { AUTH, harness, PASSWORD, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('auth', () => {
  it('requires the agent password everywhere but /health, compares it exactly', async () => {
    h = await harness(fakeExtract());
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/health' })).json()).toEqual({ status: 'ok' });
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${PASSWORD}x` }, { authorization: `Token ${PASSWORD}` }, { authorization: `Bearer ${PASSWORD.slice(0, -1)}` }]) {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/agent', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'E_UNAUTHORIZED' });
    }
    const basic = Buffer.from(`sct:${PASSWORD}`).toString('base64');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/agent', headers: { authorization: `Basic ${basic}` } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/agent', headers: AUTH })).statusCode).toBe(200);
    for (const url of ['/metrics', '/docs', '/api/v1/tasks', '/api/v1/mounts']) {
      expect([url, (await h.app.inject({ method: 'GET', url })).statusCode]).toEqual([url, 401]);
    }
  });

  it('refuses every state change without credentials', async () => {
    h = await harness(fakeExtract());
    const t = await h.runner.create({ name: '', keyspace: 'ks', tables: ['t'], sink: { kind: 'local' }, migrationType: 'full-load', replicaMode: 'merge', parallelism: 1, readMBpsPerNode: 0, uploadMBps: 0, deleteLocalAfterUpload: false, chunkSizeBytes: 1 << 20, dataDirs: ['/d'] });
    const bad = { authorization: 'Bearer nope' };
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/tasks', headers: bad, payload: { keyspace: 'ks', tables: ['x'], sink: { kind: 'local' } } })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/tasks/${t.id}/start`, headers: bad })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/tasks/${t.id}`, headers: bad })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/nodes/10.0.0.1/mount', headers: bad })).statusCode).toBe(401);
    expect(h.runner.list().map((r) => [r.id, r.state.kind])).toEqual([[t.id, 'created']]);
    expect(h.mounts.calls).toEqual([]);
  });

  it('in mutual-TLS mode refuses a request that has no verified client certificate', async () => {
    h = await harness(fakeExtract(), { auth: { kind: 'client-cert' } });
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/agent', headers: AUTH });
    expect(res.statusCode).toBe(401);
    expect((res.json() as { message: string }).message).toMatch(/client certificate is required/);
  });

  it('parses Bearer and Basic and compares in constant time', () => {
    expect(presentedPassword('Bearer abc')).toBe('abc');
    expect(presentedPassword(`Basic ${Buffer.from('u:p:q').toString('base64')}`)).toBe('p:q');
    expect(presentedPassword('Basic bm9jb2xvbg==')).toBeUndefined();
    expect(presentedPassword(undefined)).toBeUndefined();
    expect(passwordMatches(new SecretValue('a'), 'a')).toBe(true);
    expect(passwordMatches(new SecretValue('a'), 'ab')).toBe(false);
  });
});

describe('agent info, docs, mounts', () => {
  it('reports version, supported versions, nodes, mounts and free disk', async () => {
    h = await harness(fakeExtract());
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/agent', headers: AUTH });
    const info = res.json() as { version: string; supported: { cassandraVersions: string[]; sstableFormats: string[] }; nodes: { host: string }[]; mounts: { state: string }[]; disk: { output: { freeBytes: number; totalBytes: number } } };
    expect(info.version).toBe('9.9.9');
    expect(info.supported.cassandraVersions).toEqual(['2.1', '2.2', '3.0', '3.11']);
    expect(info.supported.sstableFormats).toContain('me');
    expect(info.nodes).toEqual([{ host: '10.0.0.1', sshPort: 22, user: 'cass', cassandraYaml: '/etc/cassandra/cassandra.yaml', dataDirectories: ['/var/lib/cassandra/data'] }]);
    expect(info.mounts[0]?.state).toBe('unmounted');
    expect(info.disk.output.freeBytes).toBeGreaterThan(0);
    expect(info.disk.output.totalBytes).toBeGreaterThanOrEqual(info.disk.output.freeBytes);
  });

  it('serves the OpenAPI document with every route', async () => {
    h = await harness(fakeExtract());
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json', headers: AUTH })).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/api/v1/tasks', '/api/v1/tasks/{id}', '/api/v1/tasks/{id}/start', '/api/v1/tasks/{id}/events', '/api/v1/schema/keyspaces', '/api/v1/mounts', '/metrics']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const ui = await h.app.inject({ method: 'GET', url: '/docs/', headers: AUTH });
    expect(ui.statusCode).toBe(200);
  });

  it('mounts and unmounts nodes through the mount manager', async () => {
    h = await harness(fakeExtract());
    const m = await h.app.inject({ method: 'POST', url: '/api/v1/nodes/10.0.0.1/mount', headers: AUTH });
    expect(m.json()).toMatchObject({ host: '10.0.0.1', state: 'mounted' });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/nodes/10.0.0.1/mount', headers: AUTH })).json()).toMatchObject({ state: 'mounted' });
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/nodes/10.0.0.1/unmount', headers: AUTH })).json()).toMatchObject({ state: 'unmounted' });
    const all = await h.app.inject({ method: 'POST', url: '/api/v1/mounts', headers: AUTH });
    expect(all.json()).toEqual([expect.objectContaining({ state: 'mounted' })]);
    const unknown = await h.app.inject({ method: 'POST', url: '/api/v1/nodes/10.9.9.9/mount', headers: AUTH });
    expect(unknown.statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/nodes/10.9.9.9/mount', headers: AUTH })).statusCode).toBe(404);
    expect(h.mounts.calls).toEqual(['mount 10.0.0.1', 'unmount 10.0.0.1', 'mount 10.0.0.1', 'mount 10.9.9.9']);
  });
});

describe('schema browsing', () => {
  const sampleDir = useSampleDataDir('ce-schema-', 40);

  it('lists keyspaces, tables with their size, and columns', async () => {
    h = await harness(fakeExtract(), { dataDirs: [sampleDir()] });
    const ks = (await h.app.inject({ method: 'GET', url: '/api/v1/schema/keyspaces', headers: AUTH })).json() as { name: string; system: boolean; tables: number }[];
    expect(ks).toEqual([{ name: 'sample', system: false, tables: 3 }, expect.objectContaining({ name: 'system_schema', system: true })]);
    const q = `?dataDir=${encodeURIComponent(sampleDir())}`;
    const tables = (await h.app.inject({ method: 'GET', url: `/api/v1/schema/keyspaces/sample/tables${q}`, headers: AUTH })).json() as { name: string; sstables: number; estimatedBytes: number }[];
    expect(tables.map((t) => t.name)).toEqual(['all_types', 'collections', 'counters']);
    for (const t of tables) {
      expect(t.sstables).toBe(1);
      expect(t.estimatedBytes).toBeGreaterThan(0);
    }
    const desc = (await h.app.inject({ method: 'GET', url: `/api/v1/schema/keyspaces/sample/tables/collections${q}`, headers: AUTH })).json() as { origin: string; columns: { name: string; kind: string; type: string }[] };
    expect(desc.origin).toBe('system_schema');
    expect(desc.columns.slice(0, 3)).toEqual([
      { name: 'id', kind: 'partition_key', position: 0, type: 'text' },
      { name: 'ck', kind: 'clustering', position: 0, type: expect.stringContaining('int') },
      expect.objectContaining({ kind: expect.stringMatching(/static|regular/) }),
    ]);
    expect(desc.columns.find((c) => c.name === 'm')?.type).toBe('map<text, int>');
  });

  it('answers 404 for an unknown keyspace or table, 400 for a relative dataDir', async () => {
    h = await harness(fakeExtract(), { dataDirs: [sampleDir()] });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/schema/keyspaces/nope/tables', headers: AUTH })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/schema/keyspaces/sample/tables/nope', headers: AUTH })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/schema/keyspaces?dataDir=rel/dir', headers: AUTH })).statusCode).toBe(400);
  });

  it('asks for a data directory when no node is mounted', async () => {
    h = await harness(fakeExtract());
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/schema/keyspaces', headers: AUTH });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { message: string }).message).toMatch(/no data directory/);
  });
});
