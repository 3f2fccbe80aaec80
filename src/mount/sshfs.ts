/**
 * One sshfs mount, through execa with an argument array (never a shell string). Secrets never reach
 * argv or the environment: a password goes to sshfs's stdin (`-o password_stdin`), a decrypted key
 * lives in an ssh-agent (key-agent.ts) named by `IdentityAgent`, a plain key file by its path.
 *
 * `-F /dev/null` keeps ~/.ssh/config and /etc/ssh/ssh_config out of the picture, so every option
 * that matters is the one written here.
 */
import { execa } from 'execa';
import { AgentError, type ErrorCode } from '../errors.js';
import type { SecretValue } from '../config/secrets.js';
import type { HostKeyPolicy } from './known-hosts.js';
import type { SshfsInfo } from './fuse-env.js';

export type SshfsAuth =
  | { readonly kind: 'password'; readonly password: SecretValue }
  | { readonly kind: 'key'; readonly identityFile: string }
  | { readonly kind: 'agent'; readonly agentSocket: string };

export interface SshfsTuning {
  /** `max_conns`, used only when the installed sshfs has it and the auth is not a password */
  readonly maxConns: number;
  /** FUSE `max_read`, bytes */
  readonly maxRead: number;
  /** seconds between keep-alives; three missed ones drop the link */
  readonly serverAliveInterval: number;
  readonly reconnect: boolean;
}

export interface SshfsMountSpec {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly remoteDir: string;
  readonly mountPoint: string;
  readonly auth: SshfsAuth;
  readonly strictHostKeyChecking: HostKeyPolicy;
  readonly knownHostsPath: string;
  readonly tuning: SshfsTuning;
  readonly allowOther: boolean;
  /** TCP connect timeout handed to ssh, seconds */
  readonly connectTimeoutSec: number;
}

/** fuse_opt splits -o values on commas; a backslash escapes one. */
export function escapeOpt(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
}

/** `user@host:/dir`, with an IPv6 address in brackets. */
export function sshfsSource(user: string, host: string, remoteDir: string): string {
  return `${user}@${host.includes(':') ? `[${host}]` : host}:${remoteDir}`;
}

/** The argument vector for sshfs (without the binary). Pure, so tests can check it. */
export function sshfsArgs(spec: SshfsMountSpec, info: Pick<SshfsInfo, 'maxConns'> & Partial<Pick<SshfsInfo, 'version'>>): string[] {
  const o: string[] = [
    'ro',
    `max_read=${spec.tuning.maxRead}`,
    `ServerAliveInterval=${spec.tuning.serverAliveInterval}`,
    'ServerAliveCountMax=3',
    `ConnectTimeout=${spec.connectTimeoutSec}`,
    `Port=${spec.port}`,
    `StrictHostKeyChecking=${spec.strictHostKeyChecking}`,
    `UserKnownHostsFile=${escapeOpt(spec.strictHostKeyChecking === 'no' ? '/dev/null' : spec.knownHostsPath)}`,
    'LogLevel=ERROR',
  ];
  // No directory cache: a node's compaction replaces SSTables at any time, and a listing cached for up
  // to 20 s would name files already gone (catalog/open-table.ts re-lists, and needs a fresh listing).
  // Listings are rare (one per table and reader), so this costs nothing in throughput.
  o.push(/^2\./.test(info.version ?? '') ? 'cache=no' : 'dir_cache=no');
  if (spec.tuning.reconnect) o.push('reconnect');
  // sshfs refuses password_stdin with parallel connections ("cannot be specified with parallel connections")
  if (info.maxConns && spec.tuning.maxConns > 1 && spec.auth.kind !== 'password') o.push(`max_conns=${spec.tuning.maxConns}`);
  if (spec.allowOther) o.push('allow_other');
  switch (spec.auth.kind) {
    case 'password':
      o.push('password_stdin', 'PubkeyAuthentication=no', `PreferredAuthentications=${escapeOpt('password,keyboard-interactive')}`, 'NumberOfPasswordPrompts=1');
      break;
    case 'key':
      o.push('BatchMode=yes', `IdentityFile=${escapeOpt(spec.auth.identityFile)}`, 'IdentitiesOnly=yes', 'PreferredAuthentications=publickey', 'IdentityAgent=none');
      break;
    case 'agent':
      o.push('BatchMode=yes', `IdentityAgent=${escapeOpt(spec.auth.agentSocket)}`, 'PreferredAuthentications=publickey');
      break;
    default: {
      const never: never = spec.auth;
      throw new Error(`unhandled auth ${String(never)}`);
    }
  }
  return [sshfsSource(spec.user, spec.host, spec.remoteDir), spec.mountPoint, '-F', '/dev/null', ...o.flatMap((x) => ['-o', x])];
}

