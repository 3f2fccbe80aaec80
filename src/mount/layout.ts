/**
 * Where each node's directories appear on the agent: `<mountRoot>/<host>_node/conf` for the conf
 * directory and `data`, `data1`, `data2`, ... for the node's data_file_directories in settings order.
 * Pure functions: the manager, node discovery and the task planner all derive paths from here.
 */
import { posix } from 'node:path';
import { AgentError } from '../errors.js';

export type MountRole = 'conf' | 'data';

export interface MountTarget {
  readonly host: string;
  readonly role: MountRole;
  /** index among the node's data directories; 0 for conf */
  readonly index: number;
  /** absolute directory on the node */
  readonly remoteDir: string;
  /** absolute mount point on the agent */
  readonly mountPoint: string;
}

export interface NodeDirs {
  readonly host: string;
  readonly confDirectory: string;
  readonly dataDirectories: readonly string[];
}

/** `<mountRoot>/<host>_node`; a host name cannot contain '/', so this never escapes mountRoot. */
export function nodeMountDir(mountRoot: string, host: string): string {
  if (host.includes('/') || host.includes('\0') || host === '' || host === '.' || host === '..') {
    throw new AgentError('E_BAD_ARGUMENT', `"${host}" cannot name a mount directory`, { host });
  }
  return posix.join(mountRoot, `${host}_node`);
}

export function dataMountName(index: number): string {
  return index === 0 ? 'data' : `data${index}`;
}

/** Every mount of one node: conf first, then the data directories. */
export function mountTargets(mountRoot: string, node: NodeDirs): MountTarget[] {
  const base = nodeMountDir(mountRoot, node.host);
  const out: MountTarget[] = [
    { host: node.host, role: 'conf', index: 0, remoteDir: node.confDirectory, mountPoint: posix.join(base, 'conf') },
  ];
  node.dataDirectories.forEach((dir, i) => {
    out.push({ host: node.host, role: 'data', index: i, remoteDir: dir, mountPoint: posix.join(base, dataMountName(i)) });
  });
  return out;
}

/**
 * The agent-side path of an absolute path on the node, through the mount whose remote directory
 * contains it (the longest match wins), or null when no mount covers it.
 */
export function toMountedPath(targets: readonly MountTarget[], remotePath: string): string | null {
  const norm = posix.normalize(remotePath).replace(/(.)\/+$/, '$1');
  let best: MountTarget | null = null;
  for (const t of targets) {
    const dir = t.remoteDir;
    const inside = norm === dir || norm.startsWith(dir === '/' ? '/' : `${dir}/`);
    if (inside && (best === null || dir.length > best.remoteDir.length)) best = t;
  }
  if (best === null) return null;
  const rel = posix.relative(best.remoteDir, norm);
  return rel === '' ? best.mountPoint : posix.join(best.mountPoint, rel);
}

/** The mount target whose mount point holds `localPath`, or null. */
export function targetOfLocalPath(targets: readonly MountTarget[], localPath: string): MountTarget | null {
  let best: MountTarget | null = null;
  for (const t of targets) {
    const inside = localPath === t.mountPoint || localPath.startsWith(`${t.mountPoint}/`);
    if (inside && (best === null || t.mountPoint.length > best.mountPoint.length)) best = t;
  }
  return best;
}
