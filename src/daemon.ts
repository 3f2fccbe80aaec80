/**
 * Composition root of `serve`: settings -> logger -> TLS and auth -> task store and runner -> API ->
 * listen -> graceful shutdown. `startDaemon` is what the CLI and the tests call; the signal handling
 * and exit code stay in cli/serve.ts.
 *
 * Shutdown order: stop accepting requests (live event streams are ended), abort every run (each
 * keeps its durable checkpoint and stays `running`, so the next start resumes it), unmount, flush
 * the logs.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { AuthPolicy } from './api/auth.js';
import { buildServer } from './api/server.js';
import { loadTlsOptions } from './api/tls.js';
import type { FrozenSettings } from './config/load.js';
import { resolveSecret } from './config/secrets.js';
import { clearSnapshots, takeSnapshots } from './cluster/snapshot.js';
import { sshTargetOf, type SshTarget } from './cluster/ssh.js';
import { AgentError } from './errors.js';
import { createRootLogger, type Logger } from './log.js';
import { mountTargets } from './mount/layout.js';
import { MountManager } from './mount/manager.js';
import { unmountPath } from './mount/sshfs.js';
import { openSink } from './sink/from-url.js';
import { S3Sink } from './sink/s3.js';
import type { Sink } from './sink/sink.js';
import { FileCheckpointStore } from './tasks/checkpoint.js';
import { runExtract } from './tasks/extract.js';
import { TaskRunner } from './tasks/runner.js';
import type { TaskRecord } from './tasks/model.js';
import type { ExtractFn, ExtractJob, MountPort, MountStatus } from './tasks/runner-port.js';
import { TaskStore } from './tasks/store.js';
import { abortError } from './util/abort.js';

export interface DaemonDeps {
  readonly extract: ExtractFn;
  /** the sshfs mount manager; default: report the expected mount points, mount nothing */
  readonly mounts?: MountPort;
  /** default: a root logger from the settings (stdout + <logDir>/agent.log) */
  readonly logger?: Logger;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly version: string;
  /** mount every node not mounted yet before resuming tasks (failures are logged, not fatal) */
  readonly mountOnStart?: boolean;
  /** overrides agent.port (tests listen on 0, an ephemeral port) */
  readonly port?: number;
  /** ms between progress writes to task.json (default 1000) */
  readonly progressSaveIntervalMs?: number;
  /** clears the snapshot of a deleted snapshot-mode task (default: none to clear) */
  readonly snapshots?: SnapshotPort;
}

export interface DaemonHandle {
  readonly address: { readonly host: string; readonly port: number };
  /** https://host:port or http://host:port */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly runner: TaskRunner;
  readonly logger: Logger;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
}

/** Mount points as the layout defines them, without a manager: nothing is mounted by the agent. */
export function unmanagedMounts(settings: FrozenSettings): MountPort {
  const statuses = (): MountStatus[] => settings.nodes.map((n) => {
    const targets = mountTargets(settings.mountRoot, n);
    return {
      host: n.host,
      state: 'unmanaged',
      confDir: targets.find((t) => t.role === 'conf')?.mountPoint ?? '',
      dataDirs: targets.filter((t) => t.role === 'data').map((t) => t.mountPoint),
    };
  });
  const refuse = (): never => {
    throw new AgentError('E_UNSUPPORTED_FEATURE', 'this agent runs without a mount manager; mount the nodes with `cassandra-extractor mount`');
  };
  return {
    status: async () => statuses(),
    mount: async () => refuse(),
    unmount: async () => refuse(),
    unmountAll: async () => undefined,
    dataDirectories: async () => statuses().flatMap((s) => s.dataDirs).filter((d) => existsSync(d)),
    nodeDataDirectories: async () => statuses().map((s) => ({ host: s.host, dataDirs: s.dataDirs.filter((d) => existsSync(d)) })),
  };
}

