/**
 * Is a mount alive? Two checks: the mount table has a fuse.sshfs entry at the mount point, and a
 * lookup of a fresh random name below it answers (ENOENT) within a timeout. The random name defeats
 * sshfs's attribute and directory caches (dcache), which would answer for a dead link for up to 20 s.
 *
 * The lookup runs in a child process, not in this one: a stat on a hung FUSE mount can block a libuv
 * pool thread for good, and four of those would stall every file read of the agent.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { execa } from 'execa';
import { isSshfs, readMountInfo, type MountEntry } from './mountinfo.js';

export type MountHealth =
  | { readonly state: 'ok' }
  | { readonly state: 'unmounted' }
  | { readonly state: 'foreign'; readonly fsType: string }
  | { readonly state: 'broken'; readonly errno: string }
  | { readonly state: 'hung'; readonly timeoutMs: number };

/** Prints the errno code of a stat of argv[1], or OK. Fixed text: the path is an argument, never code. */
const PROBE_SCRIPT = "require('fs').stat(process.argv[1],(e)=>{process.stdout.write(e?String(e.code):'OK')})";

/** errno codes a lookup of an absent name may give on a live mount */
const ALIVE = new Set(['ENOENT', 'OK']);

export async function probePath(path: string, timeoutMs: number): Promise<{ errno: string } | { hung: true }> {
  const child = execa(process.execPath, ['-e', PROBE_SCRIPT, path], { reject: false, stdin: 'ignore', timeout: timeoutMs, forceKillAfterDelay: 1000 });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs + 250);
  });
  try {
    const r = await Promise.race([child, late]);
    if (r === 'late' || r.timedOut) return { hung: true };
    const out = String(r.stdout ?? '').trim();
    return { errno: out === '' ? `exit ${String(r.exitCode)}` : out };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks one mount point; `entries` may be passed to avoid re-reading the mount table. */
export async function checkMountHealth(mountPoint: string, timeoutMs = 5000, entries?: readonly MountEntry[]): Promise<MountHealth> {
  const table = entries ?? await readMountInfo();
  const entry = [...table].reverse().find((e) => e.mountPoint === mountPoint);
  if (entry === undefined) return { state: 'unmounted' };
  if (!isSshfs(entry)) return { state: 'foreign', fsType: entry.fsType };
  const probe = await probePath(posix.join(mountPoint, `.cassandra-extractor-probe-${randomBytes(6).toString('hex')}`), timeoutMs);
  if ('hung' in probe) return { state: 'hung', timeoutMs };
  return ALIVE.has(probe.errno) ? { state: 'ok' } : { state: 'broken', errno: probe.errno };
}

/** A stale mount: an sshfs entry whose daemon is gone (ENOTCONN) or whose link is dead. */
export function isStale(h: MountHealth): boolean {
  return h.state === 'broken' || h.state === 'hung';
}

export function describeHealth(h: MountHealth): string {
  switch (h.state) {
    case 'ok':
      return 'mounted';
    case 'unmounted':
      return 'not mounted';
    case 'foreign':
      return `another file system (${h.fsType}) is mounted there`;
    case 'broken':
      return h.errno === 'ENOTCONN' ? 'stale: the sshfs process is gone (transport endpoint is not connected)' : `not answering (${h.errno})`;
    case 'hung':
      return `not answering within ${h.timeoutMs} ms`;
    default: {
      const never: never = h;
      return String(never);
    }
  }
}
