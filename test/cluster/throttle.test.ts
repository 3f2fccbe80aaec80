/** Per-node bandwidth limit: token bucket arithmetic on a fake clock, and a real throttled read. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onDiskChunkCost, throttleSSTable, TokenBucket, mbpsToBytesPerSecond, type Clock } from '../../src/cluster/throttle.js';
import { locateTable } from '../../src/catalog/locate.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { closeAll, openSSTable, tableRows } from '../../src/sstable/table.js';
import { writeSSTable } from '../../src/sstable/writer/index.js';

function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => { slept.push(ms); t += ms; },
  };
}

describe('TokenBucket', () => {
  it('lets the burst through, then charges time at the rate, chunks larger than the burst included', async () => {
    const clock = fakeClock();
    const b = new TokenBucket(1000, { burstBytes: 500, clock });
    await b.take(500);
    expect(clock.slept).toEqual([]);
    await b.take(250);
    expect(clock.slept).toEqual([250]);
    await b.take(2000);
    expect(clock.slept).toEqual([250, 2000]);
    // 10 000 bytes at 1000 B/s take 10 s however they are cut (after the burst)
    const c2 = fakeClock();
    const b2 = new TokenBucket(1000, { burstBytes: 1, clock: c2 });
    for (let i = 0; i < 100; i++) await b2.take(100);
    expect(c2.now()).toBeGreaterThanOrEqual(9_999);
    expect(c2.now()).toBeLessThanOrEqual(10_000);
  });

  it('refills while idle, up to the burst only', async () => {
    const clock = fakeClock();
    const b = new TokenBucket(100, { burstBytes: 100, clock });
    await b.take(100);
    await clock.sleep(60_000);
    await b.take(150);
    expect(clock.slept.at(-1)).toBe(500);
  });

  it('rejects bad limits; MB/s are 10^6 bytes', () => {
    expect(() => new TokenBucket(0)).toThrow(/positive/);
    expect(() => mbpsToBytesPerSecond(-1)).toThrow(/MB\/s/);
    expect(mbpsToBytesPerSecond(2.5)).toBe(2_500_000);
  });
});

describe('throttled SSTable reads', () => {
  it('reads the same rows, no faster than the limit, charging on-disk (compressed) bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ce-throttle-'));
    try {
      const schema = parseCqlSchema('CREATE TABLE ks.t (pk int PRIMARY KEY, v text);').tables[0] as TableSchema;
      const keys = Array.from({ length: 2000 }, (_, i) => i).sort((a, b) => {
        const t = (k: number): bigint => murmur3Token(new Uint8Array([k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255]));
        return t(a) < t(b) ? -1 : 1;
      });
      await writeSSTable(dir, schema, keys.map((k) => ({ key: [k], rows: [{ clustering: [], liveness: { timestamp: 1n }, cells: { v: { value: `value ${k} `.repeat(20) } } }] })), { generation: 1, compression: 'lz4', chunkLength: 4096, nowInSec: 1 });
      const [desc] = (await locateTable([dir])).sstables;
      if (desc === undefined) throw new Error('not written');
      const plain = await openSSTable(desc);
      const cost = await onDiskChunkCost(plain);
      let onDisk = 0;
      for await (const c of plain.data.chunks()) onDisk += cost(c);
      expect(onDisk).toBeLessThan(plain.data.uncompressedLength);
      const rate = 200_000;
      const throttled = await throttleSSTable(await openSSTable(desc), new TokenBucket(rate, { burstBytes: 1 }));
      const t0 = performance.now();
      let rows = 0;
      for await (const b of tableRows([throttled], schema, { nowInSec: 1 })) rows += b.length;
      const ms = performance.now() - t0;
      expect(rows).toBe(2000);
      expect(ms).toBeGreaterThanOrEqual((onDisk / rate) * 1000 * 0.9);
      await closeAll([plain, throttled]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
