import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, writeSettings } from '../../src/config/load.js';
import { findPasswdEntry } from '../../src/config/owner.js';
import type { SettingsInput } from '../../src/config/schema.js';
import { AgentError } from '../../src/errors.js';

let dir = '';
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ce-load-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const settings: SettingsInput = {
  agent: { passwordRef: { file: '/etc/cassandra-extractor/secrets/agent-password' }, ssl: { enabled: false }, allowPlainHttp: true },
  nodes: [{
    host: 'cass-1', user: 'cass', auth: { kind: 'key', privateKeyPath: '/etc/cassandra-extractor/ssh/id_rsa' },
    cassandraYaml: '/etc/cassandra/conf/cassandra.yaml', dataDirectories: ['/d1/', '/d2'],
  }],
};

async function rejection(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AgentError);
    return e as AgentError;
  }
  throw new Error('expected a rejection');
}

describe('writeSettings / loadSettings', () => {
  it('round-trips with mode 0600, defaults written out, no temp files left', async () => {
    const path = join(dir, 'agent-settings.yaml');
    const written = await writeSettings(path, settings);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const loaded = await loadSettings(path);
    expect(loaded).toEqual(written);
    expect(loaded.nodes[0]?.dataDirectories).toEqual(['/d1', '/d2']);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^mountRoot: \/mnt\/cassandra-extractor$/m);
    expect(text).toMatch(/^# cassandra-extractor agent settings/);
    expect(await readdir(dir)).toEqual(['agent-settings.yaml']);
  });

  it('replaces an existing file and resets a loose mode to 0600', async () => {
    const path = join(dir, 's.yaml');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeSettings(path, settings);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await loadSettings(path)).nodes[0]?.host).toBe('cass-1');
  });

  it('never writes invalid settings', async () => {
    const path = join(dir, 's.yaml');
    const e = await rejection(writeSettings(path, { ...settings, nodes: [] }));
    expect(e.message).toContain('nodes: at least one node is required');
    await expect(stat(path)).rejects.toThrow();
  });

  it('explains a missing file, bad YAML and schema problems', async () => {
    const missing = await rejection(loadSettings(join(dir, 'nope.yaml')));
    expect(missing.code).toBe('E_NOT_FOUND');
    expect(missing.message).toContain('configure');

    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'agent:\n  port: [8080\nnodes: []\n');
    const yamlErr = await rejection(loadSettings(bad));
    expect(yamlErr.code).toBe('E_BAD_ARGUMENT');
    expect(yamlErr.message).toMatch(/not valid YAML at line \d+/);

    const invalid = join(dir, 'invalid.yaml');
    await writeFile(invalid, 'agent:\n  port: 0\n  passwordRef: { env: PW }\n  allowPlainHttp: true\n  ssl: { enabled: false }\nnodes: []\n');
    const schemaErr = await rejection(loadSettings(invalid));
    expect(schemaErr.message.split('\n').map((l) => l.trim()).slice(1)).toEqual([
      'agent.port: must be between 1 and 65535',
      'nodes: at least one node is required',
    ]);

    const empty = join(dir, 'empty.yaml');
    await writeFile(empty, '# nothing\n');
    expect((await rejection(loadSettings(empty))).message).toContain('is empty');
  });
});

describe('findPasswdEntry', () => {
  it('finds uid and gid of a user', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\ncassandra-extractor:x:998:997::/var/lib/cassandra-extractor:/usr/sbin/nologin\n';
    expect(findPasswdEntry(passwd, 'cassandra-extractor')).toEqual({ uid: 998, gid: 997 });
    expect(findPasswdEntry(passwd, 'cassandra')).toBeUndefined();
  });
});
