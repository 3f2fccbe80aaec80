/**
 * Runs commands on a Cassandra node over SSH (ssh2), for nodetool snapshots and mount pre-flight
 * checks. Commands are argument arrays, quoted here for the remote POSIX shell, never shell strings
 * built by callers. The host key is checked against the same known_hosts file sshfs uses.
 *
 * Every failure is an AgentError naming the host: E_SSH_UNREACHABLE (refused, timed out, unknown
 * name), E_SSH_AUTH (credentials or key passphrase), E_SSH_HOST_KEY, E_REMOTE_COMMAND (non-zero exit
 * or timeout, with the stderr tail). Secrets go to ssh2 only, never into messages.
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ConnectConfig, ClientChannel, KeyboardInteractiveCallback } from 'ssh2';
import { AgentError, isAgentError } from '../errors.js';
import { resolveSecret, type SecretValue } from '../config/secrets.js';
import { unencryptedKey } from '../mount/private-key.js';
import type { SshAuth } from '../config/schema.js';
import { verifyHostKey, type HostKeyPolicy } from '../mount/known-hosts.js';

export type ResolvedSshAuth =
  | { readonly kind: 'password'; readonly password: SecretValue }
  | {
    readonly kind: 'key';
    readonly privateKeyPath: string;
    /** never encrypted: a passphrase-protected key is decrypted once, when resolved */
    readonly privateKey: Buffer;
    /** the file was passphrase-protected (sshfs then needs a key agent, see mount/key-agent.ts) */
    readonly encrypted: boolean;
  };

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly auth: ResolvedSshAuth;
  readonly strictHostKeyChecking: HostKeyPolicy;
  readonly knownHostsPath: string;
}

/** The node fields an SSH target is made from (a NodeSettings satisfies it). */
export interface SshNode {
  readonly host: string;
  readonly sshPort: number;
  readonly user: string;
  readonly auth: SshAuth;
  readonly strictHostKeyChecking: HostKeyPolicy;
  readonly knownHostsPath: string;
}

export interface SshTimeouts {
  /** TCP connect + handshake + authentication, ms */
  connectTimeoutMs?: number;
  /** the whole command, ms */
  commandTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface CommandResult {
  readonly host: string;
  readonly command: string;
  /** null when the command ended by a signal */
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
/** stdout/stderr kept per command; nodetool prints little, this bounds a runaway command */
const MAX_OUTPUT_BYTES = 1 << 20;

/** Reads the key file and the secrets a node's auth refers to. */
export async function resolveSshAuth(auth: SshAuth, env: Readonly<Record<string, string | undefined>>, host: string): Promise<ResolvedSshAuth> {
  if (auth.kind === 'password') return { kind: 'password', password: await resolveSecret(auth.passwordRef, { env }) };
  let privateKey: Buffer;
  try {
    privateKey = await readFile(auth.privateKeyPath);
  } catch (e) {
    throw new AgentError('E_SSH_AUTH', `cannot read the private key: ${(e as Error).message}`, { host, file: auth.privateKeyPath }, { cause: e });
  }
  if (auth.passphraseRef === undefined) return { kind: 'key', privateKeyPath: auth.privateKeyPath, privateKey, encrypted: false };
  const passphrase = await resolveSecret(auth.passphraseRef, { env });
  const plain = Buffer.from(unencryptedKey(privateKey, passphrase, host, auth.privateKeyPath));
  return { kind: 'key', privateKeyPath: auth.privateKeyPath, privateKey: plain, encrypted: true };
}

export async function sshTargetOf(node: SshNode, env: Readonly<Record<string, string | undefined>>): Promise<SshTarget> {
  return {
    host: node.host,
    port: node.sshPort,
    user: node.user,
    auth: await resolveSshAuth(node.auth, env, node.host),
    strictHostKeyChecking: node.strictHostKeyChecking,
    knownHostsPath: node.knownHostsPath,
  };
}

/** POSIX shell quoting of one argument: `it's` -> `'it'\''s'`. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new AgentError('E_BAD_ARGUMENT', 'empty remote command');
  return argv.map(shellQuote).join(' ');
}

/** Checks the key parses before connecting, so a key needing a passphrase is named as such. */
function checkKey(target: SshTarget): void {
  if (target.auth.kind !== 'key') return;
  const parsed = ssh2.utils.parseKey(target.auth.privateKey);
  if (parsed instanceof Error) {
    const msg = /passphrase/i.test(parsed.message)
      ? 'the private key is passphrase-protected; set auth.passphraseRef'
      : `the private key is not a supported OpenSSH/PEM key: ${parsed.message}`;
    throw new AgentError('E_SSH_AUTH', msg, { host: target.host, file: target.auth.privateKeyPath });
  }
}

function connectConfig(target: SshTarget, timeoutMs: number, onHostKeyError: (e: AgentError) => void): ConnectConfig {
  const base: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    readyTimeout: timeoutMs,
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void): void => {
      verifyHostKey(target.strictHostKeyChecking, target.knownHostsPath, target.host, target.port, key).then(
        () => verify(true),
        (e: unknown) => {
          onHostKeyError(isAgentError(e) ? e : new AgentError('E_SSH_HOST_KEY', String(e), { host: target.host }));
          verify(false);
        },
      );
    },
  };
  if (target.auth.kind === 'password') {
    return { ...base, password: target.auth.password.reveal(), tryKeyboard: true, authHandler: ['password', 'keyboard-interactive'] };
  }
  return { ...base, privateKey: target.auth.privateKey, authHandler: ['publickey'] };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);

