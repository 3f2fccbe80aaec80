import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSettings, parseSettingsYaml } from '../../src/config/load.js';
import { hostSchema, portSchema, secretRefSchema, settingsSchema } from '../../src/config/schema.js';
import { AgentError } from '../../src/errors.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const examplePath = join(root, 'config', 'agent-settings.example.yaml');

/** Smallest valid document: everything else has a default. */
function minimal(): Record<string, unknown> {
  return {
    agent: { passwordRef: { env: 'AGENT_PW' }, ssl: { enabled: false }, allowPlainHttp: true },
    nodes: [{
      host: '10.0.0.1', user: 'cass',
      auth: { kind: 'password', passwordRef: { file: '/etc/cassandra-extractor/secrets/n1' } },
      cassandraYaml: '/etc/cassandra/cassandra.yaml', dataDirectories: ['/var/lib/cassandra/data'],
    }],
  };
}

function issuesOf(raw: unknown): string[] {
  try {
    parseSettings(raw, 'test.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(AgentError);
    expect((e as AgentError).code).toBe('E_BAD_ARGUMENT');
    return (e as AgentError).message.split('\n').slice(1).map((l) => l.trim());
  }
  throw new Error('expected the settings to be rejected');
}

describe('agent-settings.example.yaml', () => {
  it('parses with the schema and documents every top-level and agent field', () => {
    const text = readFileSync(examplePath, 'utf8');
    const s = parseSettingsYaml(text, examplePath);
    expect(s.agent.port).toBe(8080);
    expect(s.agent.ssl.enabled).toBe(true);
    expect(s.nodes).toHaveLength(2);
    expect(s.nodes[1]?.confDirectory).toBe('/etc/cassandra');
    expect(s.nodes[1]?.sshPort).toBe(22);
    // Every key the schema knows appears in the example, so the example stays complete.
    for (const key of Object.keys(settingsSchema.shape)) expect(text).toMatch(new RegExp(`^${key}:`, 'm'));
    for (const key of ['host', 'port', 'passwordRef', 'ssl', 'allowPlainHttp', 'requireClientCert', 'keyStore', 'trustStore']) {
      expect(text).toMatch(new RegExp(`^\\s+${key}:`, 'm'));
    }
  });
});

describe('settingsSchema', () => {
  it('fills every default', () => {
    const s = parseSettings(minimal());
    expect(s.agent).toMatchObject({ host: '0.0.0.0', port: 8080, allowPlainHttp: true });
    expect(s.mountRoot).toBe('/mnt/cassandra-extractor');
    expect(s.stateDir).toBe('/var/lib/cassandra-extractor');
    expect(s.logDir).toBe('/var/log/cassandra-extractor');
    expect(s.outputFolder).toBe('/var/lib/cassandra-extractor/output');
    expect(s.sshfs).toEqual({ maxConns: 4, maxRead: 131072, serverAliveInterval: 15, reconnect: true });
    expect(s.limits).toEqual({ workers: 4, readMBpsPerNode: 0 });
    expect(s.nodes[0]).toMatchObject({ sshPort: 22, confDirectory: '/etc/cassandra', strictHostKeyChecking: 'accept-new' });
  });

  it('returns deep-frozen settings', () => {
    const s = parseSettings(minimal());
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.nodes[0]?.dataDirectories)).toBe(true);
    expect(() => { (s.agent as { port: number }).port = 1; }).toThrow(TypeError);
  });

  it('refuses plain HTTP unless allowed explicitly, and TLS without a key store', () => {
    const raw = minimal();
    (raw['agent'] as Record<string, unknown>)['allowPlainHttp'] = false;
    expect(issuesOf(raw)).toEqual([expect.stringMatching(/^agent\.ssl\.enabled: TLS is off/)]);
    (raw['agent'] as Record<string, unknown>)['ssl'] = {};
    expect(issuesOf(raw)).toEqual(['agent.ssl.keyStore: required when ssl.enabled is true']);
  });

  it('renders every issue as path.to.field: message', () => {
    const raw = minimal();
    const node = (raw['nodes'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    node['sshPort'] = 70000;
    node['dataDirectories'] = ['relative/dir'];
    node['extra'] = 1;
    const issues = issuesOf(raw);
    expect(issues).toContain('nodes.0.sshPort: must be between 1 and 65535');
    expect(issues).toContain('nodes.0.dataDirectories.0: must be an absolute path (starting with /)');
    expect(issues.some((i) => i.startsWith('nodes.0: ') && i.includes('extra'))).toBe(true);
  });

  it('rejects secrets written in clear', () => {
    const raw = minimal();
    (raw['agent'] as Record<string, unknown>)['passwordRef'] = 'hunter2';
    expect(issuesOf(raw)).toEqual(['agent.passwordRef: must be { file: /absolute/path } or { env: VARIABLE_NAME }']);
  });

  it('rejects two nodes with the same host (their mount points would collide)', () => {
    const raw = minimal();
    const nodes = raw['nodes'] as Record<string, unknown>[];
    nodes.push({ ...nodes[0], host: '10.0.0.2' }, { ...nodes[0], host: '10.0.0.1' });
    expect(issuesOf(raw)).toEqual(['nodes.2.host: duplicate of nodes.0.host (10.0.0.1)']);
  });

  it('validates the pieces the prompts reuse', () => {
    expect(hostSchema.safeParse('cass-1.example.com').success).toBe(true);
    expect(hostSchema.safeParse('fe80::1').success).toBe(true);
    expect(hostSchema.safeParse('300.1.1.1').success).toBe(false);
    expect(hostSchema.safeParse('bad host').success).toBe(false);
    expect(portSchema.parse('2222')).toBe(2222);
    expect(portSchema.safeParse('22x').success).toBe(false);
    expect(secretRefSchema.safeParse({ file: 'relative' }).success).toBe(false);
    expect(secretRefSchema.safeParse({ env: 'OK_NAME' }).success).toBe(true);
  });
});
