import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentError } from '../../../src/errors.js';
import { parseCompressionInfo } from '../../../src/sstable/io/compression-info.js';
import { listSSTables, type SSTableDescriptor } from '../../../src/sstable/io/descriptor.js';
import { parseIndexEntries, readIndexEntries, type IndexEntry } from '../../../src/sstable/io/index-file.js';
import { readStatistics } from '../../../src/sstable/io/statistics.js';
import { parseSummary } from '../../../src/sstable/io/summary.js';
import { FIXTURES_ROOT, fixturePath, haveFixture } from '../../helpers/fixtures.js';

function sstableDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('Data.db'))) out.push(dir);
    for (const e of entries) if (e.isDirectory() && !['expected', 'commitlog', 'snapshots'].includes(e.name)) walk(join(dir, e.name));
  };
  walk(root);
  return out.sort();
}

function dataLength(desc: SSTableDescriptor): number {
  if (!desc.components.has('CompressionInfo.db')) return statSync(desc.dataPath).size;
  return parseCompressionInfo(readFileSync(desc.componentPath('CompressionInfo.db')), 'ci').dataLength;
}

async function collect(it: AsyncIterable<IndexEntry>): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const haveCorpus = haveFixture('cassandra-legacy');

describe.runIf(haveCorpus)('Index.db and Summary.db of every fixture', () => {
  const dirs = haveCorpus ? sstableDirs(FIXTURES_ROOT) : [];
  it.each(dirs.map((d) => [relative(FIXTURES_ROOT, d), d]))('%s', async (_name, dir) => {
    for (const desc of await listSSTables(dir)) {
      if (!desc.components.has('Index.db')) continue;
      const bytes = readFileSync(desc.componentPath('Index.db'));
      const parsed = parseIndexEntries(bytes, desc.version, 'Index.db');
      const streamed = await collect(readIndexEntries(desc));
      expect(streamed.map((e) => [hex(e.key), e.position, e.indexOffset])).toEqual(parsed.map((e) => [hex(e.key), e.position, e.indexOffset]));
      const len = dataLength(desc);
      expect(parsed.length).toBeGreaterThan(0);
      expect(parsed[0]?.position).toBe(0);
      for (let i = 1; i < parsed.length; i++) expect((parsed[i]?.position ?? 0) > (parsed[i - 1]?.position ?? 0)).toBe(true);
      expect((parsed[parsed.length - 1]?.position ?? len) < len).toBe(true);
      const stats = await readStatistics(desc);
      expect(parsed.length).toBe(stats.stats.estimatedPartitionCount);

      if (!desc.components.has('Summary.db')) continue;
      const summary = parseSummary(readFileSync(desc.componentPath('Summary.db')), desc.version, 'Summary.db');
      expect(hex(summary.firstKey)).toBe(hex(parsed[0]?.key ?? new Uint8Array()));
      expect(hex(summary.lastKey)).toBe(hex(parsed[parsed.length - 1]?.key ?? new Uint8Array()));
      expect(summary.entries.length).toBeGreaterThan(0);
      const byOffset = new Map(parsed.map((e) => [e.indexOffset, e]));
      for (const s of summary.entries) expect(hex(byOffset.get(s.indexPosition)?.key ?? new Uint8Array([1, 2, 3]))).toBe(hex(s.key));
      expect(summary.samplingLevel).toBeGreaterThan(0);
      expect(summary.minIndexInterval).toBeGreaterThan(0);
    }
  });
});

describe.runIf(haveCorpus)('readIndexEntries', () => {
  it('streams a 1.2 MB Index.db with promoted indexes across read boundaries, and starts at a summary position', async () => {
    const [desc] = await listSSTables(fixturePath('cassandra-legacy/ka/legacy_tables/legacy_ka_clust'));
    const d = desc as SSTableDescriptor;
    expect(statSync(d.componentPath('Index.db')).size).toBeGreaterThan(1 << 20);
    const all = await collect(readIndexEntries(d));
    expect(all.length).toBe(5);
    const from = await collect(readIndexEntries(d, { start: all[2]?.indexOffset }));
    expect(from.map((e) => e.position)).toEqual(all.slice(2).map((e) => e.position));
    const upTo = await collect(readIndexEntries(d, { end: all[3]?.indexOffset }));
    expect(upTo.length).toBe(3);
  });

  it('a truncated Index.db -> E_TRUNCATED', () => {
    const bytes = readFileSync(fixturePath('scylla/3.x/uncompressed/simple/mc-1-big-Index.db'));
    try {
      parseIndexEntries(bytes.subarray(0, bytes.length - 1), 'mc', 'Index.db');
      expect.unreachable();
    } catch (e) {
      expect(isAgentError(e) && e.code).toBe('E_TRUNCATED');
    }
  });
});
