import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runConfigure } from '../../src/cli/configure.js';
import { loadSettings, type FrozenSettings } from '../../src/config/load.js';
import { resolveSecret } from '../../src/config/secrets.js';

let dir = '';
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ce-configure-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const SECRETS = ['nodepw-1', 'keyphrase-2', 'ks-pass-1', 'agent-pw-9', 'typo-pw'];

interface Run {
  code: number;
  output: string;
  mounted: FrozenSettings[];
  settingsPath: string;
  secretsDir: string;
}

async function run(answers: string[], opts: { mount?: boolean; mountFails?: boolean; tty?: boolean } = {}): Promise<Run> {
  const input = new PassThrough();
  if (opts.tty === true) Object.assign(input, { isTTY: true });
  const output = new PassThrough();
  let text = '';
  if (opts.tty === true) {
    // A person types each answer after its prompt appears (a terminal echoes as keys arrive).
    const queue = [...answers];
    output.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (text.endsWith(': ')) {
        const next = queue.shift();
        if (next === undefined) input.end();
        else setImmediate(() => input.write(`${next}\r`));
      }
    });
  } else {
    output.on('data', (c: Buffer) => { text += c.toString('utf8'); });
    input.end(answers.map((a) => `${a}\n`).join(''));
  }
  const mounted: FrozenSettings[] = [];
  const settingsPath = join(dir, 'agent-settings.yaml');
  const secretsDir = join(dir, 'secrets');
  const code = await runConfigure({ input, output }, {
    settingsPath,
    secretsDir,
    mount: opts.mount ?? true,
    mountFn: async (s) => {
      mounted.push(s);
      if (opts.mountFails === true) throw new Error('sshfs: connection refused');
    },
  });
  return { code, output: text, mounted, settingsPath, secretsDir };
}

async function fullAnswers(): Promise<string[]> {
  const key = join(dir, 'id_rsa');
  await writeFile(key, 'PRIVATE KEY', { mode: 0o644 });
  const p12 = join(dir, 'agent.p12');
  await writeFile(p12, 'p12');
  const ca = join(dir, 'ca.pem');
  await writeFile(ca, 'ca');
  return [
    '2', // nodes
    '10.0.0.1', '70000', '2222', 'sct_extractor', 'n', 'nodepw-1', 'nodepw-1', '', '/data1, /data2/',
    '10.0.0.1', 'cass-2.example.com', '', 'cass', 'y', key, 'keyphrase-2', 'keyphrase-2', '/opt/cassandra/conf/cassandra.yaml', '',
    'y', p12, 'ks-pass-1', 'ks-pass-1', ca, '',
    'agent-pw-9', 'typo-pw', 'agent-pw-9', 'agent-pw-9',
    '',
  ];
}

