/**
 * /proc/self/mountinfo (proc(5)): which sshfs mounts exist, even those left behind by a crashed agent.
 * Each line: `id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions`;
 * spaces, tabs, newlines and backslashes in paths are written as octal escapes (\040, \011, \012, \134).
 */
import { readFile } from 'node:fs/promises';
import { AgentError } from '../errors.js';

export interface MountEntry {
  readonly mountPoint: string;
  /** e.g. `fuse.sshfs` */
  readonly fsType: string;
  /** for sshfs, `user@host:/remote/dir` */
  readonly source: string;
  readonly options: string;
}

export const MOUNTINFO_PATH = '/proc/self/mountinfo';

function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text; malformed lines are skipped (the kernel writes this file, not a user). */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    out.push({
      mountPoint: unescape(fields[4] ?? ''),
      options: fields[5] ?? '',
      fsType: fields[sep + 1] ?? '',
      source: unescape(fields[sep + 2] ?? ''),
    });
  }
  return out;
}

export async function readMountInfo(path: string = MOUNTINFO_PATH): Promise<MountEntry[]> {
  try {
    return parseMountInfo(await readFile(path, 'utf8'));
  } catch (e) {
    throw new AgentError('E_IO', `cannot read the mount table: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

export function isSshfs(entry: MountEntry): boolean {
  return entry.fsType === 'fuse.sshfs';
}

/** True when `path` is `root` or lies below it (both normalised, no trailing slash). */
export function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/** sshfs entries mounted at or below `root`, deepest first (the order to unmount them in). */
export function sshfsMountsUnder(entries: readonly MountEntry[], root: string): MountEntry[] {
  return entries.filter((e) => isSshfs(e) && isUnder(e.mountPoint, root)).sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}
