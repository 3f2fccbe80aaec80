/**
 * What this machine offers for sshfs mounts: the sshfs binary and its options, /dev/fuse, a
 * fusermount helper and /etc/fuse.conf. Probed once per manager; every gap becomes an
 * E_MOUNT_UNAVAILABLE saying what to install or change.
 */
import { access, constants, readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { AgentError } from '../errors.js';

export interface SshfsInfo {
  readonly bin: string;
  /** e.g. "3.7.3", null when the binary does not say */
  readonly version: string | null;
  /** `-o max_conns=N` (sshfs >= 3.7) */
  readonly maxConns: boolean;
  /** `-o password_stdin` (sshfs 2.x and 3.x) */
  readonly passwordStdin: boolean;
}

export interface FuseEnv {
  readonly devFuse: boolean;
  /** `fusermount3` (fuse3) or `fusermount` (fuse2), whichever runs; null if neither */
  readonly fusermount: string | null;
  /** /etc/fuse.conf has a `user_allow_other` line (needed for allow_other by a non-root user) */
  readonly userAllowOther: boolean;
}

const PROBE_TIMEOUT_MS = 5000;

/** Runs `sshfs --help` and `sshfs -V`; the options are read from the help text since 2.x and 3.x differ. */
export async function probeSshfs(bin = 'sshfs'): Promise<SshfsInfo> {
  const help = await execa(bin, ['--help'], { reject: false, all: true, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' });
  if (help.failed && help.exitCode === undefined) {
    throw new AgentError('E_MOUNT_UNAVAILABLE', `sshfs is not installed (cannot run "${bin}"); install it: apt-get install sshfs, or dnf install fuse-sshfs`);
  }
  const text = String(help.all ?? '');
  const ver = await execa(bin, ['-V'], { reject: false, all: true, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' });
  return {
    bin,
    version: parseSshfsVersion(`${String(ver.all ?? '')}\n${text}`),
    maxConns: /max_conns=/.test(text),
    passwordStdin: /password_stdin/.test(text),
  };
}

export function parseSshfsVersion(text: string): string | null {
  const m = /SSHFS version (\d+(?:\.\d+)*)/i.exec(text);
  return m?.[1] ?? null;
}

/** A `user_allow_other` line on its own (comments and surrounding blanks ignored), as fuse(8) requires. */
export function fuseConfAllowsOther(text: string): boolean {
  return text.split('\n').some((line) => line.replace(/#.*$/, '').trim() === 'user_allow_other');
}

export interface ProbeFuseOptions {
  devFuse?: string;
  fuseConf?: string;
}

export async function probeFuse(opts: ProbeFuseOptions = {}): Promise<FuseEnv> {
  const devFuse = await access(opts.devFuse ?? '/dev/fuse', constants.R_OK | constants.W_OK).then(() => true, () => false);
  let fusermount: string | null = null;
  for (const bin of ['fusermount3', 'fusermount']) {
    const r = await execa(bin, ['-V'], { reject: false, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' });
    if (r.exitCode === 0) {
      fusermount = bin;
      break;
    }
  }
  const conf = await readFile(opts.fuseConf ?? '/etc/fuse.conf', 'utf8').catch(() => '');
  return { devFuse, fusermount, userAllowOther: fuseConfAllowsOther(conf) };
}

/** Throws E_MOUNT_UNAVAILABLE when FUSE cannot mount at all here. */
export function assertFuseUsable(env: FuseEnv): void {
  if (!env.devFuse) {
    throw new AgentError('E_MOUNT_UNAVAILABLE', '/dev/fuse is missing or not accessible; load the fuse module (modprobe fuse) or, in a container, pass --device /dev/fuse --cap-add SYS_ADMIN');
  }
  if (env.fusermount === null) {
    throw new AgentError('E_MOUNT_UNAVAILABLE', 'neither fusermount3 nor fusermount runs; install fuse3 (apt-get install fuse3) so mounts can be unmounted');
  }
}

export type AllowOther = 'auto' | boolean;

/**
 * Whether to pass `allow_other` (so a service user other than the mounting one can read the mounts).
 * root may always; another user needs `user_allow_other` in /etc/fuse.conf. `true` demands it and
 * throws when impossible; `auto` drops it and returns a warning instead.
 */
export function decideAllowOther(want: AllowOther, uid: number, env: FuseEnv): { allowOther: boolean; warning: string | null } {
  if (want === false) return { allowOther: false, warning: null };
  if (uid === 0 || env.userAllowOther) return { allowOther: true, warning: null };
  const msg = `/etc/fuse.conf lacks user_allow_other, so only uid ${uid} can read the mounts; add a line "user_allow_other" to /etc/fuse.conf`;
  if (want === true) throw new AgentError('E_MOUNT_UNAVAILABLE', msg);
  return { allowOther: false, warning: msg };
}
