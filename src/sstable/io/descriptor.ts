/**
 * SSTable naming and discovery (§1, §2): which component files form one sstable, its version, generation,
 * keyspace and table. Sources: C/io/sstable/Descriptor.java (fromFilename), C/io/sstable/Component.java,
 * C/db/Directories.java, C/db/lifecycle/LogFile.java.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { AgentError } from '../../errors.js';
import { evaluateTxnLog, TXN_LOG_NAME } from './txn-log.js';

export type SSTableVersion = 'ka' | 'la' | 'lb' | 'ma' | 'mb' | 'mc' | 'md' | 'me';

const SUPPORTED: ReadonlySet<string> = new Set<SSTableVersion>(['ka', 'la', 'lb', 'ma', 'mb', 'mc', 'md', 'me']);

export function isSupportedVersion(v: string): v is SSTableVersion {
  return SUPPORTED.has(v);
}

/** 3.x storage format (rows stored natively, §5): `ma` to `me`. */
export function isV3(v: SSTableVersion): boolean {
  return v >= 'ma';
}

/** Checksum of compressed chunks, CRC.db and Digest (§2): Adler-32 up to `lb`, CRC32 from `ma`. */
export function chunkChecksumAlgorithm(v: SSTableVersion): 'adler32' | 'crc32' {
  return v >= 'ma' ? 'crc32' : 'adler32';
}

export interface ParsedFileName {
  version: string;
  generation: number;
  /** component suffix, e.g. `Data.db`, `Digest.crc32`, `SI_idx.db` */
  component: string;
  /** from the name itself (2.1 `ka` names only), else null */
  keyspace: string | null;
  table: string | null;
  /** `big` in 2.2+ names, null in 2.1 names */
  formatName: string | null;
  /** `tmp-`/`tmplink-` names (2.x) and `*.tmp` files: never part of a live sstable */
  temporary: boolean;
}

const VERSION_RE = /^[a-z]+$/;
const GENERATION_RE = /^\d+$/;
const NAME_RE = /^\w+$/;
/** 2.1 names carry the table, and `<table>.<index>` for secondary-index sstables */
const KA_TABLE_RE = /^\w+(\.\w+)?$/;

/**
 * Parses a component file name, reading from the right as Descriptor.fromFilename does:
 * component, optional format token, generation, version, then the optional `tmp`/`tmplink` marker and,
 * in 2.1 names, keyspace and table. Returns null for anything else (txn logs, manifests, commit logs).
 */
export function parseSSTableFileName(name: string): ParsedFileName | null {
  const tokens = name.split('-');
  if (tokens.length < 3) return null;
  const component = tokens.pop() as string;
  if (component.length === 0) return null;
  let formatName: string | null = null;
  let tok = tokens.pop() as string;
  if (!GENERATION_RE.test(tok)) {
    if (!VERSION_RE.test(tok)) return null;
    formatName = tok;
    const next = tokens.pop();
    if (next === undefined) return null;
    tok = next;
  }
  if (!GENERATION_RE.test(tok)) return null;
  const generation = Number(tok);
  if (!Number.isSafeInteger(generation)) return null;
  const version = tokens.pop();
  if (version === undefined || !VERSION_RE.test(version)) return null;
  let temporary = component.endsWith('.tmp');
  const marker = tokens[tokens.length - 1];
  if (marker === 'tmp' || marker === 'tmplink') {
    temporary = true;
    tokens.pop();
  }
  let keyspace: string | null = null;
  let table: string | null = null;
  if (tokens.length === 2) {
    const [ks, tb] = tokens as [string, string];
    if (!NAME_RE.test(ks) || !KA_TABLE_RE.test(tb)) return null;
    keyspace = ks;
    table = tb;
  } else if (tokens.length !== 0) {
    return null;
  }
  return { version, generation, component, keyspace, table, formatName, temporary };
}

export interface SSTableDescriptor {
  /** absolute directory holding the components */
  readonly directory: string;
  readonly version: SSTableVersion;
  readonly generation: number;
  /** from the file name (`ka`) or the directory (2.2+), null if unknown */
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly dataPath: string;
  /** component suffixes present on disk, e.g. `Data.db`, `CompressionInfo.db` */
  readonly components: ReadonlySet<string>;
  componentPath(component: string): string;
}

/**
 * Keyspace and table of a 2.2+ sstable directory (§1.1): strip `.<index>` (table becomes
 * `<table>.<index>`), then `backups` or `snapshots/<tag>`; the table directory is `<table>` or
 * `<table>-<32 hex>` and its parent is the keyspace. Names that are not `\w+` give null.
 */
export function tableFromDirectory(directory: string): { keyspace: string | null; table: string | null } {
  const parts = resolve(directory).split(sep).filter((p) => p.length > 0);
  let i = parts.length - 1;
  let index: string | null = null;
  const last = parts[i];
  if (last !== undefined && last.startsWith('.')) {
    index = last.slice(1);
    i--;
  }
  if (parts[i] === 'backups') i -= 1;
  else if (parts[i - 1] === 'snapshots') i -= 2;
  const tableDir = parts[i];
  const ksDir = parts[i - 1];
  const base = tableDir === undefined ? undefined : tableDir.split('-')[0];
  let table = base !== undefined && NAME_RE.test(base) ? base : null;
  if (table !== null && index !== null) table = NAME_RE.test(index) ? `${table}.${index}` : null;
  const keyspace = ksDir !== undefined && NAME_RE.test(ksDir) ? ksDir : null;
  return { keyspace, table };
}