function classify(target: SshTarget, e: unknown, hostKeyError: AgentError | null): AgentError {
  if (hostKeyError !== null) return hostKeyError;
  if (isAgentError(e)) return e;
  const err = e as Error & { level?: string; code?: string };
  const where = `${target.user}@${target.host}:${target.port}`;
  if (err.level === 'client-authentication') {
    return new AgentError('E_SSH_AUTH', `${where} refused the ${target.auth.kind === 'password' ? 'password' : 'private key'} (permission denied)`, { host: target.host }, { cause: e });
  }
  if (err.level === 'client-timeout') {
    return new AgentError('E_SSH_UNREACHABLE', `no SSH handshake with ${where} before the timeout`, { host: target.host }, { cause: e });
  }
  if (err.code !== undefined && UNREACHABLE_CODES.has(err.code)) {
    return new AgentError('E_SSH_UNREACHABLE', `cannot reach ${where}: ${err.code}`, { host: target.host }, { cause: e });
  }
  return new AgentError('E_SSH_UNREACHABLE', `SSH connection to ${where} failed: ${err.message}`, { host: target.host }, { cause: e });
}

/** Opens an authenticated connection; the caller ends it. */
async function connect(target: SshTarget, opts: SshTimeouts): Promise<ssh2.Client> {
  checkKey(target);
  opts.signal?.throwIfAborted();
  const client = new ssh2.Client();
  let hostKeyError: AgentError | null = null;
  const config = connectConfig(target, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, (e) => { hostKeyError = e; });
  return new Promise<ssh2.Client>((resolve, reject) => {
    const onAbort = (): void => {
      client.end();
      reject(opts.signal?.reason);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish: KeyboardInteractiveCallback) => {
      const pw = target.auth.kind === 'password' ? target.auth.password.reveal() : '';
      finish(prompts.map(() => pw));
    });
    client.once('ready', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(client);
    });
    // stays attached for the client's life: ssh2 may emit more than one error, and an unheard one would crash the process
    client.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      client.end();
      reject(classify(target, e, hostKeyError));
    });
    client.connect(config);
  });
}

/** Connects and authenticates only: the pre-flight check before mounting a node. */
export async function checkSsh(target: SshTarget, opts: SshTimeouts = {}): Promise<void> {
  const client = await connect(target, opts);
  client.end();
}

function tail(text: string, max = 2000): string {
  const t = text.trim();
  return t.length <= max ? t : `...${t.slice(t.length - max)}`;
}

/** One authenticated connection to a node; several commands may run on it. Close it when done. */
export interface SshSession {
  readonly target: SshTarget;
  /**
   * Runs `argv` and collects its output (each stream capped at 1 MiB). Resolves with the exit status
   * whatever it is; throws only when the command could not run, the link dropped, or it timed out.
   */
  exec(argv: readonly string[], opts?: Omit<SshTimeouts, 'connectTimeoutMs'>): Promise<CommandResult>;
  close(): void;
}

