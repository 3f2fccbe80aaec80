import { copyFile, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAgentError } from '../../../src/errors.js';
import { crc32 } from '../../../src/sstable/io/checksum.js';
import { parseCompressionInfo } from '../../../src/sstable/io/compression-info.js';
import { describeDataFile, listSSTables, type SSTableDescriptor } from '../../../src/sstable/io/descriptor.js';
import { lz4Decoders } from '../../../src/sstable/io/decompress.js';
import { openDataSource, type DataChunk, type DataSource } from '../../../src/sstable/io/data-source.js';
import { BENCH_ROOT, FIXTURES_ROOT, fixturePath, haveFixture } from '../../helpers/fixtures.js';

/** Every directory under the fixture corpus holding a Data.db (expected/, commitlog/ and snapshots excluded). */
function sstableDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('Data.db'))) out.push(dir);
    for (const e of entries) {
      if (e.isDirectory() && !['expected', 'commitlog', 'snapshots'].includes(e.name)) walk(join(dir, e.name));
    }
  };
  walk(root);
  return out.sort();
}

async function readAll(src: DataSource, opts: Parameters<DataSource['chunks']>[0] = {}): Promise<{ bytes: Buffer; chunks: DataChunk[] }> {
  const chunks: DataChunk[] = [];
  for await (const c of src.chunks(opts)) chunks.push(c);
  return { bytes: Buffer.concat(chunks.map((c) => c.bytes)), chunks };
}

async function readAllAndClose(src: DataSource): Promise<unknown> {
  try {
    return await readAll(src);
  } finally {
    await src.close();
  }
}

