/**
 * Schema browsing over Cassandra data directories (local or sshfs-mounted): keyspaces, tables with
 * their estimated size (the sum of the live SSTables' Data.db sizes, compressed, every replica
 * counted), and one table's columns resolved as `dump` does (src/catalog/schema.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { findTableDir, locateTable } from '../catalog/locate.js';
import { resolveSchema } from '../catalog/schema.js';
import { AgentError } from '../errors.js';
import { formatCqlType } from '../schema/format.js';
import { listSSTables } from '../sstable/io/descriptor.js';

export const SYSTEM_KEYSPACES: ReadonlySet<string> = new Set([
  'system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', 'system_views', 'system_virtual_schema',
]);

const NAME = /^\w{1,48}$/;
const TABLE_DIR = /^(\w{1,48})(?:-[0-9a-f]{32})?$/;

export interface KeyspaceInfo {
  readonly name: string;
  readonly system: boolean;
  readonly tables: number;
}

export interface TableInfo {
  readonly keyspace: string;
  readonly name: string;
  readonly sstables: number;
  readonly estimatedBytes: number;
}

export interface ColumnInfo {
  readonly name: string;
  readonly kind: 'partition_key' | 'clustering' | 'static' | 'regular';
  readonly position: number;
  readonly type: string;
}

export interface TableDescription extends TableInfo {
  readonly origin: string;
  readonly columns: readonly ColumnInfo[];
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AgentError('E_IO', `cannot list ${dir}: ${(e as Error).message}`, { file: dir }, { cause: e });
  }
}

async function tableNames(dataDir: string, keyspace: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const d of await subdirs(join(dataDir, keyspace))) {
    const m = TABLE_DIR.exec(d);
    if (m?.[1] !== undefined) out.add(m[1]);
  }
  return out;
}

function requireDirs(dataDirs: readonly string[]): void {
  if (dataDirs.length === 0) throw new AgentError('E_BAD_ARGUMENT', 'no data directory: mount the nodes or pass ?dataDir=/path');
}

export async function listKeyspaces(dataDirs: readonly string[]): Promise<KeyspaceInfo[]> {
  requireDirs(dataDirs);
  const tables = new Map<string, Set<string>>();
  for (const dir of dataDirs) {
    for (const ks of await subdirs(dir)) {
      if (!NAME.test(ks)) continue;
      const names = await tableNames(dir, ks);
      if (names.size === 0) continue;
      const set = tables.get(ks) ?? new Set<string>();
      for (const n of names) set.add(n);
      tables.set(ks, set);
    }
  }
  return [...tables].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, set]) => ({ name, system: SYSTEM_KEYSPACES.has(name), tables: set.size }));
}

/** Live table directories of keyspace.table in every data directory that has it. */
async function tableDirs(dataDirs: readonly string[], keyspace: string, table: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dataDirs) {
    const found = await findTableDir(dir, keyspace, table);
    if (found !== null) out.push(found);
  }
  return out;
}

async function sizeOf(dirs: readonly string[]): Promise<{ sstables: number; bytes: number }> {
  let sstables = 0;
  let bytes = 0;
  for (const d of dirs) {
    for (const s of await listSSTables(d)) {
      sstables += 1;
      bytes += (await stat(s.dataPath)).size;
    }
  }
  return { sstables, bytes };
}

export async function listTables(dataDirs: readonly string[], keyspace: string): Promise<TableInfo[]> {
  requireDirs(dataDirs);
  const names = new Set<string>();
  for (const dir of dataDirs) for (const n of await tableNames(dir, keyspace)) names.add(n);
  if (names.size === 0) throw new AgentError('E_NOT_FOUND', `no keyspace ${keyspace} in ${dataDirs.join(', ')}`);
  const out: TableInfo[] = [];
  for (const name of [...names].sort()) {
    const { sstables, bytes } = await sizeOf(await tableDirs(dataDirs, keyspace, name));
    out.push({ keyspace, name, sstables, estimatedBytes: bytes });
  }
  return out;
}

export async function describeTable(dataDirs: readonly string[], keyspace: string, table: string, nowInSec: number): Promise<TableDescription> {
  requireDirs(dataDirs);
  const dirs = await tableDirs(dataDirs, keyspace, table);
  if (dirs.length === 0) throw new AgentError('E_NOT_FOUND', `no table ${keyspace}.${table} in ${dataDirs.join(', ')}`);
  const { sstables, bytes } = await sizeOf(dirs);
  if (sstables === 0) {
    return { keyspace, name: table, sstables, estimatedBytes: bytes, origin: 'none', columns: [] };
  }
  const loc = await locateTable(dirs);
  const src = await resolveSchema({ ...loc, keyspace, table }, { nowInSec });
  const s = src.schema;
  const columns = [...s.partitionKey, ...s.clustering, ...s.columns].map((c) => ({ name: c.name, kind: c.kind, position: c.position, type: formatCqlType(c.type) }));
  return { keyspace, name: table, sstables, estimatedBytes: bytes, origin: src.origin, columns };
}