function checkVersion(version: string, file: string): SSTableVersion {
  if (!isSupportedVersion(version)) {
    throw new AgentError('E_UNSUPPORTED_VERSION', `SSTable format '${version}' is not supported (expected one of ka, la, lb, ma, mb, mc, md, me)`, { file });
  }
  return version;
}

/** The part of a component name before the component suffix, e.g. `mc-1-big-`, `ks-t-ka-3-`. */
function prefixOf(name: string, parsed: ParsedFileName): string {
  return name.slice(0, name.length - parsed.component.length);
}

function makeDescriptor(directory: string, prefix: string, parsed: ParsedFileName, version: SSTableVersion, components: ReadonlySet<string>): SSTableDescriptor {
  const names = parsed.keyspace !== null || parsed.table !== null
    ? { keyspace: parsed.keyspace, table: parsed.table }
    : tableFromDirectory(directory);
  const componentPath = (component: string): string => join(directory, prefix + component);
  return Object.freeze({
    directory,
    version,
    generation: parsed.generation,
    keyspace: names.keyspace,
    table: names.table,
    dataPath: componentPath('Data.db'),
    components,
    componentPath,
  });
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new AgentError('E_NOT_FOUND', `SSTable directory does not exist or is not a directory`, { file: dir }, { cause: e });
    }
    throw new AgentError('E_IO', `cannot list directory: ${(e as Error).message}`, { file: dir }, { cause: e });
  }
}

/** Describes the sstable a `*Data.db` path belongs to (temporary names included, if asked for explicitly). */
export async function describeDataFile(dataPath: string): Promise<SSTableDescriptor> {
  const abs = resolve(dataPath);
  const directory = dirname(abs);
  const name = basename(abs);
  const parsed = parseSSTableFileName(name);
  if (parsed === null || parsed.component !== 'Data.db') {
    throw new AgentError('E_BAD_ARGUMENT', `not an SSTable Data.db file name (expected e.g. mc-1-big-Data.db or ks-table-ka-1-Data.db)`, { file: abs });
  }
  const version = checkVersion(parsed.version, abs);
  const prefix = prefixOf(name, parsed);
  const components = new Set<string>();
  for (const entry of await listDir(directory)) {
    if (entry.isDirectory() || !entry.name.startsWith(prefix)) continue;
    const p = parseSSTableFileName(entry.name);
    if (p !== null && prefixOf(entry.name, p) === prefix) components.add(p.component);
  }
  if (!components.has('Data.db')) throw new AgentError('E_NOT_FOUND', 'Data.db file not found', { file: abs });
  return makeDescriptor(directory, prefix, parsed, version, components);
}

export interface ListOptions {
  /** also list the sstables of built-in secondary indexes (`.<index>` sub-directories, 2.2+) */
  includeSecondaryIndexes?: boolean;
}

interface Group {
  parsed: ParsedFileName;
  components: Set<string>;
}

/**
 * The live sstables of one table directory, sorted by generation. Skips temporary names, `snapshots/`,
 * `backups/`, secondary-index sstables (`.<index>` sub-directories, 2.1 `<table>.<index>` names) unless asked for, sstables named by unfinished or committed-away
 * transaction logs, and groups without Data.db. Throws E_UNSUPPORTED_VERSION for a live sstable of
 * another format (e.g. `jb`, `na`): silently skipping it would lose data.
 */
export async function listSSTables(tableDir: string, opts: ListOptions = {}): Promise<SSTableDescriptor[]> {
  const directory = resolve(tableDir);
  const entries = await listDir(directory);
  const groups = new Map<string, Group>();
  const logs: string[] = [];
  const indexDirs: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') && opts.includeSecondaryIndexes === true) indexDirs.push(join(directory, entry.name));
      continue;
    }
    if (TXN_LOG_NAME.test(entry.name)) {
      logs.push(entry.name);
      continue;
    }
    const parsed = parseSSTableFileName(entry.name);
    if (parsed === null || parsed.temporary) continue;
    // 2.1 keeps secondary-index sstables beside the base table's, named `<ks>-<table>.<index>-ka-…`.
    if (parsed.table !== null && parsed.table.includes('.') && opts.includeSecondaryIndexes !== true) continue;
    const prefix = prefixOf(entry.name, parsed);
    let g = groups.get(prefix);
    if (g === undefined) {
      g = { parsed, components: new Set() };
      groups.set(prefix, g);
    }
    g.components.add(parsed.component);
  }
  const skipped = new Set<string>();
  for (const log of logs) {
    const file = join(directory, log);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      // Cassandra removes a finished log last; one that vanished while listing took its sstables' fate with it.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new AgentError('E_IO', `cannot read transaction log: ${(e as Error).message}`, { file }, { cause: e });
    }
    for (const key of evaluateTxnLog(text).skipped) skipped.add(key);
  }
  const out: SSTableDescriptor[] = [];
  for (const [prefix, g] of groups) {
    if (!g.components.has('Data.db') || skipped.has(prefix.slice(0, -1))) continue;
    const version = checkVersion(g.parsed.version, join(directory, `${prefix}Data.db`));
    out.push(makeDescriptor(directory, prefix, g.parsed, version, g.components));
  }
  for (const dir of indexDirs) out.push(...(await listSSTables(dir)));
  out.sort((a, b) => a.generation - b.generation
    || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0)
    || (a.dataPath < b.dataPath ? -1 : a.dataPath > b.dataPath ? 1 : 0));
  return out;
}
