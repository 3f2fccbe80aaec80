/**
 * Validators for `--configure` answers. Each wraps the settings schema's own pieces, adding only
 * what an interactive answer needs (a file that must exist now, a comma-separated list).
 */
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { z } from 'zod';
import { absolutePath } from '../config/schema.js';
import { viaSchema, type Parsed } from './prompt.js';

export const parseAbsolutePath = viaSchema(absolutePath);

export const parseNodeCount = viaSchema(
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(256, 'must be at most 256'),
);

/** An absolute path to a regular file that exists now; `mode` is returned for permission warnings. */
export async function parseExistingFile(answer: string): Promise<Parsed<{ path: string; mode: number }>> {
  const p = parseAbsolutePath(answer);
  if (!p.ok) return p;
  try {
    const st = await stat(p.value);
    if (!st.isFile()) return { ok: false, message: `${p.value} is not a regular file` };
    return { ok: true, value: { path: p.value, mode: st.mode & 0o777 } };
  } catch (e) {
    return { ok: false, message: `cannot use ${p.value}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** cassandra.yaml itself, or the directory holding it (as the AWS agent asks). */
export function parseCassandraYaml(answer: string): Parsed<string> {
  const p = parseAbsolutePath(answer);
  if (!p.ok) return p;
  return { ok: true, value: /\.ya?ml$/i.test(p.value) ? p.value : posix.join(p.value, 'cassandra.yaml') };
}

/** Comma-separated absolute directories (cassandra.yaml `data_file_directories`), duplicates removed. */
export function parseDirectoryList(answer: string): Parsed<string[]> {
  const parts = answer.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) return { ok: false, message: 'at least one directory is required' };
  const out: string[] = [];
  for (const part of parts) {
    const p = parseAbsolutePath(part);
    if (!p.ok) return { ok: false, message: `${part}: ${p.message}` };
    if (!out.includes(p.value)) out.push(p.value);
  }
  return { ok: true, value: out };
}

/** Key and trust stores: PKCS#12 by extension, PEM otherwise; Java key stores need converting first. */
export type StoreFormat = 'pkcs12' | 'pem';

export function storeFormatOf(path: string): Parsed<StoreFormat> {
  if (/\.jks$/i.test(path)) {
    return { ok: false, message: `Java key stores cannot be read; convert it: keytool -importkeystore -srckeystore ${path} -destkeystore ${path.replace(/\.jks$/i, '.p12')} -deststoretype PKCS12` };
  }
  return { ok: true, value: /\.(p12|pfx)$/i.test(path) ? 'pkcs12' : 'pem' };
}