interface Diagnosis {
  readonly code: ErrorCode;
  readonly what: string;
}

/**
 * What sshfs's (and ssh's) stderr means. sshfs 3.x hides most of ssh's messages ("read: Connection
 * reset by peer" is all that is left of an authentication failure), which is why the manager checks
 * connectivity and credentials with ssh2 first; this is the second line of diagnosis.
 */
export function diagnoseSshfs(stderr: string, spec: Pick<SshfsMountSpec, 'host' | 'port' | 'remoteDir' | 'mountPoint'>): Diagnosis {
  const s = stderr;
  const tests: [RegExp, ErrorCode, string][] = [
    [/Permission denied|Too many authentication failures|incorrect passphrase/i, 'E_SSH_AUTH', 'the node refused the credentials'],
    [/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i, 'E_SSH_HOST_KEY', 'the host key is unknown or changed'],
    [/Connection refused|Connection timed out|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known/i, 'E_SSH_UNREACHABLE', `port ${spec.port} of the node cannot be reached`],
    [/user_allow_other/i, 'E_MOUNT_UNAVAILABLE', 'allow_other needs user_allow_other in /etc/fuse.conf'],
    [/fuse: device not found|\/dev\/fuse|fusermount.*(not found|No such file)|fuse: failed to exec/i, 'E_MOUNT_UNAVAILABLE', 'FUSE is not usable on this machine'],
    [/No such file or directory|not a directory/i, 'E_MOUNT_FAILED', `the remote directory ${spec.remoteDir} or the mount point ${spec.mountPoint} does not exist`],
    [/mountpoint is not empty|Transport endpoint is not connected|already mounted/i, 'E_MOUNT_FAILED', `the mount point ${spec.mountPoint} is busy`],
  ];
  for (const [re, code, what] of tests) if (re.test(s)) return { code, what };
  return { code: 'E_MOUNT_FAILED', what: 'sshfs failed' };
}

export interface RunSshfsOptions {
  /** kill sshfs when the mount has not finished in this many ms */
  timeoutMs: number;
  bin?: string;
}

/** Mounts (sshfs daemonizes once the mount is up). Throws a diagnosed AgentError naming the host. */
export async function runSshfs(spec: SshfsMountSpec, info: SshfsInfo, opts: RunSshfsOptions): Promise<void> {
  const args = sshfsArgs(spec, info);
  const r = await execa(opts.bin ?? info.bin, args, {
    reject: false,
    all: true,
    timeout: opts.timeoutMs,
    // the password is the only stdin sshfs reads; without password_stdin nothing must be read
    ...(spec.auth.kind === 'password' ? { input: `${spec.auth.password.reveal()}\n` } : { stdin: 'ignore' as const }),
  });
  if (r.exitCode === 0 && !r.failed) return;
  const out = String(r.all ?? '').trim();
  if (r.timedOut) {
    throw new AgentError('E_SSH_UNREACHABLE', `sshfs did not mount ${spec.remoteDir} within ${opts.timeoutMs} ms${out === '' ? '' : `: ${out}`}`, { host: spec.host, file: spec.mountPoint });
  }
  if (r.exitCode === undefined) {
    throw new AgentError('E_MOUNT_UNAVAILABLE', `cannot run sshfs: ${r.shortMessage}`, { host: spec.host });
  }
  const d = diagnoseSshfs(out, spec);
  throw new AgentError(d.code, `mounting ${spec.remoteDir} on ${spec.mountPoint} failed: ${d.what}${out === '' ? '' : ` (sshfs: ${out.split('\n').slice(-3).join(' / ')})`}`, { host: spec.host });
}

export interface UnmountResult {
  readonly ok: boolean;
  readonly method: string;
  readonly message: string;
}

/**
 * `fusermount3 -u` (or fusermount), then a lazy `fusermount -uz` and `umount -l` for a busy or dead
 * mount. Never throws; the result says what worked.
 */
export async function unmountPath(mountPoint: string, fusermount: string | null, timeoutMs = 10_000): Promise<UnmountResult> {
  const attempts: [string, string[]][] = [];
  if (fusermount !== null) attempts.push([fusermount, ['-u', mountPoint]], [fusermount, ['-u', '-z', mountPoint]]);
  attempts.push(['umount', ['-l', mountPoint]]);
  const messages: string[] = [];
  for (const [bin, args] of attempts) {
    const r = await execa(bin, args, { reject: false, all: true, timeout: timeoutMs, stdin: 'ignore' });
    if (r.exitCode === 0) return { ok: true, method: `${bin} ${args.slice(0, -1).join(' ')}`, message: '' };
    messages.push(`${bin}: ${String(r.all ?? r.shortMessage).trim()}`);
  }
  return { ok: false, method: 'none', message: messages.join('; ') };
}
