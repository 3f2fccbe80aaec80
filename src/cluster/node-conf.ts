/**
 * Node discovery from the mounted conf directory: the cassandra.yaml settings the reader needs, with
 * Cassandra's own defaults where a key is absent (Config.java, DatabaseDescriptor), and the node's
 * data directories mapped to their mount points.
 *
 * Defaults for absent directories follow DatabaseDescriptor: `<storagedir>/data`, `/commitlog`,
 * `/cdc_raw`, where storagedir is the `cassandra.storagedir` property: /var/lib/cassandra for the
 * Debian/RPM packages (cassandra.in.sh), `$CASSANDRA_HOME/data` for a tarball install. We infer it
 * from where cassandra.yaml lives (see defaultStorageDir) unless the caller says otherwise.
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { load } from 'js-yaml';
import { AgentError } from '../errors.js';
import { toMountedPath, type MountTarget } from '../mount/layout.js';

export interface NodeConf {
  readonly clusterName: string | null;
  /** absolute paths on the node */
  readonly dataFileDirectories: readonly string[];
  /** fully qualified class name, e.g. org.apache.cassandra.dht.Murmur3Partitioner */
  readonly partitioner: string;
  readonly commitlogDirectory: string;
  readonly cdcRawDirectory: string;
  readonly cdcEnabled: boolean;
  readonly incrementalBackups: boolean;
  readonly numTokens: number;
  /** `initial_token` entries, when set */
  readonly initialTokens: readonly string[];
  /** the yaml keys that were absent and took Cassandra's default */
  readonly defaulted: readonly string[];
}

export interface NodeConfOptions {
  /** the `cassandra.storagedir` of the node; inferred from the yaml path when absent */
  storageDir?: string;
}

const MURMUR3 = 'org.apache.cassandra.dht.Murmur3Partitioner';
/** Config.num_tokens (the shipped yaml overrides it: 256 in 3.x, 16 in 4.0+) */
const DEFAULT_NUM_TOKENS = 1;

/**
 * `cassandra.storagedir` for a yaml at `yamlPath` on the node: packages keep the yaml in
 * /etc/cassandra and the data in /var/lib/cassandra; a tarball keeps it in `$CASSANDRA_HOME/conf`.
 */
export function defaultStorageDir(yamlPath: string): string {
  const confDir = posix.dirname(yamlPath);
  if (confDir === '/etc' || confDir.startsWith('/etc/')) return '/var/lib/cassandra';
  return posix.join(posix.dirname(confDir), 'data');
}

type Yaml = Record<string, unknown>;

function fail(file: string, key: string, expected: string, found: unknown): never {
  throw new AgentError('E_BAD_FORMAT', `cassandra.yaml: ${key} should be ${expected}, found ${JSON.stringify(found)}`, { file });
}

function str(y: Yaml, key: string, file: string): string | null {
  const v = y[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.trim() === '') fail(file, key, 'a non-empty string', v);
  return v.trim();
}

/** snakeyaml reads YAML 1.1, where yes/no/on/off are booleans too. */
function bool(y: Yaml, key: string, file: string): boolean | null {
  const v = y[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', 'yes', 'on'].includes(s)) return true;
    if (['false', 'no', 'off'].includes(s)) return false;
  }
  return fail(file, key, 'true or false', v);
}

function absolute(p: string, key: string, file: string): string {
  if (!posix.isAbsolute(p)) fail(file, key, 'an absolute path', p);
  return posix.normalize(p).replace(/(.)\/+$/, '$1');
}

