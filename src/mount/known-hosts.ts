/**
 * OpenSSH known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), shared by sshfs (OpenSSH reads the
 * file itself) and the ssh2 command runner (which checks it here), so both trust the same keys.
 * Supported: plain and hashed (`|1|salt|hmac-sha1`) host names, `[host]:port` for ports other than
 * 22, `*`/`?` wildcards, `!` negation and `@revoked`; `@cert-authority` lines are ignored.
 */
import { createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgentError } from '../errors.js';

export type HostKeyPolicy = 'yes' | 'accept-new' | 'no';

export type HostKeyVerdict = 'match' | 'unknown' | 'changed' | 'revoked';

/** The name known_hosts uses for a host: `host` on port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Key type of an SSH public key blob (its first string, RFC 4253 §6.6). */
export function keyTypeOf(blob: Uint8Array): string {
  if (blob.length < 4) return '';
  const len = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0);
  return Buffer.from(blob.subarray(4, 4 + len)).toString('latin1');
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (salt === undefined || hash === undefined) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return globToRegExp(pattern).test(name);
}

/** OpenSSH match_hostname: any positive match and no negated match. */
function hostListMatches(list: string, name: string): boolean {
  let matched = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (patternMatches(pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Checks a host key blob against known_hosts text. */
export function checkKnownHosts(text: string, host: string, port: number, key: Uint8Array): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const type = keyTypeOf(key);
  const b64 = Buffer.from(key).toString('base64');
  let sawSameType = false;
  let matched = false;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | null = null;
    if (fields[0]?.startsWith('@') === true) marker = fields.shift() ?? null;
    const [hosts, ktype, kdata] = fields;
    if (hosts === undefined || ktype === undefined || kdata === undefined) continue;
    if (marker === '@cert-authority' || !hostListMatches(hosts, name)) continue;
    if (marker === '@revoked') {
      if (kdata === b64) return 'revoked';
      continue;
    }
    if (ktype !== type) continue;
    sawSameType = true;
    if (kdata === b64) matched = true;
  }
  if (matched) return 'match';
  return sawSameType ? 'changed' : 'unknown';
}

/** One known_hosts line for a key (plain host name, as `ssh -o HashKnownHosts=no` writes it). */
export function knownHostsLine(host: string, port: number, key: Uint8Array): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(key)} ${Buffer.from(key).toString('base64')}\n`;
}

export async function readKnownHosts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new AgentError('E_IO', `cannot read known_hosts: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

/**
 * Applies the StrictHostKeyChecking policy as OpenSSH does: `no` trusts any key and records nothing;
 * `accept-new` records an unknown key and refuses a changed one; `yes` refuses both. Throws
 * E_SSH_HOST_KEY naming the host.
 */
export async function verifyHostKey(policy: HostKeyPolicy, knownHostsPath: string, host: string, port: number, key: Uint8Array): Promise<void> {
  if (policy === 'no') return;
  const verdict = checkKnownHosts(await readKnownHosts(knownHostsPath), host, port, key);
  if (verdict === 'match') return;
  const type = keyTypeOf(key);
  if (verdict === 'unknown' && policy === 'accept-new') {
    try {
      await mkdir(dirname(knownHostsPath), { recursive: true, mode: 0o700 });
      await appendFile(knownHostsPath, knownHostsLine(host, port, key), { mode: 0o600 });
    } catch (e) {
      throw new AgentError('E_IO', `cannot record the host key of ${host}: ${(e as Error).message}`, { host, file: knownHostsPath }, { cause: e });
    }
    return;
  }
  const what = verdict === 'unknown'
    ? `the ${type} host key of ${knownHostsName(host, port)} is not in known_hosts and strictHostKeyChecking is "yes"; add it (ssh-keyscan -p ${port} ${host} >> ${knownHostsPath}) after checking its fingerprint`
    : verdict === 'revoked'
      ? `the ${type} host key of ${knownHostsName(host, port)} is marked @revoked in known_hosts`
      : `the ${type} host key of ${knownHostsName(host, port)} differs from the one in known_hosts: the node was reinstalled or someone is intercepting the connection; verify, then remove the old line`;
  throw new AgentError('E_SSH_HOST_KEY', what, { host, file: knownHostsPath });
}
