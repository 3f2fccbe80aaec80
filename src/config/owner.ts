/**
 * The service account the packages create (postinst / %pre). `--configure` runs as root but the
 * daemon runs as this user, so the settings and secret files it writes must be owned by it.
 */
import { readFile } from 'node:fs/promises';
import { AgentError } from '../errors.js';
import type { FileOwner } from './atomic-write.js';

export const SERVICE_USER = 'cassandra-extractor';

/** Parses passwd(5) text; returns undefined when `name` has no entry. */
export function findPasswdEntry(passwd: string, name: string): FileOwner | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] !== name || f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
  }
  return undefined;
}

/** Looks the account up in a local passwd file (system users are always local). */
export async function lookupServiceOwner(passwdPath = '/etc/passwd', name = SERVICE_USER): Promise<FileOwner | undefined> {
  let text: string;
  try {
    text = await readFile(passwdPath, 'utf8');
  } catch (e) {
    throw new AgentError('E_IO', `cannot read ${passwdPath}: ${(e as Error).message}`, { file: passwdPath }, { cause: e });
  }
  return findPasswdEntry(text, name);
}
