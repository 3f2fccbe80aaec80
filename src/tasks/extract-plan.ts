/**
 * Planning an extraction: what the --data-dir paths are (Cassandra data directory, keyspace directory
 * or table directory), which keyspaces they hold, which tables of a keyspace to extract (and which
 * were left out, with why), and where each table's SSTables are on every node.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { TableLocation } from '../catalog/locate.js';
import { findTableDir } from '../catalog/locate.js';
import { AgentError } from '../errors.js';
import { listSSTables } from '../sstable/io/descriptor.js';

/** Keyspaces Cassandra keeps for itself: never extracted by default. */
export const SYSTEM_KEYSPACES: ReadonlySet<string> = new Set([
  'system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', 'system_views', 'system_virtual_schema',
]);

const TABLE_DIR = /^(.+)-([0-9a-f]{32})$/;

/** One node's data directory, possibly narrowed by the path the user gave. */
export interface DataRoot {
  readonly dataDir: string;
  /** the path named a keyspace directory or a table directory */
  readonly keyspace: string | null;
  /** the path named a table directory */
  readonly table: string | null;
}

async function subdirs(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new AgentError('E_NOT_FOUND', `cannot read directory ${dir}`, { file: dir }, { cause: e });
  }
  const out: string[] = [];
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    if ((await stat(join(dir, n)).catch(() => null))?.isDirectory() === true) out.push(n);
  }
  return out;
}

async function holdsDataFiles(dir: string): Promise<boolean> {
  return (await readdir(dir)).some((n) => n.endsWith('-Data.db'));
}

/**
 * Classifies a --data-dir path: a table directory holds Data.db files; a keyspace directory holds
 * `<table>-<32 hex id>` directories (Cassandra 2.2+ naming) or table directories with data; anything
 * else is a data directory. @throws AgentError E_NOT_FOUND
 */
export async function classifyDataDir(path: string): Promise<DataRoot> {
  const p = resolve(path);
  const st = await stat(p).catch(() => null);
  if (st === null || !st.isDirectory()) throw new AgentError('E_NOT_FOUND', `--data-dir ${p} is not a directory`, { file: p });
  if (await holdsDataFiles(p)) {
    const m = TABLE_DIR.exec(basename(p));
    return { dataDir: dirname(dirname(p)), keyspace: basename(dirname(p)), table: m?.[1] ?? basename(p) };
  }
  const children = await subdirs(p);
  for (const c of children) {
    if (TABLE_DIR.test(c) || (await holdsDataFiles(join(p, c)))) return { dataDir: dirname(p), keyspace: basename(p), table: null };
  }
  return { dataDir: p, keyspace: null, table: null };
}

/** Keyspaces present in the roots (keyspace directories), system ones apart. */
export async function listKeyspaces(roots: readonly DataRoot[]): Promise<{ user: string[]; system: string[] }> {
  const all = new Set<string>();
  for (const r of roots) {
    if (r.keyspace !== null) all.add(r.keyspace);
    else for (const k of await subdirs(r.dataDir)) all.add(k);
  }
  const sorted = [...all].sort();
  return { user: sorted.filter((k) => !SYSTEM_KEYSPACES.has(k)), system: sorted.filter((k) => SYSTEM_KEYSPACES.has(k)) };
}

/** Table names of a keyspace found as directories in any root (`<table>` or `<table>-<id>`). */
export async function listTableDirs(roots: readonly DataRoot[], keyspace: string): Promise<string[]> {
  const names = new Set<string>();
  for (const r of roots) {
    if (r.keyspace !== null && r.keyspace !== keyspace) continue;
    if (r.table !== null) {
      names.add(r.table);
      continue;
    }
    const ksDir = join(r.dataDir, keyspace);
    if ((await stat(ksDir).catch(() => null))?.isDirectory() !== true) continue;
    for (const d of await subdirs(ksDir)) names.add(TABLE_DIR.exec(d)?.[1] ?? d);
  }
  return [...names].sort();
}

/**
 * A table's SSTables across every node: the table directory of each root that has one (or, with a
 * snapshot tag, that directory's snapshots/<tag>). A node without it (or without live SSTables)
 * simply contributes nothing.
 * @throws AgentError E_NOT_FOUND when no root has the table
 */
export async function locateAcrossRoots(roots: readonly DataRoot[], keyspace: string, table: string, snapshotTag?: string): Promise<TableLocation> {
  const tableDirs: string[] = [];
  const sstables = [];
  let dataDir: string | null = null;
  for (const r of roots) {
    if ((r.keyspace !== null && r.keyspace !== keyspace) || (r.table !== null && r.table !== table)) continue;
    const live = await findTableDir(r.dataDir, keyspace, table);
    if (live === null) continue;
    // a snapshot lives under its table directory (Directories.getSnapshotDirectory); a node without it took none
    const dir = snapshotTag === undefined ? live : join(live, 'snapshots', snapshotTag);
    if (snapshotTag !== undefined && (await stat(dir).catch(() => null))?.isDirectory() !== true) continue;
    dataDir ??= r.dataDir;
    tableDirs.push(dir);
    sstables.push(...(await listSSTables(dir)));
  }
  if (tableDirs.length === 0) {
    const what = snapshotTag === undefined ? 'no directory' : `no snapshot "${snapshotTag}"`;
    throw new AgentError('E_NOT_FOUND', `table ${keyspace}.${table} has ${what} under ${roots.map((r) => r.dataDir).join(', ')}`);
  }
  return { keyspace, table, sstables, dataDir, tableDirs };
}
