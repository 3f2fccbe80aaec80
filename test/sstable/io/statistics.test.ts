import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentError } from '../../../src/errors.js';
import { ByteReader } from '../../../src/sstable/io/byte-reader.js';
import { isV3, listSSTables } from '../../../src/sstable/io/descriptor.js';
import { parseStatistics, parseStats, readStatistics, readToc } from '../../../src/sstable/io/statistics.js';
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

interface Expectation {
  partitioner: string;
  format: string;
  schema: { partitionKey: { name: string; type: string }[]; clustering: { name: string }[]; static: { name: string }[]; regular: { name: string }[] } | null;
}

function expectation(dir: string): Expectation {
  return JSON.parse(readFileSync(join(FIXTURES_ROOT, 'expected', `${relative(FIXTURES_ROOT, dir)}.json`), 'utf8')) as Expectation;
}

const haveCorpus = haveFixture('cassandra-legacy');

describe.runIf(haveCorpus)('Statistics.db of every fixture', () => {
  const dirs = haveCorpus ? sstableDirs(FIXTURES_ROOT) : [];
  it.each(dirs.map((d) => [relative(FIXTURES_ROOT, d), d]))('%s', async (_name, dir) => {
    const exp = expectation(dir);
    for (const desc of await listSSTables(dir)) {
      const s = await readStatistics(desc);
      expect(s.partitioner).toBe(exp.partitioner);
      expect(s.bloomFilterFpChance).toBeGreaterThan(0);
      expect(s.bloomFilterFpChance).toBeLessThanOrEqual(1);
      expect(s.stats.minTimestamp <= s.stats.maxTimestamp).toBe(true);
      expect(s.stats.estimatedPartitionCount).toBeGreaterThan(0);
      if (isV3(desc.version)) {
        expect(s.header).not.toBeNull();
        expect(s.header?.keyType).toMatch(/^org\.apache\.cassandra\.db\.marshal\./);
        expect(s.stats.totalRows).not.toBeNull();
        expect(s.stats.minTTL).not.toBeNull();
        // The header's minimum timestamp never exceeds the real minimum (it may be the writer's floor).
        expect((s.header?.minTimestamp ?? 0n) <= s.stats.minTimestamp).toBe(true);
      } else {
        expect(s.header).toBeNull();
        expect(s.stats.totalRows).toBeNull();
        expect(s.stats.minLocalDeletionTime).toBeNull();
      }
      expect(s.stats.originatingHostId === null).toBe(desc.version !== 'me');
      // STATS must end exactly where the next component (HEADER) starts, or at the end of the file.
      const bytes = readFileSync(desc.componentPath('Statistics.db'));
      const r = new ByteReader(bytes, 'stats');
      const toc = readToc(r);
      const statsAt = toc.get(2) as number;
      r.seek(statsAt, 'stats');
      parseStats(r, desc.version);
      const next = [...toc.values()].filter((o) => o > statsAt).sort((a, b) => a - b)[0] ?? bytes.length;
      expect(r.pos).toBe(next);
    }
  });
});

describe.runIf(haveCorpus)('SerializationHeader', () => {
  it('scylla/3.x/uncompressed/simple matches the expected schema', async () => {
    const dir = fixturePath('scylla/3.x/uncompressed/simple');
    const exp = expectation(dir);
    const [desc] = await listSSTables(dir);
    const s = await readStatistics(desc as NonNullable<typeof desc>);
    const h = s.header;
    expect(h).not.toBeNull();
    expect(h?.keyType).toBe('org.apache.cassandra.db.marshal.Int32Type');
    expect(h?.clusteringTypes).toEqual(['org.apache.cassandra.db.marshal.Int32Type']);
    expect(h?.clusteringTypes.length).toBe(exp.schema?.clustering.length);
    expect(h?.staticColumns.map((c) => c.name)).toEqual(exp.schema?.static.map((c) => c.name));
    expect(h?.regularColumns.map((c) => c.name)).toEqual(exp.schema?.regular.map((c) => c.name));
    expect(h?.regularColumns[0]?.type).toBe('org.apache.cassandra.db.marshal.Int32Type');
    expect(Buffer.from(h?.regularColumns[0]?.nameBytes ?? []).toString()).toBe('val');
    expect(h?.minTTL).toBe(0);
  });

  it('static columns, composite keys and DESC clustering are listed as stored', async () => {
    const [st] = await listSSTables(fixturePath('scylla/3.x/uncompressed/compound_static_row'));
    const sh = (await readStatistics(st as NonNullable<typeof st>)).header;
    expect(sh?.staticColumns.map((c) => c.name)).toEqual(['s_inet', 's_int', 's_text']);
    const [iot] = await listSSTables(fixturePath('sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590'));
    const ih = (await readStatistics(iot as NonNullable<typeof iot>)).header;
    expect(ih?.keyType).toBe('org.apache.cassandra.db.marshal.CompositeType(org.apache.cassandra.db.marshal.UUIDType,org.apache.cassandra.db.marshal.UTF8Type)');
    expect(ih?.clusteringTypes[0]).toMatch(/^org\.apache\.cassandra\.db\.marshal\.ReversedType\(/);
    expect(ih?.regularColumns.map((c) => c.name)).toEqual(['data', 'sensor_value', 'station_id']);
  });

  it('multi-byte vint lengths (long UDT type strings) decode', async () => {
    const [d] = await listSSTables(fixturePath('pcass-me/data/sina_test/users-916fa140a1c711eeae8c6d2c86545d91'));
    const h = (await readStatistics(d as NonNullable<typeof d>)).header;
    expect(h?.regularColumns.map((c) => c.name)).toEqual(['name', 'addresses', 'phone_numbers']);
    expect(h?.regularColumns.some((c) => c.type.length > 127)).toBe(true);
  });

  it('the negative (overflowed) local deletion time base decodes with 32-bit wrapping', async () => {
    const [d] = await listSSTables(fixturePath('cassandra-negative-local-expiration/mc/table1'));
    const s = await readStatistics(d as NonNullable<typeof d>);
    expect(s.header?.minLocalDeletionTime).toBeLessThan(0);
    expect(s.header?.minTTL).toBe(630720000);
  });

  it('me records the originating host id', async () => {
    const [d] = await listSSTables(fixturePath('pcass-me/data/sina_test/users-916fa140a1c711eeae8c6d2c86545d91'));
    const s = await readStatistics(d as NonNullable<typeof d>);
    expect(s.stats.originatingHostId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('parseStatistics on bad input', () => {
  it('a truncated file -> E_TRUNCATED naming the file', () => {
    const bytes = new Uint8Array([0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 28]);
    try {
      parseStatistics(bytes, 'mc', 'x-Statistics.db');
      expect.unreachable();
    } catch (e) {
      expect(isAgentError(e) && e.code).toBe('E_TRUNCATED');
      expect(isAgentError(e) && e.location.file).toBe('x-Statistics.db');
    }
  });

  it.runIf(haveCorpus)('every proper prefix of a real file fails with an AgentError, never a RangeError', () => {
    const bytes = readFileSync(fixturePath('scylla/3.x/uncompressed/simple/mc-1-big-Statistics.db'));
    for (let n = 0; n < bytes.length; n += 7) {
      try {
        parseStatistics(bytes.subarray(0, n), 'mc', 'f');
        expect.unreachable();
      } catch (e) {
        expect(isAgentError(e)).toBe(true);
      }
    }
  });
});
