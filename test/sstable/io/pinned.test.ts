/**
 * Pinned files: a DataSource and an IndexFile read the handle opened at open, so the path may vanish
 * (compaction on a live node) and every later read, concurrent ones included, still returns the whole
 * file; nothing reads the path again.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAgentError, type AgentError } from '../../../src/errors.js';
import { dataChunkLayout, openDataSource, type DataChunk, type DataSource } from '../../../src/sstable/io/data-source.js';
import { listSSTables, type SSTableDescriptor } from '../../../src/sstable/io/descriptor.js';
import { openIndexFile, readIndexEntries, type IndexEntry } from '../../../src/sstable/io/index-file.js';
import { fixturePath, haveFixture } from '../../helpers/fixtures.js';

async function readAll(src: DataSource, opts: Parameters<DataSource['chunks']>[0] = {}): Promise<Buffer> {
  const parts: DataChunk[] = [];
  for await (const c of src.chunks(opts)) parts.push(c);
  return Buffer.concat(parts.map((c) => c.bytes));
}

async function collect(it: AsyncIterable<IndexEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(`${Buffer.from(e.key).toString('hex')}@${e.position}/${e.indexOffset}`);
  return out;
}

async function failure(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    if (isAgentError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

const CASES = [
  // compressed (LZ4, several chunks), 1.2 MB Index.db with promoted indexes
  'cassandra-legacy/ka/legacy_tables/legacy_ka_clust',
  // uncompressed with CRC.db
  'sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590',
];

describe.runIf(haveFixture('cassandra-legacy') && haveFixture('sstable-to-arrow-md'))('files pinned at open', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'pinned-io-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function copySet(fixture: string, name: string): Promise<SSTableDescriptor> {
    const dest = join(tmp, name);
    await mkdir(dest, { recursive: true });
    const src = fixturePath(fixture);
    for (const f of await readdir(src)) if ((await stat(join(src, f))).isFile()) await copyFile(join(src, f), join(dest, f));
    const [d] = await listSSTables(dest);
    if (d === undefined) throw new Error(`no sstable in ${fixture}`);
    return d;
  }

  async function removeAll(d: SSTableDescriptor): Promise<void> {
    await rm(d.directory, { recursive: true, force: true });
  }

  it.each(CASES.map((c, i) => [c, i]))('%s: Data.db reads whole and exactly after every file is deleted, many times and concurrently', async (fixture, i) => {
    const d = await copySet(fixture as string, `data-${i as number}`);
    const src = await openDataSource(d);
    try {
      const before = await readAll(src);
      expect(before.length).toBe(src.uncompressedLength);
      await removeAll(d);
      await expect(stat(d.dataPath)).rejects.toThrow();
      expect((await readAll(src)).equals(before)).toBe(true);
      const len = src.uncompressedLength;
      const cuts = [0, Math.floor(len / 5), Math.floor(len / 2), len - 1, len];
      const slices = await Promise.all([
        readAll(src),
        ...cuts.slice(0, -1).map((s, k) => readAll(src, { start: s, end: cuts[k + 1] as number })),
      ]);
      expect((slices[0] as Buffer).equals(before)).toBe(true);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const s = cuts[k] as number;
        const from = Math.floor(s / src.chunkLength) * src.chunkLength;
        const got = slices[k + 1] as Buffer;
        expect(got.equals(before.subarray(from, from + got.length))).toBe(true);
        expect(from + got.length).toBeGreaterThanOrEqual(cuts[k + 1] as number);
      }
    } finally {
      await src.close();
    }
  });

  it.each(CASES.map((c, i) => [c, i]))('%s: Index.db entries are the same after every file is deleted, concurrently too', async (fixture, i) => {
    const d = await copySet(fixture as string, `index-${i as number}`);
    const index = await openIndexFile(d);
    try {
      const before = await collect(index.entries());
      expect(before.length).toBeGreaterThan(0);
      expect(index.length).toBe((await readFile(d.componentPath('Index.db'))).length);
      await removeAll(d);
      expect(await collect(index.entries())).toEqual(before);
      const starts = [0, 1, before.length - 1].map((k) => Number((before[k] ?? '').split('/')[1]));
      const got = await Promise.all(starts.map((start) => collect(index.entries({ start }))));
      got.forEach((g, k) => expect(g).toEqual(before.slice([0, 1, before.length - 1][k])));
      // the path-based reader now fails: the file is gone
      expect((await failure(collect(readIndexEntries(d)))).code).toBe('E_MISSING_COMPONENT');
    } finally {
      await index.close();
    }
  });

  it('close(): idempotent; an iteration still running ends exactly or fails with E_BAD_ARGUMENT; later reads fail', async () => {
    const d = await copySet(CASES[1] as string, 'close');
    const src = await openDataSource(d);
    const whole = await readAll(src);
    const it = src.chunks()[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    const parts: Uint8Array[] = [(first.value as DataChunk).bytes];
    await Promise.all([src.close(), src.close()]);
    await src.close();
    // reads already in flight land (FileHandle.close waits for them); none is started after close
    try {
      for (;;) {
        const r = await it.next();
        if (r.done === true) break;
        parts.push(r.value.bytes);
      }
      expect(Buffer.concat(parts).equals(whole)).toBe(true);
    } catch (e) {
      expect(isAgentError(e) && e.code === 'E_BAD_ARGUMENT').toBe(true);
    }
    expect((await failure(readAll(src))).code).toBe('E_BAD_ARGUMENT');

    const index = await openIndexFile(d);
    await index.close();
    await index.close();
    expect((await failure(collect(index.entries()))).code).toBe('E_BAD_ARGUMENT');
  });

  it('a Data.db or Index.db gone before the open -> E_MISSING_COMPONENT with the ENOENT as cause (what catalog/open-table.ts re-plans on)', async () => {
    const d = await copySet(CASES[1] as string, 'gone');
    await unlink(d.componentPath('Index.db'));
    const ie = await failure(openIndexFile(d));
    expect(ie.code).toBe('E_MISSING_COMPONENT');
    expect(ie.location.file).toBe(d.componentPath('Index.db'));
    expect((ie.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    await unlink(d.dataPath);
    const de = await failure(openDataSource(d));
    expect(de.code).toBe('E_MISSING_COMPONENT');
    expect(de.location.file).toBe(d.dataPath);
    expect((de.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('dataChunkLayout: on-disk extent of every chunk, known since open (files deleted); null for other sources', async () => {
    for (const [i, fixture] of CASES.entries()) {
      const d = await copySet(fixture, `layout-${i}`);
      const size = (await stat(d.dataPath)).size;
      const src = await openDataSource(d);
      try {
        await removeAll(d);
        const layout = dataChunkLayout(src);
        if (layout === null) throw new Error('no layout');
        let total = 0;
        let n = 0;
        for await (const c of src.chunks()) {
          expect(layout.fileStart(c.index)).toBe(total);
          total += layout.fileEnd(c.index) - layout.fileStart(c.index);
          n++;
        }
        expect(n).toBe(layout.count);
        expect(total).toBe(size);
        expect(dataChunkLayout({ ...src, chunks: (o) => src.chunks(o), close: () => src.close() })).toBeNull();
      } finally {
        await src.close();
      }
    }
  });

  it('a listed CRC.db gone before the open is an error, not a silent loss of verification', async () => {
    const d = await copySet(CASES[1] as string, 'nocrc');
    expect(d.components.has('CRC.db')).toBe(true);
    await unlink(d.componentPath('CRC.db'));
    const e = await failure(openDataSource(d));
    expect(e.code).toBe('E_MISSING_COMPONENT');
    expect(e.location.file).toBe(d.componentPath('CRC.db'));
  });
});
