/**
 * A real OpenSSH server on 127.0.0.1 for the mount and SSH integration tests: host and user keys from
 * ssh-keygen in a temp dir, an sshd_config with `UsePAM no`, key and password logins, internal-sftp
 * and a PATH holding a fake `nodetool`. Tests start it in beforeAll and call `cleanup()` in afterAll.
 *
 * `sshdAvailable()` says whether the machine can run these tests (root, sshd, sshfs, /dev/fuse);
 * under CI (CI=true) a missing piece is a failure, elsewhere the tests skip with the reason printed.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const SSHD_BIN = '/usr/sbin/sshd';
export const inCI = process.env['CI'] === 'true';

function missingPieces(needFuse: boolean): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (sshd with a test user, FUSE mounts)');
  if (!existsSync(SSHD_BIN)) missing.push(`${SSHD_BIN} (apt-get install openssh-server)`);
  for (const bin of ['ssh-keygen', 'ssh', ...(needFuse ? ['sshfs'] : [])]) {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { stdio: 'ignore' });
    } catch {
      missing.push(`${bin} on PATH`);
    }
  }
  if (needFuse) {
    try {
      accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
    } catch {
      missing.push('/dev/fuse');
    }
  }
  return missing;
}

/** True when the tests can run; throws under CI when they cannot; else prints why they skip. */
export function sshdAvailable(opts: { fuse: boolean }): boolean {
  const missing = missingPieces(opts.fuse);
  if (missing.length === 0) return true;
  const reason = `sshd integration tests need: ${missing.join(', ')}`;
  if (inCI) throw new Error(reason);
  console.warn(`skipping: ${reason}`);
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port}`);
}

/** pids of all descendants of `pid` (from /proc/<n>/stat's ppid field). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(after[1]));
    } catch {
      // the process ended while we looked: it has no descendants left to find
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const [child, pp] of parent) if (pp === p) { out.push(child); queue.push(child); }
  }
  return out;
}

/** Command lines of all processes (for "the password is not in ps" checks). */
export function allCommandLines(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** pids whose command line contains every given string (e.g. the sshfs daemon of a mount point). */
export function pidsMatching(...parts: string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (parts.every((p) => cmd.includes(p))) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

export interface TestSshd {
  readonly dir: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** unencrypted ed25519 user key (authorized for root and the test user) */
  readonly userKey: string;
  /** the same kind of key, protected by `passphrase` */
  readonly encryptedKey: string;
  readonly passphrase: string;
  /** a key that is not authorized anywhere */
  readonly strangerKey: string;
  /** the host key's known_hosts line for this server */
  readonly knownHostsLine: string;
  /** login with a password, created with useradd/chpasswd */
  readonly passwordUser: { readonly name: string; readonly password: string };
  /** directory on PATH of remote commands; holds the fake nodetool */
  readonly binDir: string;
  /** where the fake nodetool logs its argv, one call per line */
  readonly nodetoolLog: string;
  /** data directory the fake nodetool snapshots */
  readonly dataDir: string;
  start(): Promise<void>;
  /** SIGKILL to the listener and every session process (sshd, sftp) */
  kill(): void;
  cleanup(): Promise<void>;
}

const FAKE_NODETOOL = `#!/bin/sh
# Fake nodetool for tests: logs argv, snapshots/clears <data>/<ks>/*/snapshots/<tag> by hard links.
echo "$*" >> "$NODETOOL_LOG"
cmd=""; tag=""; ks=""
while [ $# -gt 0 ]; do
  case "$1" in
    snapshot|clearsnapshot) cmd="$1" ;;
    -t) shift; tag="$1" ;;
    -h|-p|-u) shift ;;
    *) ks="$1" ;;
  esac
  shift
