/**
 * Reading whole small components (TOC.txt, CompressionInfo.db, CRC.db, Statistics.db, Summary.db) with
 * errors mapped to the catalog: an absent file is E_MISSING_COMPONENT, any other failure E_IO.
 */
import { readFile } from 'node:fs/promises';
import { AgentError } from '../../errors.js';
import type { SSTableDescriptor } from './descriptor.js';

/** Maps a file-system error: ENOENT -> E_MISSING_COMPONENT, anything else -> E_IO. */
export function mapFsError(e: unknown, file: string, what: string): AgentError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new AgentError('E_MISSING_COMPONENT', `${what} is missing`, { file }, { cause: e });
  return new AgentError('E_IO', `cannot read ${what}: ${(e as Error).message}`, { file }, { cause: e });
}

/** Whole component bytes. Throws E_MISSING_COMPONENT when the file does not exist. */
export async function readComponent(desc: SSTableDescriptor, component: string): Promise<Uint8Array> {
  const file = desc.componentPath(component);
  try {
    return await readFile(file);
  } catch (e) {
    throw mapFsError(e, file, component);
  }
}

/** Like readComponent, but null when the file does not exist. */
export async function readOptionalComponent(desc: SSTableDescriptor, component: string): Promise<Uint8Array | null> {
  const file = desc.componentPath(component);
  try {
    return await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw mapFsError(e, file, component);
  }
}

/** The component suffixes TOC.txt lists (C/io/sstable/SSTable.readTOC), or null without a TOC. */
export async function readToc(desc: SSTableDescriptor): Promise<ReadonlySet<string> | null> {
  if (!desc.components.has('TOC.txt')) return null;
  const bytes = await readOptionalComponent(desc, 'TOC.txt');
  if (bytes === null) return null;
  const names = new Set<string>();
  for (const line of new TextDecoder().decode(bytes).split(/\r?\n/)) {
    const name = line.trim();
    if (name.length > 0) names.add(name);
  }
  return names;
}

