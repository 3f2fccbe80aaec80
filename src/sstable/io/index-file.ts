/**
 * Index.db: one entry per partition in Data.db order, giving the partition key and its offset in the
 * uncompressed Data.db (§7.1 for `ma`+, §7.2 for `ka`/`la`/`lb`; C/db/RowIndexEntry.java,
 * BigTableWriter.IndexWriter.append). Promoted indexes are skipped by their size, never parsed.
 *
 * Ownership: keys are views into buffers this module never writes again (one buffer per read).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { AgentError } from '../../errors.js';
import { mapFsError } from './components.js';
import { isV3, type SSTableDescriptor, type SSTableVersion } from './descriptor.js';

export interface IndexEntry {
  /** partition key bytes */
  readonly key: Uint8Array;
  /** offset of the partition in the uncompressed Data.db */
  readonly position: number;
  /** offset of this entry in Index.db (Summary.db positions point at these) */
  readonly indexOffset: number;
}

/** Bytes per read(); an entry whose header does not fit triggers one larger read. */
const READ_BYTES = 1 << 20;

type Header = { key: Uint8Array; position: number; end: number } | { need: number };

/**
 * Parses the entry starting at `off` of `b` (which starts at file offset `base`). Returns the key, the
 * Data.db position and the entry's end offset within `b` (it may lie beyond `b` when a promoted index
 * is large), or how many bytes from `off` the header needs when `b` ends too soon.
 */
function entryHeader(b: Uint8Array, off: number, v3: boolean, file: string, base: number): Header {
  const avail = b.length - off;
  if (avail < 2) return { need: 2 };
  const keyLength = ((b[off] as number) << 8) | (b[off + 1] as number);
  let p = off + 2 + keyLength;
  if (v3) {
    const pos = uvintAt(b, p);
    if (pos === null) return { need: p - off + 9 };
    p = pos.next;
    const promoted = uvintAt(b, p);
    if (promoted === null) return { need: p - off + 9 };
    if (pos.value > Number.MAX_SAFE_INTEGER || promoted.value > 0x7fffffff) {
      throw new AgentError('E_BAD_FORMAT', `Index.db entry has an out-of-range position or promoted index size`, { file, offset: base + off });
    }
    return { key: b.subarray(off + 2, off + 2 + keyLength), position: pos.value, end: promoted.next + promoted.value };
  }
  if (avail < 2 + keyLength + 12) return { need: 2 + keyLength + 12 };
  const view = new DataView(b.buffer, b.byteOffset + p, 12);
  const position = view.getBigInt64(0);
  const promotedSize = view.getInt32(8);
  if (position < 0n || position > BigInt(Number.MAX_SAFE_INTEGER) || promotedSize < 0) {
    throw new AgentError('E_BAD_FORMAT', `Index.db entry has a negative position or promoted index size`, { file, offset: base + off });
  }
  return { key: b.subarray(off + 2, off + 2 + keyLength), position: Number(position), end: p + 12 + promotedSize };
}

/** Unsigned vint (§5.1) as a double (exact below 2^53), or null when `b` ends inside it. */
function uvintAt(b: Uint8Array, p: number): { value: number; next: number } | null {
  if (p >= b.length) return null;
  const first = b[p] as number;
  const extra = Math.clz32(~(first << 24));
  if (p + 1 + extra > b.length) return null;
  let value = first & (0xff >> extra);
  for (let k = 1; k <= extra; k++) value = value * 256 + (b[p + k] as number);
  return { value, next: p + 1 + extra };
}

/** Pure: every entry of a whole Index.db (or of a slice starting at an entry, whose file offset is `base`). */
export function parseIndexEntries(bytes: Uint8Array, version: SSTableVersion, file: string, base = 0): IndexEntry[] {
  const v3 = isV3(version);
  const out: IndexEntry[] = [];
  let off = 0;
  while (off < bytes.length) {
    const h = entryHeader(bytes, off, v3, file, base);
    if ('need' in h || h.end > bytes.length) {
      throw new AgentError('E_TRUNCATED', 'Index.db ends inside an entry', { file, offset: base + off });
    }
    out.push({ key: h.key, position: h.position, indexOffset: base + off });
    off = h.end;
  }
  return out;
}

