/**
 * Snapshot mode: `nodetool snapshot -t <tag> <keyspace>` on every node at (nearly) the same moment,
 * reading `<data dir>/<keyspace>/<table dir>/snapshots/<tag>/` through the mounts, and `nodetool
 * clearsnapshot -t <tag> <keyspace>` when the task ends. A snapshot is hard links to immutable SSTables
 * (ColumnFamilyStore.snapshotWithoutFlush after a flush), so it stays put while compaction runs.
 *
 * Simultaneity: all nodes of a wave are connected and authenticated first, then every command is
 * sent at once, so the spread between nodes is one round trip, not one SSH handshake each.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError, isAgentError } from '../errors.js';
import { checkExit, openSession, type CommandResult, type SshSession, type SshTarget, type SshTimeouts } from './ssh.js';

export interface NodetoolOptions extends SshTimeouts {
  /** nodetool executable on the nodes (default `nodetool`, found on the remote PATH) */
  nodetool?: string;
  /** arguments placed right after nodetool, e.g. ['-h', '127.0.0.1', '-p', '7199'] */
  nodetoolArgs?: readonly string[];
  /** nodes handled per wave (connections open at once); default 32 */
  concurrency?: number;
}

export type NodeOutcome =
  | { readonly host: string; readonly ok: true; readonly result: CommandResult }
  | { readonly host: string; readonly ok: false; readonly error: AgentError };

/** Cassandra keyspace names: word characters, at most 48 (SchemaConstants.NAME_LENGTH). */
const KEYSPACE_RE = /^\w{1,48}$/;
/** Snapshot tags become directory names; keep them to one safe path segment. */
const TAG_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export function validateKeyspace(keyspace: string): void {
  if (!KEYSPACE_RE.test(keyspace)) throw new AgentError('E_BAD_ARGUMENT', `"${keyspace}" is not a keyspace name (letters, digits, _; at most 48)`);
}

export function validateTag(tag: string): void {
  if (!TAG_RE.test(tag)) throw new AgentError('E_BAD_ARGUMENT', `"${tag}" is not a usable snapshot tag (letters, digits, _ . -; not starting with '.')`);
}

export function snapshotCommand(keyspace: string, tag: string, opts: NodetoolOptions = {}): string[] {
  validateKeyspace(keyspace);
  validateTag(tag);
  return [opts.nodetool ?? 'nodetool', ...(opts.nodetoolArgs ?? []), 'snapshot', '-t', tag, keyspace];
}

/** Keyspace-scoped when given (`clearsnapshot -t tag ks`, accepted by 2.1 through 5.0). */
export function clearSnapshotCommand(tag: string, keyspace: string | undefined, opts: NodetoolOptions = {}): string[] {
  validateTag(tag);
  if (keyspace !== undefined) validateKeyspace(keyspace);
  return [opts.nodetool ?? 'nodetool', ...(opts.nodetoolArgs ?? []), 'clearsnapshot', '-t', tag, ...(keyspace === undefined ? [] : [keyspace])];
}

function asAgentError(e: unknown, host: string): AgentError {
  return isAgentError(e) ? e : new AgentError('E_REMOTE_COMMAND', e instanceof Error ? e.message : String(e), { host }, { cause: e });
}

/** Runs one command on every node: per wave, connect all, then fire all at once. Never throws. */
export async function runOnAll(nodes: readonly SshTarget[], argv: readonly string[], opts: NodetoolOptions = {}): Promise<NodeOutcome[]> {
  const wave = Math.max(1, opts.concurrency ?? 32);
  const outcomes: NodeOutcome[] = [];
  for (let i = 0; i < nodes.length; i += wave) {
    const group = nodes.slice(i, i + wave);
    const sessions = await Promise.all(group.map((t) => openSession(t, opts).then(
      (s): SshSession | AgentError => s,
      (e: unknown): SshSession | AgentError => asAgentError(e, t.host),
    )));
    try {
      const results = await Promise.all(sessions.map(async (s, k): Promise<NodeOutcome> => {
        const host = (group[k] as SshTarget).host;
        if (s instanceof AgentError) return { host, ok: false, error: s };
        try {
          return { host, ok: true, result: checkExit(await s.exec(argv)) };
        } catch (e) {
          return { host, ok: false, error: asAgentError(e, host) };
        }
      }));
      outcomes.push(...results);
    } finally {
      for (const s of sessions) if (!(s instanceof AgentError)) s.close();
    }
  }
  return outcomes;
}

