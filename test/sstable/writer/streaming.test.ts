/**
 * Streaming: a ~50 MB partition is written from a generator without holding it, gets a promoted index,
 * and reads back; process memory stays bounded.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateTable } from '../../../src/catalog/locate.js';
import { readIndexEntries } from '../../../src/sstable/io/index-file.js';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import { closeAll, openSSTable, sstableEvents } from '../../../src/sstable/table.js';
import { writeSSTable, type WritePartition, type WriteUnfiltered } from '../../../src/sstable/writer/index.js';

const schema = parseCqlSchema('CREATE TABLE ks.big (k int, c int, v blob, PRIMARY KEY (k, c));').tables[0];
const ROWS = 50_000;
const VALUE = new Uint8Array(1000).fill(7);

async function* rows(): AsyncGenerator<WriteUnfiltered> {
  for (let c = 0; c < ROWS; c++) {
    // a fresh value each row: nothing the writer keeps may reference it
    yield { clustering: [c], liveness: { timestamp: 1_000_000n + BigInt(c) }, cells: { v: { value: VALUE.slice() } } };
  }
}

describe('streaming writer', () => {
  it('writes a 50 MB partition with bounded memory and a promoted index', async () => {
    if (schema === undefined) throw new Error('schema');
    const dir = await mkdtemp(join(tmpdir(), 'writer-big-'));
    try {
      const tableDir = join(dir, 'ks', 'big-00000000000000000000000000000002');
      await mkdir(tableDir, { recursive: true });
      const before = process.memoryUsage().rss;
      const partitions: WritePartition[] = [{ key: [1], rows: rows() }];
      const w = await writeSSTable(tableDir, schema, partitions, { generation: 1, compression: 'lz4', nowInSec: 1_700_000_000 });
      const grown = process.memoryUsage().rss - before;
      expect(w.dataLength).toBeGreaterThan(50_000_000);
      expect(grown).toBeLessThan(40 * 1024 * 1024);
      const loc = await locateTable([tableDir]);
      const d = loc.sstables[0];
      if (d === undefined) throw new Error('not written');
      const entries = [];
      for await (const e of readIndexEntries(d)) entries.push(e);
      expect(entries).toHaveLength(1);
      // key (u16 + 4 bytes), position uvint 00, then a non-zero promotedSize: ~770 blocks of 64 KiB
      const index = await readFile(d.componentPath('Index.db'));
      expect(index[6]).toBe(0);
      expect(index[7]).not.toBe(0);
      expect(index.length).toBeGreaterThan(700 * 20);
      const t = await openSSTable(d);
      let count = 0;
      let last = -1;
      try {
        for await (const b of sstableEvents(t, schema)) {
          for (const e of b) {
            if (e.kind !== 'row') continue;
            const c = new DataView(e.clustering[0]?.buffer ?? new ArrayBuffer(4), e.clustering[0]?.byteOffset ?? 0).getInt32(0);
            expect(c).toBe(last + 1);
            last = c;
            count++;
          }
        }
      } finally {
        await closeAll([t]);
      }
      expect(count).toBe(ROWS);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
