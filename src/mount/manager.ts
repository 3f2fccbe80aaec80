/**
 * Mounts every configured node's conf and data directories (layout.ts), keeps them healthy and
 * unmounts them. One manager per agent process; it owns the key agents it starts and the mounts under
 * its mount root, including those a crashed run left behind (cleanupStale).
 *
 * Per node the order is: resolve secrets -> ssh2 pre-flight (reachability, host key, credentials, so
 * the error says which; sshfs 3.x hides ssh's messages) -> key agent for a passphrase-protected key ->
 * sshfs for conf, then each data directory. Nodes are mounted in parallel, at most MOUNT_PARALLELISM
 * at once. A node that fails does not stop the others; the report lists each failure.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError, isAgentError } from '../errors.js';
import type { SshAuth } from '../config/schema.js';
import { checkSsh, resolveSshAuth, type SshTarget } from '../cluster/ssh.js';
import { assertFuseUsable, decideAllowOther, probeFuse, probeSshfs, type AllowOther, type FuseEnv, type SshfsInfo } from './fuse-env.js';
import { checkMountHealth, describeHealth, isStale, type MountHealth } from './health.js';
import { startKeyAgent, stopKeyAgent, stopKeyAgents, type KeyAgent } from './key-agent.js';
import type { HostKeyPolicy } from './known-hosts.js';
import { mountTargets, targetOfLocalPath, type MountTarget } from './layout.js';
import { readMountInfo, sshfsMountsUnder } from './mountinfo.js';
import { REMOTE_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { runSshfs, sshfsSource, unmountPath, type SshfsAuth, type SshfsTuning, type UnmountResult } from './sshfs.js';

/** The node fields the manager needs (a NodeSettings satisfies it). */
export interface MountNode {
  readonly host: string;
  readonly sshPort: number;
  readonly user: string;
  readonly auth: SshAuth;
  readonly confDirectory: string;
  readonly dataDirectories: readonly string[];
  readonly strictHostKeyChecking: HostKeyPolicy;
  readonly knownHostsPath: string;
}

export interface MountManagerOptions {
  readonly mountRoot: string;
  readonly nodes: readonly MountNode[];
  readonly sshfs: SshfsTuning;
  /** where `{ env }` secret references are looked up (the CLI passes process.env) */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** uid doing the mounts (decides allow_other); default: this process's */
  readonly uid?: number;
  readonly allowOther?: AllowOther;
  /** private 0700 directory for key agents; default `<mountRoot>/.agents` */
  readonly runtimeDir?: string;
  /** ms per sshfs invocation (default 30 s) */
  readonly mountTimeoutMs?: number;
  /** ms for one health probe (default 5 s) */
  readonly healthTimeoutMs?: number;
  readonly sshfsBin?: string;
  readonly retry?: RetryPolicy;
  readonly fuseConf?: string;
  readonly devFuse?: string;
}

export interface MountStatus extends MountTarget {
  readonly health: MountHealth;
  readonly description: string;
}

export interface NodeFailure {
  readonly host: string;
  readonly error: AgentError;
}

export interface MountReport {
  readonly mounts: readonly MountStatus[];
  readonly failures: readonly NodeFailure[];
  readonly warnings: readonly string[];
}

const MOUNT_PARALLELISM = 4;
const CONNECT_TIMEOUT_SEC = 10;

interface Probed {
  readonly sshfs: SshfsInfo;
  readonly fuse: FuseEnv;
  readonly allowOther: boolean;
  readonly warnings: string[];
}

/** Runs `fn` over `items`, at most `limit` at once (workers pulling from one iterator). */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let n = it.next(); n.done !== true; n = it.next()) await fn(n.value);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function toAgentError(e: unknown, host: string): AgentError {
  if (isAgentError(e)) return e.location.host === undefined ? new AgentError(e.code, e.message, { ...e.location, host }, { cause: e.cause }) : e;
  return new AgentError('E_MOUNT_FAILED', e instanceof Error ? e.message : String(e), { host }, { cause: e });
}

export class MountManager {
  readonly mountRoot: string;
  readonly runtimeDir: string;
  private readonly opts: MountManagerOptions;
  private readonly nodes = new Map<string, MountNode>();
  private readonly agents = new Map<string, KeyAgent>();
  private probed: Promise<Probed> | null = null;

  constructor(opts: MountManagerOptions) {
    this.opts = opts;
    this.mountRoot = opts.mountRoot;
    this.runtimeDir = opts.runtimeDir ?? join(opts.mountRoot, '.agents');
    for (const n of opts.nodes) this.nodes.set(n.host, n);
  }

