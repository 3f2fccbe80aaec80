/**
 * The default sink: a local directory. A put streams into a hidden temporary file beside the final
 * one (`.<name>.tmp-<random>`), fsyncs it, renames it over the final name and fsyncs the directory, so
 * a reader (or a crash) sees either the previous object or the complete new one, never a prefix.
 * A full disk (ENOSPC, EDQUOT) is AgentError E_DISK_FULL naming the file; the temporary file is removed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { AgentError, isAgentError } from '../errors.js';
import { abortError } from '../util/abort.js';
import { syncDirectory } from '../util/atomic-file.js';
import { BodyMeter, bodyPieces, checkExpectedSha, checkKey, type ObjectInfo, type PutMeta, type PutOptions, type PutResult, type Sink } from './sink.js';

/** What the sink needs of an open file (a seam: tests inject failing writes). */
export interface WritableFile {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  /** fdatasync; when present, the sink starts one every `trickleSyncBytes` while writing */
  datasync?(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalSinkOptions {
  /** opens the temporary file for writing; default fs.promises.open(path, 'wx') */
  readonly openFile?: (path: string) => Promise<WritableFile>;
  /**
   * Trickle sync: while a file is written, an fdatasync is started (not awaited) after every this many
   * bytes, so the disk writes the file back as it grows instead of all at the final fsync, which then
   * has little left to do and no longer stalls the extraction (Cassandra's trickle_fsync, for the same
   * reason). Default 8 MiB; 0 turns it off.
   */
  readonly trickleSyncBytes?: number;
}

export const DEFAULT_TRICKLE_SYNC_BYTES = 8 * 1024 * 1024;

const TEMP_MARK = '.tmp-';
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

function errnoCode(e: unknown): string | undefined {
  const c = (e as NodeJS.ErrnoException | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** An OS error of a write as an AgentError: E_DISK_FULL for a full disk or quota, E_IO otherwise. */
export function mapWriteError(e: unknown, path: string, what: string): AgentError {
  if (isAgentError(e)) return e;
  const code = errnoCode(e);
  if (code !== undefined && DISK_FULL_CODES.has(code)) {
    return new AgentError('E_DISK_FULL', `no space left while writing ${what} (${code}); free space or choose another --out, then resume`, { file: path }, { cause: e });
  }
  return new AgentError('E_IO', `cannot write ${what}: ${code ?? (e instanceof Error ? e.name : 'error')}`, { file: path }, { cause: e });
}

async function writeAll(f: WritableFile, piece: Uint8Array): Promise<void> {
  let off = 0;
  while (off < piece.byteLength) {
    const { bytesWritten } = await f.write(piece, off, piece.byteLength - off);
    if (bytesWritten <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
    off += bytesWritten;
  }
}

/**
 * Temporary files of this key left by a writer that crashed (a kill leaves no chance to clean up):
 * keys have one writer at a time (an export owns its output), so they are garbage.
 */
async function removeStaleTemps(dir: string, name: string): Promise<void> {
  const mark = `.${name}${TEMP_MARK}`;
  for (const n of await readdir(dir)) if (n.startsWith(mark)) await rm(join(dir, n), { force: true });
}

export class LocalSink implements Sink {
  readonly root: string;
  private readonly openFile: (path: string) => Promise<WritableFile>;
  private readonly trickleSyncBytes: number;

  constructor(root: string, opts: LocalSinkOptions = {}) {
    this.root = resolve(root);
    this.openFile = opts.openFile ?? ((p) => open(p, 'wx'));
    this.trickleSyncBytes = opts.trickleSyncBytes ?? DEFAULT_TRICKLE_SYNC_BYTES;
  }

  /** The file path of a key. @throws AgentError E_BAD_ARGUMENT for keys leaving the root */
  pathOf(key: string): string {
    const p = join(this.root, ...checkKey(key).split('/'));
    const rel = relative(this.root, p);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new AgentError('E_BAD_ARGUMENT', `object key ${JSON.stringify(key)} leaves ${this.root}`);
    return p;
  }

  async put(key: string, body: AsyncIterable<Uint8Array> | Uint8Array, meta: PutMeta, opts: PutOptions = {}): Promise<PutResult> {
    const final = this.pathOf(key);
    const dir = dirname(final);
    const temp = join(dir, `.${basename(final)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
    const meter = new BodyMeter();
    let file: WritableFile | undefined;
    // at most one trickle sync in flight; its failure is the put's (awaited before the final sync)
    let trickle: Promise<unknown> | null = null;
    let trickleFailure: unknown = null;
    // One write in flight while the next piece is made: pulling a piece runs the extraction (decode
    // and encode), which used to wait for each write to land, idle 5-9% of a main-thread extraction
    // (docs/extract.md, "Session 8"). Writes stay sequential, each issued once the last has landed;
    // pieces are never modified once handed over (chunker.ts), so one may be written while the next
    // is made.
    let writing: Promise<void> | null = null;
    try {
      await mkdir(dir, { recursive: true });
      await removeStaleTemps(dir, basename(final));
      file = await this.openFile(temp);
      let sinceSync = 0;
      for await (const piece of bodyPieces(body)) {
        if (opts.signal?.aborted === true) throw abortError(opts.signal, `write of ${key}`);
        await meter.update(piece);
        if (writing !== null) await writing;
        writing = writeAll(file, piece);
        // handled here so that a failure while the next piece is made is never an unhandled rejection;
        // it is thrown by the await above or below
        writing.catch(() => undefined);
        sinceSync += piece.byteLength;
        if (trickleFailure !== null) throw trickleFailure;
        if (this.trickleSyncBytes > 0 && sinceSync >= this.trickleSyncBytes && trickle === null && file.datasync !== undefined) {
          sinceSync = 0;
          trickle = file.datasync().then(
            () => { trickle = null; },
            (e: unknown) => { trickleFailure = e; trickle = null; },
          );
        }
      }
      if (writing !== null) await writing;
      if (trickle !== null) await trickle;
      if (trickleFailure !== null) throw trickleFailure;
      await file.sync();
      const f = file;
      file = undefined;
      await f.close();
      checkExpectedSha(key, meta, await meter.sha256(), final);
      await rename(temp, final);
      await syncDirectory(dir);
    } catch (e) {
      // a write or trickle sync still running must land before the handle closes
      await writing?.catch(() => undefined);
      await trickle?.catch(() => undefined);
      await file?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      meter.abandon();
      throw mapWriteError(e, final, key);
    }
    return { key, bytes: meter.bytes, sha256: await meter.sha256(), location: final };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const p = this.pathOf(key);
    try {
      const s = await stat(p);
      return s.isFile() ? { key, size: s.size } : null;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return null;
      throw new AgentError('E_IO', `cannot stat ${key}`, { file: p }, { cause: e });
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') return;
        throw new AgentError('E_IO', `cannot list ${dir}`, { file: dir }, { cause: e });
      }
      for (const n of names) {
        if (n.startsWith('.') && n.includes(TEMP_MARK)) continue;
        const key = rel === '' ? n : `${rel}/${n}`;
        if (!key.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue;
        const s = await stat(join(dir, n));
        if (s.isDirectory()) await walk(join(dir, n), key);
        else if (s.isFile()) out.push({ key, size: s.size });
      }
    };
    await walk(this.root, '');
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const p = this.pathOf(key);
    try {
      await rm(p, { force: true });
    } catch (e) {
      throw new AgentError('E_IO', `cannot delete ${key}`, { file: p }, { cause: e });
    }
  }

  async close(): Promise<void> {
    // nothing held between puts
  }
}