async function expectAgentError(p: Promise<unknown>, code: string): Promise<import('../../../src/errors.js').AgentError> {
  try {
    await p;
  } catch (e) {
    if (!isAgentError(e)) throw e;
    expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

const haveCorpus = haveFixture('cassandra-legacy');

describe.runIf(haveCorpus)('openDataSource over every fixture sstable', () => {
  const dirs = haveCorpus ? sstableDirs(FIXTURES_ROOT) : [];

  it('finds the corpus', () => {
    expect(dirs.length).toBeGreaterThan(100);
  });

  it.each(dirs.map((d) => [relative(FIXTURES_ROOT, d), d]))('%s reads to exactly uncompressedLength with valid checksums', async (_name, dir) => {
    for (const desc of await listSSTables(dir)) {
      const src: DataSource = await openDataSource(desc);
      try {
        const { bytes, chunks } = await readAll(src);
        expect(bytes.length).toBe(src.uncompressedLength);
        chunks.forEach((c, i) => {
          expect(c.index).toBe(i);
          expect(c.offset).toBe(i * src.chunkLength);
        });
        if (src.compressor === null) {
          expect(bytes.equals(await readFile(desc.dataPath))).toBe(true);
        } else {
          expect(src.uncompressedLength).toBeGreaterThanOrEqual(0);
          expect(['LZ4Compressor', 'SnappyCompressor', 'DeflateCompressor', 'ZstdCompressor']).toContain(src.compressor);
        }
      } finally {
        await src.close();
      }
    }
  });
});

describe.runIf(haveCorpus)('compression kinds', () => {
  const cases: [string, string][] = [
    ['scylla/3.x/lz4/partition_key_with_values_of_different_types', 'LZ4Compressor'],
    ['scylla/3.x/snappy/partition_key_with_values_of_different_types', 'SnappyCompressor'],
    ['scylla/3.x/deflate/partition_key_with_values_of_different_types', 'DeflateCompressor'],
  ];
  it.each(cases)('%s decodes with %s and starts with the same partition as the uncompressed sibling', async (dir, compressor) => {
    const [desc] = await listSSTables(fixturePath(dir));
    const [plainDesc] = await listSSTables(fixturePath('scylla/3.x/uncompressed/partition_key_with_values_of_different_types'));
    const src = await openDataSource(desc as SSTableDescriptor);
    expect(src.compressor).toBe(compressor);
    const plain = await readFile((plainDesc as SSTableDescriptor).dataPath);
    const bytes = (await readAll(src)).bytes;
    // Same table and rows as the uncompressed sibling, written separately (timestamps differ): same first partition key.
    expect(bytes.length).toBe(src.uncompressedLength);
    expect(bytes.subarray(0, 2).equals(plain.subarray(0, 2))).toBe(true);
    const keyLength = plain.readUInt16BE(0);
    expect(bytes.subarray(2, 2 + keyLength).equals(plain.subarray(2, 2 + keyLength))).toBe(true);
    await src.close();
  });

  it('multi-chunk legacy sstables (ka, la) decode across chunks', async () => {
    for (const dir of ['cassandra-legacy/ka/legacy_tables/legacy_ka_clust', 'cassandra-legacy/la/legacy_tables/legacy_la_clust']) {
      const [desc] = await listSSTables(fixturePath(dir));
      const src = await openDataSource(desc as SSTableDescriptor);
      const { chunks } = await readAll(src);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.slice(0, -1).every((c) => c.bytes.length === src.chunkLength)).toBe(true);
      await src.close();
    }
  });

  it('uncompressed md with CRC.db reads in CRC chunk-size pieces', async () => {
    const [desc] = await listSSTables(fixturePath('sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590'));
    const src = await openDataSource(desc as SSTableDescriptor);
    expect(src.compressor).toBeNull();
    expect(src.chunkLength).toBe(65536);
    const { chunks } = await readAll(src);
    expect(chunks.length).toBe(Math.ceil(src.uncompressedLength / 65536));
    await src.close();
  });
});

const benchDir = join(BENCH_ROOT, 'mc-lz4-mixed/bench/events_mixed-61eac2c44d0411e8b3379579ee5f66fb');
describe.runIf(existsSync(benchDir))('bench mc LZ4 sstable', () => {
  it('a real Cassandra LZ4 chunk (u32 LE length + raw block) decompresses through lz4-napi', async () => {
    const [desc] = await listSSTables(benchDir);
    const src = await openDataSource(desc as SSTableDescriptor);
    expect(src.compressor).toBe('LZ4Compressor');
    expect(src.uncompressedLength).toBe(131821732);
    const { chunks } = await readAll(src, { start: 0, end: 5 * 65536 + 1 });
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const last = await readAll(src, { start: src.uncompressedLength - 1 });
    expect(last.chunks.map((c) => c.index)).toEqual([2011]);
    expect(last.chunks[0]?.offset).toBe(2011 * 65536);
    expect(last.chunks[0]?.bytes.length).toBe(src.uncompressedLength - 2011 * 65536);
    await src.close();
  });

  it('with reuse, the chunks copied as they come equal a plain read, and later chunks share one buffer', async () => {
    const [desc] = await listSSTables(benchDir);
    const src = await openDataSource(desc as SSTableDescriptor);
    const opts = { start: 3 * 65536 + 5, end: 40 * 65536 };
    const plain = await readAll(src, opts);
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const c of src.chunks({ ...opts, reuse: true })) {
      copies.push(Buffer.from(c.bytes));
      buffers.add(c.bytes.buffer);
    }
    expect(Buffer.concat(copies).equals(plain.bytes)).toBe(true);
    // the first chunk's buffer, then one for all the others (with the native LZ4 decoder; lz4-napi allocates)
    if ((await lz4Decoders()).native !== null) expect(buffers.size).toBe(2);
    await src.close();
  });
});