  /** Probes sshfs and FUSE once. Throws E_MOUNT_UNAVAILABLE when mounting cannot work here. */
  prepare(): Promise<Probed> {
    this.probed ??= (async () => {
      const [sshfs, fuse] = await Promise.all([probeSshfs(this.opts.sshfsBin), probeFuse({ fuseConf: this.opts.fuseConf, devFuse: this.opts.devFuse })]);
      assertFuseUsable(fuse);
      const warnings: string[] = [];
      if (!sshfs.maxConns) warnings.push(`sshfs ${sshfs.version ?? '(unknown version)'} has no max_conns (3.7+); each mount uses one SSH connection`);
      const uid = this.opts.uid ?? process.getuid?.() ?? 0;
      const decided = decideAllowOther(this.opts.allowOther ?? 'auto', uid, fuse);
      if (decided.warning !== null) warnings.push(decided.warning);
      return { sshfs, fuse, allowOther: decided.allowOther, warnings };
    })();
    const p = this.probed;
    p.catch(() => { this.probed = null; });
    return p;
  }

  targets(host?: string): MountTarget[] {
    const nodes = host === undefined ? [...this.nodes.values()] : [this.node(host)];
    return nodes.flatMap((n) => mountTargets(this.mountRoot, n));
  }

  /** The mount target holding an agent-side path, or null. */
  targetOf(localPath: string): MountTarget | null {
    return targetOfLocalPath(this.targets(), localPath);
  }

  private node(host: string): MountNode {
    const n = this.nodes.get(host);
    if (n === undefined) throw new AgentError('E_NOT_FOUND', `no node "${host}" in the settings`, { host });
    return n;
  }

  /**
   * Unmounts (lazily if need be) every sshfs mount under the mount root that no longer answers, e.g.
   * left by a crashed agent, and the key agents of hosts with no live mount. Returns the cleaned paths.
   */
  async cleanupStale(): Promise<string[]> {
    const { fuse } = await this.prepare();
    const cleaned: string[] = [];
    const live = new Set<string>();
    for (const entry of sshfsMountsUnder(await readMountInfo(), this.mountRoot)) {
      const h = await checkMountHealth(entry.mountPoint, this.opts.healthTimeoutMs);
      if (isStale(h)) {
        const r = await unmountPath(entry.mountPoint, fuse.fusermount);
        if (r.ok) cleaned.push(entry.mountPoint);
      } else {
        const t = targetOfLocalPath(this.targets(), entry.mountPoint);
        if (t !== null) live.add(t.host);
      }
    }
    for (const host of this.nodes.keys()) if (!live.has(host) && !this.agents.has(host)) await stopKeyAgents(this.runtimeDir, host);
    return cleaned;
  }

  /** Mounts every node; failures are collected per node, never thrown (except E_MOUNT_UNAVAILABLE). */
  async mountAll(): Promise<MountReport> {
    const probed = await this.prepare();
    await this.cleanupStale();
    const failures: NodeFailure[] = [];
    await eachLimited([...this.nodes.keys()], MOUNT_PARALLELISM, async (host) => {
      try {
        await this.mountNode(host);
      } catch (e) {
        failures.push({ host, error: toAgentError(e, host) });
      }
    });
    const failedHosts = new Set(failures.map((f) => f.host));
    const mounts = await this.status([...this.nodes.keys()].filter((h) => !failedHosts.has(h)));
    return { mounts, failures, warnings: probed.warnings };
  }

  /** Mounts one node's targets (keeping those already mounted, alive and from the same source). */
  async mountNode(host: string): Promise<void> {
    const node = this.node(host);
    let ready: Promise<SshfsAuth> | null = null;
    for (const t of this.targets(host)) await this.mountTarget(node, t, false, () => (ready ??= this.connectNode(node)));
  }

  /**
   * Resolves the node's secrets and checks reachability, host key and credentials with ssh2 (retried
   * per policy while unreachable); returns the auth sshfs should use.
   */
  private async connectNode(node: MountNode): Promise<SshfsAuth> {
    const resolved = await resolveSshAuth(node.auth, this.opts.env, node.host);
    const target: SshTarget = {
      host: node.host, port: node.sshPort, user: node.user, auth: resolved,
      strictHostKeyChecking: node.strictHostKeyChecking, knownHostsPath: node.knownHostsPath,
    };
    await withRetry(() => checkSsh(target, { connectTimeoutMs: CONNECT_TIMEOUT_SEC * 1000 }), this.opts.retry ?? REMOTE_RETRY);
    return this.sshfsAuth(node, resolved);
  }