describe('runConfigure', () => {
  it('writes valid 0600 settings with secrets only by reference, re-asking invalid answers', async () => {
    const r = await run(await fullAnswers());
    expect(r.output).not.toMatch(/configure: /);
    expect(r.code).toBe(0);

    // invalid answers were explained and asked again; defaults were shown
    expect(r.output).toContain('Node 1 SSH port [22]: ');
    expect(r.output).toContain('must be between 1 and 65535; please try again.');
    expect(r.output).toContain('10.0.0.1 was already given; please try again.');
    expect(r.output).toContain('the two entries differ; please try again.');
    expect(r.output).toContain(`warning: ${join(dir, 'id_rsa')} is readable by group or others; run: chmod 600`);
    for (const s of SECRETS) expect(r.output).not.toContain(s);

    const s = await loadSettings(r.settingsPath);
    expect(s.nodes).toHaveLength(2);
    expect(s.nodes[0]).toMatchObject({
      host: '10.0.0.1', sshPort: 2222, user: 'sct_extractor', auth: { kind: 'password' },
      cassandraYaml: '/etc/cassandra/conf/cassandra.yaml', confDirectory: '/etc/cassandra/conf', dataDirectories: ['/data1', '/data2'],
    });
    expect(s.nodes[1]).toMatchObject({
      host: 'cass-2.example.com', sshPort: 22, user: 'cass', auth: { kind: 'key', privateKeyPath: join(dir, 'id_rsa') },
      confDirectory: '/opt/cassandra/conf', dataDirectories: ['/var/lib/cassandra/data'],
    });
    expect(s.agent).toMatchObject({
      port: 8080, allowPlainHttp: false,
      ssl: { enabled: true, keyStore: { kind: 'pkcs12', path: join(dir, 'agent.p12') }, trustStore: { kind: 'pem', caPath: join(dir, 'ca.pem') }, requireClientCert: true },
    });
    expect(s.outputFolder).toBe('/var/lib/cassandra-extractor/output');

    expect((await stat(r.settingsPath)).mode & 0o777).toBe(0o600);
    const yaml = await readFile(r.settingsPath, 'utf8');
    for (const secret of SECRETS) expect(yaml).not.toContain(secret);

    // each secret is in its own 0600 file and resolves to what was typed
    const env = { env: {} };
    const n0 = s.nodes[0]?.auth;
    const n1 = s.nodes[1]?.auth;
    if (n0?.kind !== 'password' || n1?.kind !== 'key' || n1.passphraseRef === undefined) throw new Error('unexpected auth kinds');
    const ks = s.agent.ssl.keyStore;
    if (ks?.kind !== 'pkcs12') throw new Error('expected a PKCS#12 key store');
    expect((await resolveSecret(n0.passwordRef, env)).reveal()).toBe('nodepw-1');
    expect((await resolveSecret(n1.passphraseRef, env)).reveal()).toBe('keyphrase-2');
    expect((await resolveSecret(ks.passwordRef, env)).reveal()).toBe('ks-pass-1');
    expect((await resolveSecret(s.agent.passwordRef, env)).reveal()).toBe('agent-pw-9');
    const files = await readdir(r.secretsDir);
    expect(files).toHaveLength(4);
    for (const f of files) expect((await stat(join(r.secretsDir, f))).mode & 0o777).toBe(0o600);

    expect(r.mounted).toHaveLength(1);
    expect(r.mounted[0]).toEqual(s);
  });

  it('does not mount when asked not to, and allows plain HTTP only when SSL is declined', async () => {
    const r = await run(['', 'db1', '', 'cass', 'n', 'pw', 'pw', '/etc/cassandra', '/d', 'n', 'agent', 'agent', '/srv/out'], { mount: false });
    expect(r.code).toBe(0);
    expect(r.mounted).toHaveLength(0);
    expect(r.output).toContain('plain HTTP');
    expect(r.output).toContain('ReadWritePaths=/srv/out');
    const s = await loadSettings(r.settingsPath);
    expect(s.agent.ssl.enabled).toBe(false);
    expect(s.agent.allowPlainHttp).toBe(true);
    expect(s.nodes[0]?.cassandraYaml).toBe('/etc/cassandra/cassandra.yaml');
  });

  it('keeps the written settings and returns 1 when mounting fails', async () => {
    const r = await run(['1', 'db1', '22', 'cass', 'n', 'pw', 'pw', '', '', 'n', 'agent', 'agent', '']);
    expect(r.code).toBe(0);
    const failed = await run(['1', 'db1', '22', 'cass', 'n', 'pw', 'pw', '', '', 'n', 'agent', 'agent', ''], { mountFails: true });
    expect(failed.code).toBe(1);
    expect(failed.output).toContain('Mounting failed: sshfs: connection refused');
    expect((await loadSettings(failed.settingsPath)).nodes[0]?.host).toBe('db1');
  });

  it('returns 2 and writes nothing when the answers run out', async () => {
    const r = await run(['1', 'db1', '22']);
    expect(r.code).toBe(2);
    expect(r.output).toContain('input ended before an answer to "Node 1 SSH login"');
    await expect(stat(r.settingsPath)).rejects.toThrow();
    await expect(stat(r.secretsDir)).rejects.toThrow();
  });

  it('on a terminal, echoes ordinary answers but not passwords', async () => {
    const r = await run(['1', 'db1', '22', 'visible-login', 'n', 'nodepw-1', 'nodepw-1', '', '', 'n', 'agent-pw-9', 'agent-pw-9', ''], { mount: false, tty: true });
    expect(r.code).toBe(0);
    expect(r.output).toContain('visible-login');
    for (const s of SECRETS) expect(r.output).not.toContain(s);
  });
});
