/**
 * Resolution and storage of secret references (see `secretRefSchema`). Secrets stay out of the
 * settings file, out of argv and out of logs: a resolved secret is a {@link SecretValue} whose
 * string, JSON and inspect forms are all "[redacted]"; only `reveal()` yields the text.
 */
import { mkdir, readFile, stat, chmod, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { AgentError } from '../errors.js';
import { writeFileAtomic, type FileOwner } from './atomic-write.js';
import type { SecretRef } from './schema.js';

const REDACTED = '[redacted]';

export class SecretValue {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The secret itself; pass it straight to the consumer (TLS options, ssh stdin), never to a logger. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return `SecretValue(${REDACTED})`;
  }
}

export interface ResolveSecretOptions {
  /** Environment to read `{ env }` references from; the agent passes process.env. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Human-readable form of a reference, for messages (never the secret). */
export function describeSecretRef(ref: SecretRef): string {
  return 'file' in ref ? `secret file ${ref.file}` : `environment variable ${ref.env}`;
}

/**
 * Reads the secret a reference points to. A file must be a regular file with no group/other
 * permission bits (chmod 600); one trailing newline is dropped. Throws AgentError E_NOT_FOUND when
 * the file or variable is missing, E_BAD_ARGUMENT when it is empty or too open, E_IO otherwise.
 */
export async function resolveSecret(ref: SecretRef, opts: ResolveSecretOptions): Promise<SecretValue> {
  if ('env' in ref) {
    const v = opts.env[ref.env];
    if (v === undefined) throw new AgentError('E_NOT_FOUND', `environment variable ${ref.env} (a secret reference) is not set`);
    if (v.length === 0) throw new AgentError('E_BAD_ARGUMENT', `environment variable ${ref.env} (a secret reference) is empty`);
    return new SecretValue(v);
  }
  const file = ref.file;
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new AgentError('E_BAD_ARGUMENT', `secret file is not a regular file`, { file });
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new AgentError('E_BAD_ARGUMENT', `secret file has mode ${mode}, readable by group or others; run chmod 600 ${file}`, { file });
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof AgentError) throw e;
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO';
    throw new AgentError(code, `cannot read secret file: ${(e as Error).message}`, { file }, { cause: e });
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.length === 0) throw new AgentError('E_BAD_ARGUMENT', 'secret file is empty', { file });
  return new SecretValue(value);
}

/** Secret file names are derived from labels such as `node-10.0.0.1-ssh-password`. */
export function secretFileName(label: string): string {
  const name = label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  if (name.length === 0) throw new AgentError('E_BAD_ARGUMENT', `cannot derive a secret file name from "${label}"`);
  return name;
}

export interface WriteSecretOptions {
  owner?: FileOwner;
}

/**
 * Stores `value` as `<dir>/<secretFileName(label)>` with mode 0600 (the directory is created 0700)
 * and returns the reference to put in the settings. Replaces an existing file atomically.
 */
export async function writeSecretFile(dir: string, label: string, value: string, opts: WriteSecretOptions = {}): Promise<SecretRef> {
  if (value.length === 0) throw new AgentError('E_BAD_ARGUMENT', `refusing to store an empty secret for ${label}`);
  if (/[\r\n]/.test(value)) throw new AgentError('E_BAD_ARGUMENT', `a secret for ${label} must be a single line`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    if (opts.owner !== undefined) await chown(dir, opts.owner.uid, opts.owner.gid);
  } catch (e) {
    throw new AgentError('E_IO', `cannot prepare the secrets directory: ${(e as Error).message}`, { file: dir }, { cause: e });
  }
  const file = join(dir, secretFileName(label));
  await writeFileAtomic(file, `${value}\n`, { mode: 0o600, owner: opts.owner });
  return { file };
}