export async function openSession(target: SshTarget, opts: SshTimeouts = {}): Promise<SshSession> {
  const client = await connect(target, opts);
  let broken: AgentError | null = null;
  const listeners = new Set<(e: AgentError) => void>();
  const breakWith = (e: AgentError): void => {
    broken ??= e;
    for (const l of listeners) l(e);
  };
  client.on('error', (e) => breakWith(classify(target, e, null)));
  client.on('close', () => breakWith(new AgentError('E_SSH_UNREACHABLE', 'the SSH connection closed', { host: target.host })));
  return {
    target,
    close: () => client.end(),
    exec: (argv, execOpts = {}) => {
      const command = shellCommand(argv);
      if (broken !== null) return Promise.reject(broken);
      const timeoutMs = execOpts.commandTimeoutMs ?? opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
      const signal = execOpts.signal ?? opts.signal;
      return new Promise<CommandResult>((resolve, reject) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let outLen = 0;
        let errLen = 0;
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        let stream: ClientChannel | null = null;
        let settled = false;
        const finish = (): void => {
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          listeners.delete(onBroken);
        };
        const fail = (e: AgentError): void => {
          if (settled) return;
          finish();
          stream?.close();
          reject(e);
        };
        const timer = setTimeout(() => {
          fail(new AgentError('E_REMOTE_COMMAND', `"${command}" did not finish within ${timeoutMs} ms`, { host: target.host }));
        }, timeoutMs);
        const onAbort = (): void => fail(new AgentError('E_REMOTE_COMMAND', `"${command}" was aborted`, { host: target.host }, { cause: signal?.reason }));
        const onBroken = (e: AgentError): void => fail(new AgentError(e.code, `${e.message.replace(/ \(host [^)]*\)$/, '')} while "${command}" ran`, { host: target.host }, { cause: e }));
        signal?.addEventListener('abort', onAbort, { once: true });
        listeners.add(onBroken);
        client.exec(command, (e, ch) => {
          if (e !== undefined && e !== null) {
            fail(new AgentError('E_REMOTE_COMMAND', `cannot start "${command}": ${e.message}`, { host: target.host }, { cause: e }));
            return;
          }
          stream = ch;
          ch.on('data', (b: Buffer) => {
            if (outLen < MAX_OUTPUT_BYTES) out.push(b);
            outLen += b.length;
          });
          ch.stderr.on('data', (b: Buffer) => {
            if (errLen < MAX_OUTPUT_BYTES) err.push(b);
            errLen += b.length;
          });
          ch.on('exit', (code: number | null, sig?: string) => {
            exitCode = typeof code === 'number' ? code : null;
            exitSignal = sig ?? null;
          });
          ch.on('close', () => {
            if (settled) return;
            finish();
            resolve({
              host: target.host,
              command,
              exitCode,
              exitSignal,
              stdout: Buffer.concat(out).toString('utf8'),
              stderr: Buffer.concat(err).toString('utf8'),
            });
          });
        });
      });
    },
  };
}

/** Connects, runs one command, disconnects (see SshSession.exec). */
export async function runRemote(target: SshTarget, argv: readonly string[], opts: SshTimeouts = {}): Promise<CommandResult> {
  const session = await openSession(target, opts);
  try {
    return await session.exec(argv);
  } finally {
    session.close();
  }
}

/** A non-zero exit as E_REMOTE_COMMAND with the exit status and the stderr tail; else the result. */
export function checkExit(r: CommandResult): CommandResult {
  if (r.exitCode !== 0) {
    const status = r.exitCode === null ? `signal ${r.exitSignal ?? 'unknown'}` : `exit status ${r.exitCode}`;
    const detail = tail(r.stderr) || tail(r.stdout);
    throw new AgentError('E_REMOTE_COMMAND', `"${r.command}" failed with ${status}${detail === '' ? '' : `: ${detail}`}`, { host: r.host });
  }
  return r;
}

/** runRemote, then checkExit. */
export async function runRemoteChecked(target: SshTarget, argv: readonly string[], opts: SshTimeouts = {}): Promise<CommandResult> {
  return checkExit(await runRemote(target, argv, opts));
}