/** The sshfs MountManager (src/mount) behind the API's port; a node is mounted when all its targets answer. */
export function managedMounts(manager: MountManager): MountPort {
  const byHost = async (hosts?: readonly string[]): Promise<MountStatus[]> => {
    const all = await manager.status(hosts);
    const out = new Map<string, { confDir: string; dataDirs: string[]; ok: number; down: number; errors: string[] }>();
    for (const t of all) {
      const h = out.get(t.host) ?? { confDir: '', dataDirs: [], ok: 0, down: 0, errors: [] };
      if (t.role === 'conf') h.confDir = t.mountPoint;
      else h.dataDirs.push(t.mountPoint);
      if (t.health.state === 'ok') h.ok += 1;
      else if (t.health.state === 'unmounted') h.down += 1;
      else h.errors.push(`${t.mountPoint}: ${t.description}`);
      out.set(t.host, h);
    }
    return [...out].map(([host, h]) => ({
      host, confDir: h.confDir, dataDirs: h.dataDirs,
      state: h.errors.length > 0 ? 'error' : h.down === 0 ? 'mounted' : 'unmounted',
      ...(h.errors.length > 0 ? { error: h.errors.join('; ') } : {}),
    }));
  };
  const one = async (host: string): Promise<MountStatus> => {
    const [s] = await byHost([host]);
    if (s === undefined) throw new AgentError('E_NOT_FOUND', `no node "${host}" in the settings`, { host });
    return s;
  };
  return {
    status: () => byHost(),
    mount: async (host) => {
      await manager.mountNode(host);
      return one(host);
    },
    unmount: async (host) => {
      const fusermount = (await manager.prepare()).fuse.fusermount;
      for (const t of manager.targets(host).reverse()) {
        const r = await unmountPath(t.mountPoint, fusermount);
        if (!r.ok && (await one(host)).state !== 'unmounted') throw new AgentError('E_MOUNT_FAILED', `cannot unmount ${t.mountPoint}: ${r.message}`, { host });
      }
      return one(host);
    },
    unmountAll: async () => {
      await manager.unmountAll();
    },
    dataDirectories: async () => manager.targets().filter((t) => t.role === 'data' && existsSync(t.mountPoint)).map((t) => t.mountPoint),
    nodeDataDirectories: async () => {
      const byHost = new Map<string, string[]>();
      for (const t of manager.targets()) {
        if (t.role !== 'data' || !existsSync(t.mountPoint)) continue;
        byHost.set(t.host, [...(byHost.get(t.host) ?? []), t.mountPoint]);
      }
      return [...byHost].map(([host, dataDirs]) => ({ host, dataDirs }));
    },
  };
}

/** A MountManager from the settings. */
export function mountManagerFor(settings: FrozenSettings, env: Readonly<Record<string, string | undefined>>): MountManager {
  return new MountManager({ mountRoot: settings.mountRoot, nodes: settings.nodes, sshfs: settings.sshfs, env });
}

async function sinkOf(job: ExtractJob): Promise<Sink> {
  const s = job.sink;
  if (s.kind === 'local') return openSink(job.localDir);
  const enc = s.encryption;
  return new S3Sink({
    bucket: s.bucket, prefix: s.prefix,
    ...(s.region === undefined ? {} : { region: s.region }),
    ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
    ...(enc.kind === 'sse-s3' ? { sse: 'AES256' as const } : {}),
    ...(enc.kind === 'sse-kms' ? { sse: 'aws:kms' as const, ...(enc.keyId === undefined ? {} : { sseKmsKeyId: enc.keyId }) } : {}),
  });
}

/** `nodetool snapshot` / `clearsnapshot` on every configured node, over SSH (cluster/snapshot.ts). */
export interface SnapshotPort {
  take(tag: string, keyspace: string): Promise<void>;
  clear(tag: string, keyspace: string): Promise<void>;
}

/** A task's snapshot tag: one per task, so a resumed run reads the snapshot its checkpoint was made from. */
export function snapshotTagOf(taskId: string): string {
  return `cassandra-extractor-${taskId}`;
}

/** The SnapshotPort of the settings' nodes (their SSH settings; secrets resolved when used). */
export function sshSnapshots(settings: FrozenSettings, env: Readonly<Record<string, string | undefined>>): SnapshotPort {
  const targets = async (): Promise<SshTarget[]> => {
    if (settings.nodes.length === 0) throw new AgentError('E_BAD_ARGUMENT', 'snapshot mode needs the nodes in the settings (cassandra-extractor --configure)');
    return Promise.all(settings.nodes.map((n) => sshTargetOf(n, env)));
  };
  return {
    take: async (tag, keyspace) => {
      await takeSnapshots(await targets(), keyspace, tag);
    },
    clear: async (tag, keyspace) => {
      await clearSnapshots(await targets(), tag, { keyspace });
    },
  };
}