describe.runIf(haveCorpus)('chunk ranges', () => {
  it('any [start, end) is covered by whole chunks equal to the same bytes of a full read', async () => {
    for (const dir of ['cassandra-legacy/ka/legacy_tables/legacy_ka_clust', 'sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590']) {
      const [desc] = await listSSTables(fixturePath(dir));
      const src = await openDataSource(desc as SSTableDescriptor);
      const full = (await readAll(src)).bytes;
      const len = src.uncompressedLength;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: len }), fc.integer({ min: 0, max: len }), async (a, b) => {
          const start = Math.min(a, b);
          const end = Math.max(a, b);
          const { bytes, chunks } = await readAll(src, { start, end });
          if (start === end) {
            expect(chunks.length).toBe(0);
            return;
          }
          const first = chunks[0] as DataChunk;
          expect(first.offset).toBeLessThanOrEqual(start);
          expect(first.offset + bytes.length).toBeGreaterThanOrEqual(end);
          expect(first.offset).toBe(Math.floor(start / src.chunkLength) * src.chunkLength);
          expect(bytes.equals(full.subarray(first.offset, first.offset + bytes.length))).toBe(true);
        }),
        { numRuns: 60 },
      );
      await src.close();
    }
  });

  it('buffers handed out are never overwritten by later chunks', async () => {
    const [desc] = await listSSTables(fixturePath('sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590'));
    const src = await openDataSource(desc as SSTableDescriptor);
    const kept: { view: Uint8Array; copy: Buffer }[] = [];
    for await (const c of src.chunks()) {
      // Uncompressed chunks own their memory: holding one keeps only that chunk alive.
      expect(c.bytes.buffer.byteLength).toBe(c.bytes.length);
      kept.push({ view: c.bytes, copy: Buffer.from(c.bytes) });
    }
    for (const k of kept) expect(Buffer.from(k.view).equals(k.copy)).toBe(true);
    const [ldesc] = await listSSTables(fixturePath('cassandra-legacy/ka/legacy_tables/legacy_ka_clust'));
    const lsrc = await openDataSource(ldesc as SSTableDescriptor);
    const lkept: { view: Uint8Array; copy: Buffer }[] = [];
    for await (const c of lsrc.chunks()) lkept.push({ view: c.bytes, copy: Buffer.from(c.bytes) });
    for (const k of lkept) expect(Buffer.from(k.view).equals(k.copy)).toBe(true);
    await src.close();
    await lsrc.close();
  });

  it('breaking out early and aborting both stop cleanly', async () => {
    const [desc] = await listSSTables(fixturePath('cassandra-legacy/ka/legacy_tables/legacy_ka_clust'));
    const src = await openDataSource(desc as SSTableDescriptor);
    for await (const c of src.chunks()) {
      expect(c.index).toBe(0);
      break;
    }
    const ac = new AbortController();
    let seen = 0;
    await expect((async () => {
      for await (const _c of src.chunks({ signal: ac.signal })) {
        seen++;
        ac.abort();
      }
    })()).rejects.toThrow();
    expect(seen).toBe(1);
    await src.close();
    await expectAgentError(readAll(src), 'E_BAD_ARGUMENT');
  });
});

