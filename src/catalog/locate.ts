/**
 * Turns the paths a user gives (a table directory, a Data.db file, or a Cassandra data directory plus
 * keyspace/table) into SSTable descriptors, and tells where the enclosing data directory is.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AgentError } from '../errors.js';
import { describeDataFile, listSSTables, type SSTableDescriptor } from '../sstable/io/descriptor.js';

export interface TableLocation {
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly sstables: readonly SSTableDescriptor[];
  /** the Cassandra data directory holding this table (the parent of its keyspace directory), if any */
  readonly dataDir: string | null;
  /** the table directory(ies) the SSTables came from */
  readonly tableDirs: readonly string[];
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function hasDataFiles(dir: string): Promise<boolean> {
  const names = await readdir(dir);
  return names.some((n) => n.endsWith('Data.db'));
}

/** Finds `<dataDir>/<ks>/<table>` or `<dataDir>/<ks>/<table>-<id>` (the newest id if several). */
export async function findTableDir(dataDir: string, keyspace: string, table: string): Promise<string | null> {
  const ksDir = join(dataDir, keyspace);
  if (!(await isDir(ksDir))) return null;
  const names = (await readdir(ksDir)).filter((n) => n === table || n.startsWith(`${table}-`));
  const candidates: { dir: string; mtime: number }[] = [];
  for (const n of names) {
    const dir = join(ksDir, n);
    if (!(await isDir(dir))) continue;
    if (n !== table && !/^[0-9a-f]{32}$/.test(n.slice(table.length + 1))) continue;
    candidates.push({ dir, mtime: (await stat(dir)).mtimeMs });
  }
  // After DROP + CREATE the old directory stays; the one holding data files and written last wins.
  const withData: { dir: string; mtime: number }[] = [];
  for (const c of candidates) if (await hasDataFiles(c.dir)) withData.push(c);
  const pool = withData.length > 0 ? withData : candidates;
  pool.sort((a, b) => b.mtime - a.mtime);
  return pool[0]?.dir ?? null;
}

function guessDataDir(tableDir: string): string | null {
  // <dataDir>/<keyspace>/<table-id>[/snapshots/<tag> | /backups]
  let dir = tableDir;
  if (basename(dirname(dir)) === 'snapshots') dir = dirname(dirname(dir));
  else if (basename(dir) === 'backups') dir = dirname(dir);
  return dirname(dirname(dir));
}

/**
 * @param paths table directories, Data.db files, or data directories (then keyspace and table are required)
 * @throws AgentError E_NOT_FOUND / E_BAD_ARGUMENT with the offending path
 */
export async function locateTable(paths: readonly string[], keyspace?: string, table?: string): Promise<TableLocation> {
  const sstables: SSTableDescriptor[] = [];
  const tableDirs: string[] = [];
  let ks: string | null = keyspace ?? null;
  let tb: string | null = table ?? null;
  for (const raw of paths) {
    const p = resolve(raw);
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new AgentError('E_NOT_FOUND', `no such file or directory: ${p}`, { file: p });
    }
    if (st.isFile()) {
      if (!p.endsWith('Data.db')) throw new AgentError('E_BAD_ARGUMENT', `not a Data.db file: ${p}`, { file: p });
      sstables.push(await describeDataFile(p));
      tableDirs.push(dirname(p));
      continue;
    }
    let dir = p;
    if (!(await hasDataFiles(p))) {
      if (keyspace === undefined || table === undefined) {
        throw new AgentError('E_BAD_ARGUMENT', `${p} holds no Data.db files; for a Cassandra data directory give --keyspace and --table`, { file: p });
      }
      const found = await findTableDir(p, keyspace, table);
      if (found === null) throw new AgentError('E_NOT_FOUND', `table ${keyspace}.${table} not found under ${p}`, { file: p });
      dir = found;
    }
    const list = await listSSTables(dir);
    if (list.length === 0) throw new AgentError('E_NOT_FOUND', `no live SSTables in ${dir}`, { file: dir });
    sstables.push(...list);
    tableDirs.push(dir);
  }
  for (const s of sstables) {
    ks ??= s.keyspace;
    tb ??= s.table;
  }
  const first = tableDirs[0];
  return { keyspace: ks, table: tb, sstables, dataDir: first === undefined ? null : guessDataDir(first), tableDirs };
}