  private async sshfsAuth(node: MountNode, resolved: Awaited<ReturnType<typeof resolveSshAuth>>): Promise<SshfsAuth> {
    if (resolved.kind === 'password') return { kind: 'password', password: resolved.password };
    if (!resolved.encrypted) return { kind: 'key', identityFile: resolved.privateKeyPath };
    const existing = this.agents.get(node.host);
    if (existing !== undefined) return { kind: 'agent', agentSocket: existing.socket };
    const agent = await startKeyAgent(this.runtimeDir, resolved.privateKey.toString('utf8'), node.host);
    this.agents.set(node.host, agent);
    return { kind: 'agent', agentSocket: agent.socket };
  }

  private async mountTarget(node: MountNode, t: MountTarget, force: boolean, auth: () => Promise<SshfsAuth>): Promise<void> {
    const probed = await this.prepare();
    const existing = [...await readMountInfo()].reverse().find((e) => e.mountPoint === t.mountPoint);
    if (existing !== undefined) {
      const same = existing.source === sshfsSource(node.user, node.host, t.remoteDir);
      if (!force && same && (await checkMountHealth(t.mountPoint, this.opts.healthTimeoutMs)).state === 'ok') return;
      const r = await unmountPath(t.mountPoint, probed.fuse.fusermount);
      if (!r.ok) throw new AgentError('E_MOUNT_FAILED', `cannot unmount the previous mount at ${t.mountPoint}: ${r.message}`, { host: node.host });
    }
    try {
      await mkdir(t.mountPoint, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new AgentError('E_IO', `cannot create the mount point: ${(e as Error).message}`, { host: node.host, file: t.mountPoint }, { cause: e });
    }
    const sshfsAuth = await auth();
    await withRetry(() => runSshfs({
      host: node.host,
      port: node.sshPort,
      user: node.user,
      remoteDir: t.remoteDir,
      mountPoint: t.mountPoint,
      auth: sshfsAuth,
      strictHostKeyChecking: node.strictHostKeyChecking,
      knownHostsPath: node.knownHostsPath,
      tuning: this.opts.sshfs,
      allowOther: probed.allowOther,
      connectTimeoutSec: CONNECT_TIMEOUT_SEC,
    }, probed.sshfs, { timeoutMs: this.opts.mountTimeoutMs ?? 30_000 }), this.opts.retry ?? REMOTE_RETRY);
  }

  /** Health of the given hosts' targets (all by default). */
  async status(hosts?: readonly string[]): Promise<MountStatus[]> {
    const targets = (hosts ?? [...this.nodes.keys()]).flatMap((h) => this.targets(h));
    const table = await readMountInfo();
    const out: MountStatus[] = [];
    for (const t of targets) {
      const health = await checkMountHealth(t.mountPoint, this.opts.healthTimeoutMs, table);
      out.push({ ...t, health, description: describeHealth(health) });
    }
    return out;
  }

  /** Unmounts and mounts one target again (after a failed health check or a lost read). */
  async remount(t: MountTarget): Promise<void> {
    const node = this.node(t.host);
    await this.mountTarget(node, t, true, () => this.connectNode(node));
  }

  /**
   * Checks every mount (of `host`, or all) and remounts those not answering or missing. Returns the
   * statuses after repair; failures to remount are thrown as one aggregated error per call.
   */
  async ensureHealthy(host?: string): Promise<MountStatus[]> {
    const before = await this.status(host === undefined ? undefined : [host]);
    const errors: NodeFailure[] = [];
    for (const s of before) {
      if (s.health.state === 'ok') continue;
      try {
        await this.remount(s);
      } catch (e) {
        errors.push({ host: s.host, error: toAgentError(e, s.host) });
      }
    }
    if (errors.length > 0) {
      const first = errors[0] as NodeFailure;
      throw new AgentError(first.error.code, `remounting failed:\n${errors.map((f) => `  ${f.error.message}`).join('\n')}`, errors.length === 1 ? { host: first.host } : {}, { cause: new AggregateError(errors.map((f) => f.error)) });
    }
    return this.status(host === undefined ? undefined : [host]);
  }

  /**
   * Unmounts every sshfs mount under the mount root (configured or left over), deepest first, and
   * stops the key agents. Never throws for one mount; the results say what failed.
   */
  async unmountAll(): Promise<{ mountPoint: string; result: UnmountResult }[]> {
    const fusermount = (await this.prepare().catch(() => null))?.fuse.fusermount ?? 'fusermount';
    const results: { mountPoint: string; result: UnmountResult }[] = [];
    for (const entry of sshfsMountsUnder(await readMountInfo(), this.mountRoot)) {
      results.push({ mountPoint: entry.mountPoint, result: await unmountPath(entry.mountPoint, fusermount) });
    }
    for (const agent of this.agents.values()) await stopKeyAgent(agent);
    this.agents.clear();
    await stopKeyAgents(this.runtimeDir);
    return results;
  }
}
