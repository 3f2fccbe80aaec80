/** Builds the API over a temporary state directory with a fake extractor, for inject() tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { AuthPolicy } from '../../src/api/auth.js';
import { buildServer } from '../../src/api/server.js';
import { SecretValue } from '../../src/config/secrets.js';
import { AgentError } from '../../src/errors.js';
import { TaskRunner } from '../../src/tasks/runner.js';
import type { ExtractFn, MountPort, MountStatus } from '../../src/tasks/runner-port.js';
import { TaskStore } from '../../src/tasks/store.js';

export const PASSWORD = 's3cret-agent-pass';
export const AUTH = { authorization: `Bearer ${PASSWORD}` };

export function fakeMounts(dataDirs: string[] = []): MountPort & { calls: string[] } {
  const state = new Map<string, MountStatus>([['10.0.0.1', { host: '10.0.0.1', state: 'unmounted', confDir: '/mnt/x/10.0.0.1_node/conf', dataDirs: ['/mnt/x/10.0.0.1_node/data'] }]]);
  const calls: string[] = [];
  const get = (host: string): MountStatus => {
    const s = state.get(host);
    if (s === undefined) throw new AgentError('E_NOT_FOUND', `no configured node ${host}`, { host });
    return s;
  };
  return {
    calls,
    status: async () => [...state.values()],
    mount: async (host) => {
      calls.push(`mount ${host}`);
      const s = { ...get(host), state: 'mounted' as const };
      state.set(host, s);
      return s;
    },
    unmount: async (host) => {
      calls.push(`unmount ${host}`);
      const s = { ...get(host), state: 'unmounted' as const };
      state.set(host, s);
      return s;
    },
    unmountAll: async () => {
      calls.push('unmountAll');
    },
    dataDirectories: async () => dataDirs,
  };
}

export interface Harness {
  app: FastifyInstance;
  runner: TaskRunner;
  store: TaskStore;
  stateDir: string;
  outDir: string;
  mounts: ReturnType<typeof fakeMounts>;
  close(): Promise<void>;
}

export async function harness(extract: ExtractFn, opts: { auth?: AuthPolicy; stateDir?: string; dataDirs?: string[] } = {}): Promise<Harness> {
  const base = await mkdtemp(join(tmpdir(), 'ce-api-'));
  const stateDir = opts.stateDir ?? join(base, 'state');
  const outDir = join(base, 'out');
  const logger = pino({ level: 'silent' });
  const store = await TaskStore.open(stateDir);
  const mounts = fakeMounts(opts.dataDirs);
  const runner = await TaskRunner.open({ store, extract, logger, outputFolder: outDir, dataDirectories: () => mounts.dataDirectories(), progressSaveIntervalMs: 0 });
  const app = buildServer({
    runner, mounts, logger,
    auth: opts.auth ?? { kind: 'password', password: new SecretValue(PASSWORD) },
    info: { version: '9.9.9', nodes: [{ host: '10.0.0.1', sshPort: 22, user: 'cass', cassandraYaml: '/etc/cassandra/cassandra.yaml', dataDirectories: ['/var/lib/cassandra/data'] }], outputFolder: outDir, stateDir },
  });
  return {
    app, runner, store, stateDir, outDir, mounts,
    close: async () => {
      await app.close();
      await runner.shutdown();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Polls until `pred` holds (or fails after `ms`). */
export async function until(pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
