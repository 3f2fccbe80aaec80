/**
 * Crash-safe file replacement for settings and secrets: the data goes to a temporary file in the
 * same directory (created with the final mode, so it is never briefly world-readable), is fsynced,
 * then renamed over the target. Readers see the old file or the new one, never a partial write.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, chown } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AgentError } from '../errors.js';

/** Numeric owner to give a file, e.g. the `cassandra-extractor` service account when run as root. */
export interface FileOwner {
  uid: number;
  gid: number;
}

export interface AtomicWriteOptions {
  /** Permission bits of the final file; the process umask does not apply. */
  mode: number;
  owner?: FileOwner;
}

/** Throws AgentError E_IO (E_NOT_FOUND when the directory is missing), naming `path`. */
export async function writeFileAtomic(path: string, data: string, opts: AtomicWriteOptions): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx', opts.mode);
    created = true;
    try {
      await fh.chmod(opts.mode); // open() honours the umask; the mode must be exact
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.owner !== undefined) await chown(tmp, opts.owner.uid, opts.owner.gid);
    await rename(tmp, path);
    created = false;
    await syncDirectory(dir);
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined); // best effort: the original error matters more
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO';
    throw new AgentError(code, `cannot write ${path}: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

/** Makes the rename durable; some file systems refuse fsync on directories, which is harmless here. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync().catch(() => undefined);
  } finally {
    await fh.close();
  }
}
