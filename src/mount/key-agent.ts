/**
 * Passphrase-protected private keys for sshfs. OpenSSH would prompt for the passphrase, and a
 * decrypted copy on disk would have to outlive the mount (sshfs `reconnect` and extra `max_conns`
 * connections start ssh again later). So the key is decrypted in memory (private-key.ts) and handed
 * through stdin of `ssh-add -` to an `ssh-agent` this module starts, whose socket lives in a private
 * 0700 directory; sshfs gets `IdentityAgent=<socket>`.
 *
 * Exposure: while the mounts exist, any process running as the agent's user (or root) can ask that
 * ssh-agent to sign with the key (not read it); the decrypted key never touches disk, argv or env.
 * The agent is detached so it outlives the `mount` command; `stopKeyAgents` ends it, found by the pid
 * file it leaves in its directory (checked against /proc/<pid>/cmdline before any signal).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { AgentError } from '../errors.js';

export interface KeyAgent {
  readonly socket: string;
  readonly pid: number;
  readonly dir: string;
}

const AGENT_PREFIX = 'ssh-agent-';
const START_TIMEOUT_MS = 5000;

/** `ssh-agent-<host>@`: '@' cannot occur in a host name, so one host's prefix never matches another's. */
function agentDirPrefix(host: string): string {
  return `${AGENT_PREFIX}${host.replace(/[^A-Za-z0-9.-]/g, '_')}@`;
}

async function waitForSocket(path: string, child: { exitCode: number | null }): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await stat(path).then((s) => s.isSocket(), () => false)) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new AgentError('E_MOUNT_UNAVAILABLE', `ssh-agent did not create its socket ${path} (is openssh-client installed?)`);
}

/** Starts a detached ssh-agent holding the decrypted key; `runtimeDir` is created 0700. */
export async function startKeyAgent(runtimeDir: string, decryptedKey: string, host: string): Promise<KeyAgent> {
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
  await chmod(runtimeDir, 0o700);
  const dir = await mkdtemp(join(runtimeDir, agentDirPrefix(host)));
  await chmod(dir, 0o700);
  const socket = join(dir, 'sock');
  const child = execa('ssh-agent', ['-D', '-a', socket], { detached: true, stdio: 'ignore', reject: false, cleanup: false });
  child.catch(() => undefined);
  const pid = child.pid;
  if (pid === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new AgentError('E_MOUNT_UNAVAILABLE', 'cannot start ssh-agent (is openssh-client installed?)', { host });
  }
  child.unref();
  const agent: KeyAgent = { socket, pid, dir };
  try {
    await writeFile(join(dir, 'pid'), `${pid}\n`, { mode: 0o600 });
    await waitForSocket(socket, child);
    const add = await execa('ssh-add', ['-q', '-'], {
      input: decryptedKey,
      env: { SSH_AUTH_SOCK: socket, SSH_ASKPASS_REQUIRE: 'never' },
      extendEnv: false,
      reject: false,
      all: true,
      timeout: START_TIMEOUT_MS,
    });
    if (add.exitCode !== 0) throw new AgentError('E_SSH_AUTH', `ssh-add refused the decrypted key: ${String(add.all ?? '').trim()}`, { host });
    return agent;
  } catch (e) {
    await stopKeyAgent(agent);
    throw e;
  }
}

async function isSshAgent(pid: number): Promise<boolean> {
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmd.split('\0')[0]?.endsWith('ssh-agent') === true;
}

export async function stopKeyAgent(agent: KeyAgent): Promise<void> {
  if (await isSshAgent(agent.pid)) {
    try {
      process.kill(agent.pid, 'SIGTERM');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  await rm(agent.dir, { recursive: true, force: true });
}

/** Stops every agent this module left under `runtimeDir` (also those of a crashed run). */
export async function stopKeyAgents(runtimeDir: string, host?: string): Promise<number> {
  const names = await readdir(runtimeDir).catch(() => [] as string[]);
  const prefix = host === undefined ? AGENT_PREFIX : agentDirPrefix(host);
  let stopped = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(runtimeDir, name);
    const pid = Number((await readFile(join(dir, 'pid'), 'utf8').catch(() => '')).trim());
    await stopKeyAgent({ socket: join(dir, 'sock'), pid: Number.isInteger(pid) && pid > 0 ? pid : -1, dir });
    stopped++;
  }
  return stopped;
}