/** One error listing every failed node, with an AggregateError of the per-node errors as cause. */
export function aggregateFailure(what: string, outcomes: readonly NodeOutcome[]): AgentError | null {
  const failed = outcomes.filter((o): o is Extract<NodeOutcome, { ok: false }> => !o.ok);
  if (failed.length === 0) return null;
  const first = failed[0] as Extract<NodeOutcome, { ok: false }>;
  const lines = failed.map((f) => `  ${f.host}: ${f.error.message} [${f.error.code}]`);
  const code = failed.every((f) => f.error.code === first.error.code) ? first.error.code : 'E_REMOTE_COMMAND';
  return new AgentError(
    code,
    `${what} failed on ${failed.length} of ${outcomes.length} node(s):\n${lines.join('\n')}`,
    failed.length === 1 ? { host: first.host } : {},
    { cause: new AggregateError(failed.map((f) => f.error)) },
  );
}

/**
 * Snapshots `keyspace` as `tag` on every node. All or nothing: when any node fails, the snapshots
 * that were taken are cleared again (best effort) and one error names each failed node.
 */
export async function takeSnapshots(nodes: readonly SshTarget[], keyspace: string, tag: string, opts: NodetoolOptions = {}): Promise<NodeOutcome[]> {
  const argv = snapshotCommand(keyspace, tag, opts);
  const outcomes = await runOnAll(nodes, argv, opts);
  const failure = aggregateFailure(`nodetool snapshot -t ${tag} ${keyspace}`, outcomes);
  if (failure !== null) {
    const taken = nodes.filter((n) => outcomes.some((o) => o.ok && o.host === n.host));
    if (taken.length > 0) await runOnAll(taken, clearSnapshotCommand(tag, keyspace, opts), opts);
    throw failure;
  }
  return outcomes;
}

/** Removes the `tag` snapshots (of `keyspace` only, when given) on every node; throws one aggregated error. */
export async function clearSnapshots(nodes: readonly SshTarget[], tag: string, opts: NodetoolOptions & { keyspace?: string } = {}): Promise<NodeOutcome[]> {
  const outcomes = await runOnAll(nodes, clearSnapshotCommand(tag, opts.keyspace, opts), opts);
  const failure = aggregateFailure(`nodetool clearsnapshot -t ${tag}`, outcomes);
  if (failure !== null) throw failure;
  return outcomes;
}

export interface SnapshotTableDir {
  /** table name (the table directory name without its `-<cfId hex>` suffix) */
  readonly table: string;
  /** the live table directory */
  readonly tableDir: string;
  /** `<tableDir>/snapshots/<tag>`: SSTables, and in 3.0+ `schema.cql` and `manifest.json` */
  readonly snapshotDir: string;
}

/** `events-4f1e9c0a...` (2.1+) -> `events`; 2.0's `events` stays as is. */
export function tableNameOfDir(dirName: string): string {
  const m = /^(.+)-[0-9a-f]{32}$/.exec(dirName);
  return m?.[1] ?? dirName;
}

/**
 * The snapshot directories of `tag` under one (mounted) data directory, one per table that has it,
 * sorted by table. A keyspace directory that does not exist yields an empty list.
 */
export async function snapshotTableDirs(dataDir: string, keyspace: string, tag: string): Promise<SnapshotTableDir[]> {
  validateKeyspace(keyspace);
  validateTag(tag);
  const ksDir = join(dataDir, keyspace);
  let names: string[];
  try {
    names = await readdir(ksDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AgentError('E_IO', `cannot list keyspace directory: ${(e as Error).message}`, { file: ksDir }, { cause: e });
  }
  const out: SnapshotTableDir[] = [];
  for (const name of names.sort()) {
    const tableDir = join(ksDir, name);
    const snapshotDir = join(tableDir, 'snapshots', tag);
    const st = await stat(snapshotDir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw new AgentError('E_IO', `cannot stat snapshot directory: ${e.message}`, { file: snapshotDir }, { cause: e });
    });
    if (st?.isDirectory() === true) out.push({ table: tableNameOfDir(name), tableDir, snapshotDir });
  }
  return out;
}
