/**
 * End to end over real HTTPS: the daemon on 127.0.0.1 with mutual TLS, a task against a sample data
 * directory with a local sink, followed to 100 % through server-sent events, its output checked;
 * clients without a trusted certificate never reach the API.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config/load.js';
import { pipelineExtract, startDaemon, type DaemonHandle } from '../../src/daemon.js';
import { writeSampleDataDir } from '../../src/sample/index.js';
import { call, makePki, type Pki } from './tls-helpers.js';

const P12_PASSWORD = 'p12-pass';
const AGENT_PASSWORD = 'agent-pass';
const env = { CE_P12: P12_PASSWORD, CE_PW: AGENT_PASSWORD };

let dir: string;
let pki: Pki;
let dataDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-https-'));
  pki = await makePki(dir, P12_PASSWORD);
  dataDir = join(dir, 'data');
  await writeSampleDataDir(dataDir, { rows: 600 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function settings(name: string, ssl: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parseSettings({
    agent: { host: '127.0.0.1', passwordRef: { env: 'CE_PW' }, ssl, ...extra },
    nodes: [{ host: '10.0.0.1', user: 'cass', auth: { kind: 'password', passwordRef: { env: 'CE_PW' } }, cassandraYaml: '/etc/cassandra/cassandra.yaml', dataDirectories: ['/var/lib/cassandra/data'] }],
    stateDir: join(dir, name, 'state'),
    outputFolder: join(dir, name, 'out'),
    logDir: join(dir, name, 'log'),
    mountRoot: join(dir, name, 'mnt'),
  });
}

async function start(name: string, ssl: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<DaemonHandle> {
  return startDaemon(settings(name, ssl, extra), { extract: pipelineExtract('test'), env, version: '1.2.3', port: 0, logger: pino({ level: 'silent' }) });
}

describe('daemon over HTTPS with a client certificate', () => {
  it('runs a task to 100 % and refuses clients without a trusted certificate', async () => {
    const d = await start('mtls', { keyStore: { kind: 'pkcs12', path: pki.paths.serverP12, passwordRef: { env: 'CE_P12' } }, trustStore: { kind: 'pem', caPath: pki.paths.ca }, requireClientCert: true });
    try {
      expect(d.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const tls = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
      const info = await call(`${d.url}/api/v1/agent`, tls);
      expect(info.status).toBe(200);
      expect(JSON.parse(info.body)).toMatchObject({ version: '1.2.3', supported: { cassandraVersions: ['2.1', '2.2', '3.0', '3.11'] } });

      // no certificate, or one from another CA: the TLS layer refuses; nothing is created
      await expect(call(`${d.url}/api/v1/tasks`, { ca: pki.ca }, { method: 'POST', body: { keyspace: 'sample', tables: ['counters'], sink: { kind: 'local' } } })).rejects.toThrow();
      await expect(call(`${d.url}/api/v1/health`, { ca: pki.ca, cert: pki.rogueCert, key: pki.rogueKey })).rejects.toThrow();
      expect(d.runner.list()).toEqual([]);

      const out = join(dir, 'mtls', 'export');
      const created = await call(`${d.url}/api/v1/tasks`, tls, { method: 'POST', body: { name: 'e2e', keyspace: 'sample', tables: ['all_types', 'collections'], sink: { kind: 'local', path: out }, dataDirs: [dataDir], chunkSizeBytes: 16384 } });
      expect(created.status).toBe(201);
      const id = (JSON.parse(created.body) as { id: string }).id;

      const events = call(`${d.url}/api/v1/tasks/${id}/events`, tls);
      await new Promise((r) => setTimeout(r, 50));
      const started = await call(`${d.url}/api/v1/tasks/${id}/start`, tls, { method: 'POST' });
      expect(started.status).toBe(200);
      const stream = await events;
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      const last = stream.body.trimEnd().split('\n').at(-1) ?? '';
      const final = JSON.parse(last.replace(/^data: /, '')) as { state: { kind: string }; progress: { percent: number; rows: number; tableCounts: Record<string, number> } };
      expect(final.state.kind).toBe('completed');
      expect(final.progress.percent).toBe(100);
      expect(final.progress.rows).toBeGreaterThan(0);
      expect(final.progress.tableCounts).toMatchObject({ loaded: 2, errored: 0 });
      expect(stream.body).toContain('event: progress');

      const got = JSON.parse((await call(`${d.url}/api/v1/tasks/${id}`, tls)).body) as { state: { kind: string }; progress: { percent: number } };
      expect(got).toMatchObject({ state: { kind: 'completed' }, progress: { percent: 100 } });
      const files = await readdir(join(out, 'sample', 'all_types'));
      expect(files.filter((f) => /^LOAD\d{8}\.csv$/.test(f)).length).toBeGreaterThan(1);
      expect(existsSync(join(out, 'manifest.json'))).toBe(true);
      expect((await readFile(join(out, 'sample', 'collections', 'LOAD00000001.csv'), 'utf8')).length).toBeGreaterThan(0);

      const logs = JSON.parse((await call(`${d.url}/api/v1/tasks/${id}/logs`, tls)).body) as { entries: { msg: string }[] };
      expect(logs.entries.map((e) => e.msg)).toContain('started (run 1)');
    } finally {
      await d.close();
    }
    expect(existsSync(join(dir, 'mtls', 'log', 'agent.log'))).toBe(false); // an injected logger replaces the file logger
  });

  it('with TLS but no client certificate required, asks for the password', async () => {
    const d = await start('pw', { keyStore: { kind: 'pem', certPath: pki.paths.serverCert, keyPath: pki.paths.serverKey } });
    try {
      const tls = { ca: pki.ca };
      expect((await call(`${d.url}/api/v1/agent`, tls)).status).toBe(401);
      expect((await call(`${d.url}/api/v1/agent`, tls, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      expect((await call(`${d.url}/api/v1/agent`, tls, { headers: { authorization: `Bearer ${AGENT_PASSWORD}` } })).status).toBe(200);
    } finally {
      await d.close();
    }
  });

  it('refuses to start with a wrong key store password', async () => {
    await expect(startDaemon(settings('bad', { keyStore: { kind: 'pkcs12', path: pki.paths.serverP12, passwordRef: { env: 'CE_PW' } } }), { extract: pipelineExtract('t'), env, version: 't', port: 0, logger: pino({ level: 'silent' }) }))
      .rejects.toThrow(/key store cannot be used/);
  });
});