done
if [ "$ks" = "missing_ks" ]; then echo "error: Keyspace missing_ks does not exist" >&2; exit 2; fi
case "$cmd" in
  snapshot)
    [ -d "$DATA_DIR/$ks" ] || { echo "error: Keyspace $ks does not exist" >&2; exit 2; }
    for t in "$DATA_DIR/$ks"/*/; do
      mkdir -p "$t/snapshots/$tag"
      for f in "$t"*; do [ -f "$f" ] && ln "$f" "$t/snapshots/$tag/"; done
    done
    echo "Requested creating snapshot(s) for [$ks] with snapshot name [$tag]"
    echo "Snapshot directory: $tag" ;;
  clearsnapshot)
    rm -rf "$DATA_DIR"/\${ks:-*}/*/snapshots/"$tag"
    echo "Requested clearing snapshot(s) for [\${ks:-all keyspaces}] with snapshot name [$tag]" ;;
  *) echo "nodetool: unknown command" >&2; exit 1 ;;
esac
`;

export async function startTestSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'cx-sshd-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const userKey = join(dir, 'id_user');
  const encryptedKey = join(dir, 'id_encrypted');
  const strangerKey = join(dir, 'id_stranger');
  const passphrase = 'correct horse battery staple';
  for (const [file, pp] of [[hostKey, ''], [userKey, ''], [encryptedKey, passphrase], [strangerKey, '']] as const) {
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pp, '-C', 'cx-test', '-f', file]);
  }
  const pub = (f: string): string => readFileSync(`${f}.pub`, 'utf8').trim();
  await writeFile(join(dir, 'authorized_keys'), `${pub(userKey)}\n${pub(encryptedKey)}\n`, { mode: 0o644 });
  const binDir = join(dir, 'bin');
  const dataDir = join(dir, 'data');
  mkdirSync(binDir, { mode: 0o755 });
  mkdirSync(dataDir, { mode: 0o755 });
  const nodetoolLog = join(dir, 'nodetool.log');
  await writeFile(join(binDir, 'nodetool'), FAKE_NODETOOL, { mode: 0o755 });
  const userName = `cxt${process.pid % 100000}`;
  const password = `pw-${Math.random().toString(36).slice(2)}-Secret`;
  await execa('useradd', ['-M', '-d', dir, '-s', '/bin/sh', userName], { reject: false });
  await execa('chpasswd', [], { input: `${userName}:${password}\n` });
  // Remote commands run as this user (root's own login shell may run slow profile scripts), so it owns
  // what the fake nodetool writes: its log and the data directory where snapshots appear.
  await writeFile(nodetoolLog, '', { mode: 0o644 });
  await execa('chown', ['-R', userName, dataDir, nodetoolLog]);
  const config = [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'UsePAM no',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin yes',
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'Subsystem sftp internal-sftp',
    `SetEnv PATH=${binDir}:/usr/local/bin:/usr/bin:/bin NODETOOL_LOG=${nodetoolLog} DATA_DIR=${dataDir}`,
    'MaxStartups 100',
    'MaxSessions 100',
    'LogLevel ERROR',
    '',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, config, { mode: 0o600 });
  await writeFile(nodetoolLog, '', { mode: 0o666 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostPub = pub(hostKey).split(' ');
  let child: ResultPromise | null = null;

  const sshd: TestSshd = {
    dir, host: '127.0.0.1', port, userKey, encryptedKey, passphrase, strangerKey,
    knownHostsLine: `[127.0.0.1]:${port} ${hostPub[0] ?? ''} ${hostPub[1] ?? ''}\n`,
    passwordUser: { name: userName, password },
    binDir, nodetoolLog, dataDir,
    async start() {
      const c = execa(SSHD_BIN, ['-D', '-e', '-f', configPath], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cleanup: true });
      c.catch(() => undefined);
      child = c;
      await waitListening(port);
    },
    kill() {
      const pid = child?.pid;
      if (pid === undefined) return;
      const kids = descendants(pid);
      killQuietly(pid, 'SIGKILL');
      for (const k of kids) killQuietly(k, 'SIGKILL');
      child = null;
    },
    async cleanup() {
      sshd.kill();
      await execa('userdel', [userName], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
  await sshd.start();
  return sshd;
}
