/**
 * Crash test: the daemon (built, in a child process) runs a task with many small LOAD files; it is
 * SIGKILLed mid-task, started again on the same state directory, resumes the task by itself, and the
 * output is byte for byte the output of an uninterrupted run: no LOAD file missing or duplicated.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleDataDir } from '../../src/sample/index.js';
import { openSink } from '../../src/sink/from-url.js';
import { runExtract } from '../../src/tasks/extract.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PASSWORD = 'crash-pass';
const AUTH = { authorization: `Bearer ${PASSWORD}` };
const CHUNK = 1024;
const TABLES = ['all_types', 'collections'];

let dir: string;
let dataDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-crash-'));
  dataDir = join(dir, 'data');
  const build = execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, reject: false });
  await writeSampleDataDir(dataDir, { rows: 5000 });
  await build; // type errors elsewhere in the tree do not stop tsc from emitting
  if (!existsSync(join(ROOT, 'dist', 'daemon.js'))) throw new Error('dist/daemon.js was not built');
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(root, p), await readFile(p));
    }
  };
  await walk(root);
  return out;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000, step = 5): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, step));
  }
}

function spawnDaemon(settingsPath: string, urlFile: string): ResultPromise {
  return execa('node', [join(ROOT, 'test', 'daemon', 'crash-entry.mjs'), settingsPath, urlFile], { env: { CE_PW: PASSWORD }, reject: false, stdout: 'ignore', stderr: 'pipe' });
}

async function daemonUrl(urlFile: string): Promise<string> {
  return waitFor('the daemon URL', async () => (existsSync(urlFile) ? (await readFile(urlFile, 'utf8')) || undefined : undefined));
}

describe('crash and restart', () => {
  it('resumes a SIGKILLed task and produces the output of an uninterrupted run', async () => {
    const stateDir = join(dir, 'state');
    const out = join(dir, 'out');
    const settingsPath = join(dir, 'agent-settings.yaml');
    await writeFile(settingsPath, dump({
      agent: { host: '127.0.0.1', port: 8080, passwordRef: { env: 'CE_PW' }, ssl: { enabled: false }, allowPlainHttp: true },
      nodes: [{ host: '10.0.0.1', user: 'cass', auth: { kind: 'password', passwordRef: { env: 'CE_PW' } }, cassandraYaml: '/etc/cassandra/cassandra.yaml', dataDirectories: ['/var/lib/cassandra/data'] }],
      stateDir, outputFolder: join(dir, 'outputs'), logDir: join(dir, 'log'), mountRoot: join(dir, 'mnt'),
    }), { mode: 0o600 });

    // first life: start the task, kill -9 once some LOAD files are checkpointed
    const url1 = join(dir, 'url1');
    const first = spawnDaemon(settingsPath, url1);
    const base1 = await daemonUrl(url1);
    const created = await fetch(`${base1}/api/v1/tasks`, {
      method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ keyspace: 'sample', tables: TABLES, sink: { kind: 'local', path: out }, dataDirs: [dataDir], chunkSizeBytes: CHUNK }),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    expect((await fetch(`${base1}/api/v1/tasks/${id}/start`, { method: 'POST', headers: AUTH })).status).toBe(200);
    const checkpoint = join(stateDir, 'tasks', id, 'checkpoint', 'checkpoint.json');
    const doneBeforeKill = await waitFor('a checkpoint with some LOAD files', async () => {
      const cp = JSON.parse(await readFile(checkpoint, 'utf8')) as { tables: Record<string, { files: unknown[] }> };
      const n = Object.values(cp.tables).reduce((s, t) => s + t.files.length, 0);
      return n >= 20 ? n : undefined;
    });
    first.kill('SIGKILL');
    const r1 = await first;
    expect(r1.signal).toBe('SIGKILL');
    expect(existsSync(join(out, 'manifest.json'))).toBe(false); // it really died mid-task
    const stored = JSON.parse(await readFile(join(stateDir, 'tasks', id, 'task.json'), 'utf8')) as { state: { kind: string } };
    expect(stored.state.kind).toBe('running');

    // second life: the task resumes by itself and completes
    const url2 = join(dir, 'url2');
    const second = spawnDaemon(settingsPath, url2);
    try {
      const base2 = await daemonUrl(url2);
      const final = await waitFor('the task to complete', async () => {
        const t = (await (await fetch(`${base2}/api/v1/tasks/${id}`, { headers: AUTH })).json()) as { state: { kind: string }; runs: number; progress: { percent: number } };
        if (t.state.kind === 'failed') throw new Error(JSON.stringify(t.state));
        return t.state.kind === 'completed' ? t : undefined;
      }, 60_000, 50);
      expect(final.runs).toBe(2);
      expect(final.progress.percent).toBe(100);
      const logs = (await (await fetch(`${base2}/api/v1/tasks/${id}/logs`, { headers: AUTH })).json()) as { entries: { msg: string }[] };
      expect(logs.entries.map((e) => e.msg)).toContain('resuming after an agent restart (run 2)');
    } finally {
      second.kill('SIGTERM');
      const r2 = await second;
      expect(r2.exitCode).toBe(0); // graceful shutdown
    }

    // the uninterrupted reference run
    const ref = join(dir, 'ref');
    const report = await runExtract({ dataDirs: [dataDir], keyspace: 'sample', tables: TABLES, sink: await openSink(ref), chunkSizeBytes: CHUNK, nowInSec: Math.floor(Date.now() / 1000) });
    expect(report.complete).toBe(true);
    const got = await tree(out);
    const want = await tree(ref);
    const loads = (m: Map<string, Buffer>): string[] => [...m.keys()].filter((k) => k.startsWith('sample/')).sort();
    expect(loads(got)).toEqual(loads(want));
    expect(loads(want).length).toBeGreaterThan(doneBeforeKill);
    for (const k of loads(want)) expect([k, got.get(k)?.equals(want.get(k) as Buffer)]).toEqual([k, true]);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  });
});