export interface IndexReadOptions {
  /** Index.db offset of the first entry to read (e.g. a Summary.db indexPosition); default 0 */
  start?: number;
  /** stop before the entry at or after this Index.db offset; default: end of file */
  end?: number;
  signal?: AbortSignal;
}

/**
 * Index.db opened once and kept until close(): every entries() call reads this handle with positional
 * reads, never the path again, so compaction may unlink the file after open (see data-source.ts).
 */
export interface IndexFile {
  readonly path: string;
  /** file size at open */
  readonly length: number;
  /** Entries with one read() per ~1 MiB; concurrent iterations may share the file. */
  entries(opts?: IndexReadOptions): AsyncIterable<IndexEntry>;
  /** Closes the handle after the reads in flight; iterations still running and later calls throw. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens Index.db of an sstable.
 * @throws AgentError E_MISSING_COMPONENT when it is absent (the ENOENT is kept as the cause), E_IO
 */
export async function openIndexFile(desc: SSTableDescriptor): Promise<IndexFile> {
  const file = desc.componentPath('Index.db');
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw mapFsError(e, file, 'Index.db');
  }
  let length: number;
  try {
    length = (await fh.stat()).size;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw mapFsError(e, file, 'Index.db');
  }
  return new PinnedIndexFile(file, fh, length, isV3(desc.version));
}

/** Streams Index.db entries of a descriptor through a handle of its own, closed when iteration ends. */
export async function* readIndexEntries(desc: SSTableDescriptor, opts: IndexReadOptions = {}): AsyncGenerator<IndexEntry> {
  const index = await openIndexFile(desc);
  try {
    yield* index.entries(opts);
  } finally {
    await index.close();
  }
}

class PinnedIndexFile implements IndexFile {
  private closing: Promise<void> | null = null;

  constructor(readonly path: string, private readonly fh: FileHandle, readonly length: number, private readonly v3: boolean) {}

  entries(opts: IndexReadOptions = {}): AsyncIterable<IndexEntry> {
    return { [Symbol.asyncIterator]: () => this.iterate(opts) };
  }

  close(): Promise<void> {
    this.closing ??= this.fh.close();
    return this.closing;
  }

  private async *iterate(opts: IndexReadOptions): AsyncGenerator<IndexEntry> {
    const { fh, path: file, v3 } = this;
    const fileLength = this.length;
    const limit = Math.min(opts.end ?? fileLength, fileLength);
    let pos = opts.start ?? 0;
    let want = READ_BYTES;
    while (pos < limit) {
      opts.signal?.throwIfAborted();
      if (this.closing !== null) throw new AgentError('E_BAD_ARGUMENT', 'Index.db already closed', { file });
      const length = Math.min(want, fileLength - pos);
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await fh.read(buf, got, length - got, pos + got));
        } catch (e) {
          if (this.closing !== null) throw new AgentError('E_BAD_ARGUMENT', 'Index.db already closed', { file });
          throw new AgentError('E_IO', `read failed: ${(e as Error).message}`, { file, offset: pos + got }, { cause: e });
        }
        if (bytesRead === 0) throw new AgentError('E_TRUNCATED', 'Index.db shrank while being read', { file, offset: pos + got });
        got += bytesRead;
      }
      let off = 0;
      want = READ_BYTES;
      while (pos + off < limit) {
        const h = entryHeader(buf, off, v3, file, pos);
        if ('need' in h) {
          if (pos + off + h.need > fileLength) throw new AgentError('E_TRUNCATED', 'Index.db ends inside an entry', { file, offset: pos + off });
          // Header cut by the end of this buffer: re-read from the entry's start, large enough for it.
          if (off === 0) want = Math.max(READ_BYTES, h.need);
          break;
        }
        if (pos + h.end > fileLength) throw new AgentError('E_TRUNCATED', 'Index.db ends inside an entry', { file, offset: pos + off });
        yield { key: h.key, position: h.position, indexOffset: pos + off };
        off = h.end;
        if (off >= buf.length) break;
      }
      pos += off;
    }
  }
}