/** The runner's onDelete for snapshot-mode tasks: clears the task's snapshot (nothing if none was taken). */
export function deleteSnapshotOf(snapshots: SnapshotPort): (rec: TaskRecord, checkpointDir: string) => Promise<void> {
  return async (rec, checkpointDir) => {
    if (rec.spec.readFrom !== 'snapshot' || !existsSync(join(checkpointDir, 'snapshot-taken'))) return;
    await snapshots.clear(snapshotTagOf(rec.id), rec.spec.keyspace);
  };
}

/**
 * The real pipeline (tasks/extract.ts) behind the runner's port. Its checkpoint is
 * `<task dir>/checkpoint/checkpoint.json`; a cancelled run (report.aborted) becomes a rejection, and
 * a table lost to a full disk becomes E_DISK_FULL, so the runner pauses the task instead of failing it.
 *
 * The task's settings: replica mode, `parallelism` decoding workers, `readMBpsPerNode` per node
 * (0 = unlimited), and `readFrom: snapshot`: the first run takes the task's snapshot on every node
 * (a resumed run reads the same one), and a completed run clears it.
 * Not honoured: uploadMBps, deleteLocalAfterUpload (S3 sinks write straight to the bucket).
 */
export function pipelineExtract(version: string, snapshots?: SnapshotPort): ExtractFn {
  return async (job, run) => {
    await mkdir(job.checkpointDir, { recursive: true, mode: 0o700 });
    const checkpointFile = join(job.checkpointDir, 'checkpoint.json');
    const tag = job.readFrom === 'snapshot' ? snapshotTagOf(job.taskId) : null;
    if (tag !== null) {
      if (snapshots === undefined) throw new AgentError('E_UNSUPPORTED_FEATURE', 'snapshot mode needs SSH access to the nodes; this agent has none configured');
      const marker = join(job.checkpointDir, 'snapshot-taken');
      if (!existsSync(marker)) {
        run.log('info', `taking snapshot ${tag} of ${job.keyspace} on every node`);
        await snapshots.take(tag, job.keyspace);
        await writeFile(marker, `${tag}\n`, { mode: 0o600 });
      }
    }
    const sink = await sinkOf(job);
    try {
      const report = await runExtract(
        {
          nodes: job.nodes.map((n) => ({ name: n.host, dataDirs: n.dataDirs })), keyspace: job.keyspace, tables: job.tables, sink, chunkSizeBytes: job.chunkSizeBytes,
          nowInSec: Math.floor(Date.now() / 1000), generator: `cassandra-extractor ${version}`,
          read: {
            workers: job.parallelism, replicaMode: job.replicaMode,
            ...(job.readMBpsPerNode > 0 ? { bandwidthMBps: job.readMBpsPerNode } : {}),
            ...(tag === null ? {} : { snapshotTag: tag }),
          },
        },
        {
          signal: run.signal,
          checkpoint: new FileCheckpointStore(checkpointFile),
          onProgress: (p) => {
            for (const t of p.tables) {
              if (t.state === 'queued') continue;
              const percent = t.state === 'loaded' ? 100 : t.dataBytesTotal > 0 ? (t.dataBytesRead / t.dataBytesTotal) * 100 : 0;
              run.onProgress({ table: t.table, state: t.state, rows: t.rows, bytes: t.csvBytes, files: t.files, percent, ...(t.error === undefined ? {} : { error: t.error }) });
            }
          },
        },
      );
      if (report.aborted) throw abortError(run.signal, 'extraction');
      const errors = report.tables.flatMap((t) => (t.error === undefined ? [] : [{ table: t.table, code: t.error.code, message: t.error.message }]));
      const full = errors.find((e) => e.code === 'E_DISK_FULL');
      if (full !== undefined) throw new AgentError('E_DISK_FULL', `${full.table}: ${full.message}`);
      if (!report.complete && errors.length === 0) errors.push({ table: '*', code: 'E_INTERNAL', message: report.errorSummary || 'the export is incomplete' });
      const rd = report.read;
      run.log('info', `${report.rows} rows in ${report.tables.length} table(s) to ${report.root}${report.complete ? '' : ` (incomplete: ${report.errorSummary})`}; replica mode ${rd.replicaMode} over ${rd.nodes.length} node(s), ${rd.workers} worker(s)${rd.snapshotTag === null ? ', live SSTables' : `, snapshot ${rd.snapshotTag}`}`);
      if (report.complete && tag !== null && snapshots !== undefined) {
        await snapshots.clear(tag, job.keyspace).then(
          () => run.log('info', `snapshot ${tag} cleared`),
          (e: unknown) => run.log('warn', `cannot clear snapshot ${tag}: ${(e as Error).message}; clear it with nodetool clearsnapshot -t ${tag}`),
        );
      }
      return { complete: report.complete, errors };
    } finally {
      await sink.close();
    }
  };
}