describe.runIf(haveCorpus)('damaged sstables (copied to a temp dir)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'sstio-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function copySet(fixture: string, name: string): Promise<string> {
    const dest = join(tmp, name);
    await rm(dest, { recursive: true, force: true });
    await import('node:fs/promises').then((m) => m.mkdir(dest, { recursive: true }));
    const src = fixturePath(fixture);
    for (const f of await readdir(src)) if (statSync(join(src, f)).isFile()) await copyFile(join(src, f), join(dest, f));
    return dest;
  }

  it('a flipped byte inside a compressed chunk -> E_CORRUPT_CHUNK naming file, chunk and offset', async () => {
    const dir = await copySet('cassandra-legacy/ka/legacy_tables/legacy_ka_clust', 'flip');
    const [desc] = await listSSTables(dir);
    const d = desc as SSTableDescriptor;
    const info = parseCompressionInfo(await readFile(d.componentPath('CompressionInfo.db')), 'ci');
    const data = await readFile(d.dataPath);
    const chunk2 = info.chunkOffsets[2] as number;
    data[chunk2 + 10] = (data[chunk2 + 10] as number) ^ 0x5a;
    await writeFile(d.dataPath, data);
    const src = await openDataSource(d);
    const err = await expectAgentError(readAll(src), 'E_CORRUPT_CHUNK');
    expect(err.location).toMatchObject({ file: d.dataPath, chunk: 2, offset: chunk2 });
    expect(err.message).toContain(d.dataPath);
    expect(err.message).toContain('chunk 2');
    // Chunks before the damage still read; without verification the damage shows up in decompression or passes.
    expect((await readAll(src, { end: 2 * src.chunkLength })).chunks.length).toBe(2);
    await src.close();
  });

  it('a flipped byte in an uncompressed file with CRC.db -> E_CORRUPT_CHUNK', async () => {
    const dir = await copySet('sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590', 'flipplain');
    const [desc] = await listSSTables(dir);
    const d = desc as SSTableDescriptor;
    const data = await readFile(d.dataPath);
    const at = 3 * 65536 + 77;
    data[at] = (data[at] as number) ^ 1;
    await writeFile(d.dataPath, data);
    const src = await openDataSource(d);
    const err = await expectAgentError(readAll(src), 'E_CORRUPT_CHUNK');
    expect(err.location).toMatchObject({ file: d.dataPath, chunk: 3, offset: 3 * 65536 });
    expect((await readAll(src, { verify: false })).bytes.equals(data)).toBe(true);
    await src.close();
  });

  it('a truncated compressed Data.db -> E_TRUNCATED', async () => {
    const dir = await copySet('cassandra-legacy/la/legacy_tables/legacy_la_clust', 'trunc');
    const [desc] = await listSSTables(dir);
    const d = desc as SSTableDescriptor;
    const size = statSync(d.dataPath).size;
    await truncate(d.dataPath, Math.floor(size / 2));
    const err = await expectAgentError(openDataSource(d).then(readAllAndClose), 'E_TRUNCATED');
    expect(err.location.file).toBe(d.dataPath);
    expect(err.location.chunk).toBeTypeOf('number');
  });

  it('a truncated uncompressed Data.db -> E_TRUNCATED', async () => {
    const dir = await copySet('sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590', 'truncplain');
    const [desc] = await listSSTables(dir);
    const d = desc as SSTableDescriptor;
    await truncate(d.dataPath, 5 * 65536);
    const err = await expectAgentError(openDataSource(d).then(readAllAndClose), 'E_TRUNCATED');
    expect(err.location.file).toBe(d.dataPath);
  });

  it('a file that shrinks after open -> E_TRUNCATED on the short read', async () => {
    const dir = await copySet('cassandra-legacy/ka/legacy_tables/legacy_ka_clust', 'shrink');
    const [desc] = await listSSTables(dir);
    const d = desc as SSTableDescriptor;
    const src = await openDataSource(d);
    await truncate(d.dataPath, 1000);
    const err = await expectAgentError(readAll(src), 'E_TRUNCATED');
    expect(err.location).toMatchObject({ file: d.dataPath, chunk: 0, offset: 0 });
    await src.close();
  });

  it('CompressionInfo.db deleted while TOC.txt names it -> E_MISSING_COMPONENT', async () => {
    const dir = await copySet('cassandra-legacy/mc/legacy_tables/legacy_mc_clust', 'noci');
    const [before] = await listSSTables(dir);
    await unlink((before as SSTableDescriptor).componentPath('CompressionInfo.db'));
    const desc = await describeDataFile((before as SSTableDescriptor).dataPath);
    expect(desc.components.has('CompressionInfo.db')).toBe(false);
    const err = await expectAgentError(openDataSource(desc), 'E_MISSING_COMPONENT');
    expect(err.location.file).toContain('CompressionInfo.db');
    // The stale descriptor that still lists it fails the same way.
    await expectAgentError(openDataSource(before as SSTableDescriptor), 'E_MISSING_COMPONENT');
  });

  it('a corrupt LZ4 length prefix with verification off -> E_CORRUPT_CHUNK, not a huge allocation', async () => {
    const dir = await copySet('cassandra-legacy/mc/legacy_tables/legacy_mc_simple', 'lz4len');
    const [desc] = await listSSTables(dir);
    const d = desc as SSTableDescriptor;
    const data = await readFile(d.dataPath);
    data[3] = 0x7f;
    await writeFile(d.dataPath, data);
    const src = await openDataSource(d);
    const err = await expectAgentError(readAll(src, { verify: false }), 'E_CORRUPT_CHUNK');
    expect(err.location).toMatchObject({ chunk: 0, offset: 0 });
    await expectAgentError(readAll(src), 'E_CORRUPT_CHUNK');
    await src.close();
  });

  it('chunk checksums are CRC32 for mc (a trailer recomputed with CRC32 is accepted)', async () => {
    const dir = await copySet('cassandra-legacy/mc/legacy_tables/legacy_mc_simple', 'crcmc');
    const [desc] = await listSSTables(dir);
    const d = desc as SSTableDescriptor;
    const data = await readFile(d.dataPath);
    const n = data.length - 4;
    expect(data.readUInt32BE(n)).toBe(crc32(data.subarray(0, n)));
  });
});