/** Parses cassandra.yaml text. `yamlPath` is its path on the node (for defaults); `file` names it in errors. */
export function parseNodeConf(text: string, yamlPath: string, opts: NodeConfOptions = {}, file: string = yamlPath): NodeConf {
  let doc: unknown = {};
  try {
    // an all-comment yaml is valid for Cassandra (every setting defaulted); js-yaml 5 rejects empty input
    if (text.replace(/#.*$/gm, '').trim() !== '') doc = load(text);
  } catch (e) {
    throw new AgentError('E_BAD_FORMAT', `cassandra.yaml is not valid YAML: ${(e as Error).message.split('\n')[0] ?? ''}`, { file }, { cause: e });
  }
  if (doc === undefined || doc === null) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new AgentError('E_BAD_FORMAT', 'cassandra.yaml is not a mapping of settings', { file });
  const y = doc as Yaml;
  const storage = opts.storageDir ?? defaultStorageDir(yamlPath);
  const defaulted: string[] = [];
  const orDefault = <T>(key: string, v: T | null, d: T): T => {
    if (v !== null) return v;
    defaulted.push(key);
    return d;
  };

  let dataDirs: string[] | null = null;
  const rawDirs = y['data_file_directories'];
  if (rawDirs !== undefined && rawDirs !== null) {
    if (!Array.isArray(rawDirs) || rawDirs.length === 0 || !rawDirs.every((d) => typeof d === 'string')) {
      fail(file, 'data_file_directories', 'a non-empty list of paths', rawDirs);
    }
    dataDirs = (rawDirs as string[]).map((d) => absolute(d.trim(), 'data_file_directories', file));
  }
  const commitlog = str(y, 'commitlog_directory', file);
  const cdcRaw = str(y, 'cdc_raw_directory', file);
  const rawTokens = y['num_tokens'];
  let numTokens: number | null = null;
  if (rawTokens !== undefined && rawTokens !== null) {
    const n = typeof rawTokens === 'string' ? Number(rawTokens) : rawTokens;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) fail(file, 'num_tokens', 'a positive integer', rawTokens);
    numTokens = n;
  }
  const rawInitial = y['initial_token'];
  const initialTokens = rawInitial === undefined || rawInitial === null
    ? []
    : String(rawInitial).split(',').map((t) => t.trim()).filter((t) => t !== '');

  return {
    clusterName: str(y, 'cluster_name', file),
    dataFileDirectories: orDefault('data_file_directories', dataDirs, [posix.join(storage, 'data')]),
    partitioner: orDefault('partitioner', str(y, 'partitioner', file), MURMUR3),
    commitlogDirectory: orDefault('commitlog_directory', commitlog === null ? null : absolute(commitlog, 'commitlog_directory', file), posix.join(storage, 'commitlog')),
    cdcRawDirectory: orDefault('cdc_raw_directory', cdcRaw === null ? null : absolute(cdcRaw, 'cdc_raw_directory', file), posix.join(storage, 'cdc_raw')),
    cdcEnabled: orDefault('cdc_enabled', bool(y, 'cdc_enabled', file), false),
    incrementalBackups: orDefault('incremental_backups', bool(y, 'incremental_backups', file), false),
    numTokens: orDefault('num_tokens', numTokens, DEFAULT_NUM_TOKENS),
    initialTokens,
    defaulted,
  };
}

export interface NodeConfSource {
  readonly host: string;
  /** cassandra.yaml path on the node */
  readonly cassandraYaml: string;
}

/** Reads the node's cassandra.yaml through its conf mount. Throws E_NOT_FOUND / E_IO naming the host. */
export async function readNodeConf(node: NodeConfSource, targets: readonly MountTarget[], opts: NodeConfOptions = {}): Promise<NodeConf> {
  const local = toMountedPath(targets, node.cassandraYaml);
  if (local === null) {
    throw new AgentError('E_BAD_ARGUMENT', `cassandra.yaml ${node.cassandraYaml} is outside the node's mounted directories; set confDirectory to its directory`, { host: node.host });
  }
  let text: string;
  try {
    text = await readFile(local, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO';
    throw new AgentError(code, `cannot read cassandra.yaml through the mount: ${(e as Error).message}`, { host: node.host, file: local }, { cause: e });
  }
  try {
    return parseNodeConf(text, node.cassandraYaml, opts, local);
  } catch (e) {
    if (e instanceof AgentError) throw new AgentError(e.code, e.message, { ...e.location, host: node.host }, { cause: e.cause });
    throw e;
  }
}

export interface MappedDataDir {
  /** path on the node, from cassandra.yaml */
  readonly remote: string;
  /** path on the agent, or null when no mount covers it (the settings' dataDirectories miss it) */
  readonly mounted: string | null;
}

/** Maps the yaml's data directories onto the mounts. */
export function mapDataDirectories(conf: NodeConf, targets: readonly MountTarget[]): MappedDataDir[] {
  return conf.dataFileDirectories.map((remote) => ({ remote, mounted: toMountedPath(targets.filter((t) => t.role === 'data'), remote) }));
}

/** Like mapDataDirectories, but a directory no mount covers is an error naming the node. */
export function requireMountedDataDirectories(host: string, conf: NodeConf, targets: readonly MountTarget[]): string[] {
  const mapped = mapDataDirectories(conf, targets);
  const missing = mapped.filter((m) => m.mounted === null).map((m) => m.remote);
  if (missing.length > 0) {
    throw new AgentError('E_BAD_ARGUMENT', `cassandra.yaml lists data_file_directories ${missing.join(', ')} that the node's settings do not mount; add them to dataDirectories`, { host });
  }
  return mapped.map((m) => m.mounted as string);
}