export async function startDaemon(settings: FrozenSettings, deps: DaemonDeps): Promise<DaemonHandle> {
  const root = deps.logger === undefined ? createRootLogger({ level: settings.logLevel, logDir: settings.logDir }) : undefined;
  const logger = deps.logger ?? (root as NonNullable<typeof root>).logger;
  const env = { env: deps.env ?? process.env };
  const agent = settings.agent;

  const https = await loadTlsOptions(agent.ssl, env);
  let auth: AuthPolicy;
  if (https !== undefined && agent.ssl.requireClientCert) {
    auth = { kind: 'client-cert' };
  } else {
    auth = { kind: 'password', password: await resolveSecret(agent.passwordRef, env) };
  }
  if (https === undefined) {
    logger.warn('**********************************************************************');
    logger.warn(`TLS IS OFF: the API is served over PLAIN HTTP on ${agent.host}:${agent.port}; the agent password crosses the network in clear (agent.allowPlainHttp: true)`);
    logger.warn('**********************************************************************');
  }

  await mkdir(settings.outputFolder, { recursive: true, mode: 0o750 });
  const mounts = deps.mounts ?? unmanagedMounts(settings);
  if (deps.mountOnStart === true) {
    for (const m of await mounts.status().catch(() => [])) {
      if (m.state === 'mounted') continue;
      try {
        await mounts.mount(m.host);
        logger.info({ host: m.host }, 'node mounted');
      } catch (e) {
        logger.error({ host: m.host, err: e }, 'cannot mount the node; tasks reading it will fail until it is mounted (POST /api/v1/nodes/:host/mount)');
      }
    }
  }
  const store = await TaskStore.open(settings.stateDir);
  const runner = await TaskRunner.open({
    store,
    extract: deps.extract,
    logger: logger.child({ component: 'tasks' }),
    outputFolder: settings.outputFolder,
    dataDirectories: () => mounts.dataDirectories(),
    ...(mounts.nodeDataDirectories === undefined ? {} : { nodeDataDirectories: mounts.nodeDataDirectories.bind(mounts) }),
    ...(deps.snapshots === undefined ? {} : { onDelete: deleteSnapshotOf(deps.snapshots) }),
    ...(deps.progressSaveIntervalMs === undefined ? {} : { progressSaveIntervalMs: deps.progressSaveIntervalMs }),
  });
  const app = buildServer({
    runner,
    mounts,
    auth,
    logger: logger.child({ component: 'api' }),
    info: {
      version: deps.version,
      nodes: settings.nodes.map((n) => ({ host: n.host, sshPort: n.sshPort, user: n.user, cassandraYaml: n.cassandraYaml, dataDirectories: n.dataDirectories })),
      outputFolder: settings.outputFolder,
      stateDir: settings.stateDir,
    },
    ...(https === undefined ? {} : { https }),
  });
  try {
    await app.listen({ host: agent.host, port: deps.port ?? agent.port });
  } catch (e) {
    await runner.shutdown();
    throw new AgentError('E_IO', `cannot listen on ${agent.host}:${agent.port}: ${(e as Error).message}`, {}, { cause: e });
  }
  const addr = app.server.address() as AddressInfo;
  const scheme = https === undefined ? 'http' : 'https';
  const url = `${scheme}://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info({ url, auth: auth.kind, tasks: runner.list().length }, 'agent listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down: no new requests');
      await app.close();
      logger.info('checkpointing running tasks');
      await runner.shutdown();
      try {
        await mounts.unmountAll();
      } catch (e) {
        logger.error({ err: e }, 'unmount failed');
      }
      logger.info('agent stopped');
      root?.flush();
    })();
    return closing;
  };
  return { address: { host: addr.address, port: addr.port }, url, app, runner, logger, close };
}
