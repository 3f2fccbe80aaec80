import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3Hash1 } from '../../../src/merge/murmur3.js';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import { murmur3x64_128, writeSSTable } from '../../../src/sstable/writer/index.js';
import { BloomFilterBuilder } from '../../../src/sstable/writer/bloom-filter.js';
import { ByteSink } from '../../../src/sstable/writer/byte-sink.js';

describe('murmur3x64_128', () => {
  it('h1 equals the partitioner hash (tail sign extension included)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), (k) => {
      expect(murmur3x64_128(k)[0]).toBe(murmur3Hash1(k));
    }));
    expect(murmur3x64_128(Uint8Array.of(0xff, 0x80))[0]).toBe(8915363533249992128n);
  });
});

describe('bloom filter', () => {
  it('matches Cassandra 3.0 Filter.db for the keys vpupkin and jbellis (pcass users)', () => {
    const b = new BloomFilterBuilder();
    b.add(new TextEncoder().encode('vpupkin'));
    b.add(new TextEncoder().encode('jbellis'));
    expect(Buffer.from(b.build()).toString('hex')).toBe('00000005000000010602040020044010');
  });
});

describe('ByteSink vints', () => {
  it('writes the shortest uvint forms of §5.1', () => {
    const cases: [bigint, string][] = [[0n, '00'], [127n, '7f'], [128n, '8080'], [16383n, 'bfff'], [16384n, 'c04000'], [-1n, 'ffffffffffffffffff']];
    for (const [v, hex] of cases) {
      const s = new ByteSink(1);
      s.uvintBig(v);
      expect(Buffer.from(s.view()).toString('hex')).toBe(hex);
    }
  });
});

describe('input checks', () => {
  const schema = parseCqlSchema('CREATE TABLE ks.t (k int, c int, v int, PRIMARY KEY (k, c));').tables[0];
  async function attempt(parts: Parameters<typeof writeSSTable>[2]): Promise<unknown> {
    if (schema === undefined) throw new Error('schema');
    const dir = await mkdtemp(join(tmpdir(), 'writer-bad-'));
    try {
      await mkdir(dir, { recursive: true });
      await writeSSTable(dir, schema, parts, { generation: 1, compression: 'none', nowInSec: 1 });
      return await readFile(join(dir, 'me-1-big-TOC.txt'), 'utf8');
    } catch (e) {
      return e;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  it('rejects partitions out of token order and rows out of clustering order', async () => {
    // tokens: int 1 -> -4069959284402364209, int 2 -> -3248873570005575792
    expect(await attempt([{ key: [2] }, { key: [1] }])).toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(await attempt([{ key: [1] }, { key: [1] }])).toMatchObject({ code: 'E_BAD_ARGUMENT' });
    const ts = { timestamp: 1n };
    expect(await attempt([{ key: [1], rows: [{ clustering: [2], liveness: ts }, { clustering: [1], liveness: ts }] }])).toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(await attempt([{ key: [1], rows: [{ clustering: [1], cells: { v: { value: 1 } } }] }])).toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(await attempt([{ key: [1], rows: [{ clustering: [1], liveness: ts, cells: { nope: { value: 1 } } }] }])).toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(await attempt([])).toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(await attempt([{ key: [1], rows: [{ kind: 'range', start: { values: [1], inclusive: true }, end: { values: [5], inclusive: true }, deletion: { markedForDeleteAt: 2n, localDeletionTime: 1 } }, { kind: 'range', start: { values: [3], inclusive: true }, end: { values: [6], inclusive: true }, deletion: { markedForDeleteAt: 2n, localDeletionTime: 1 } }] }])).toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(await attempt([{ key: [1], rows: [{ clustering: [1], liveness: ts }] }])).toBe('Data.db\nSummary.db\nTOC.txt\nStatistics.db\nDigest.crc32\nIndex.db\nFilter.db\nCRC.db\n');
  });
});
