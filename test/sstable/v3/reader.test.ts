import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../../src/schema/model.js';
import { describeDataFile } from '../../../src/sstable/io/descriptor.js';
import type { DataSource } from '../../../src/sstable/io/data-source.js';
import { ViewCell, type SSTableEvent } from '../../../src/sstable/model.js';
import { openSSTable } from '../../../src/sstable/table.js';
import { buildV3Layout } from '../../../src/sstable/v3/layout.js';
import { readV3 } from '../../../src/sstable/v3/reader.js';
import { fixturePath, haveFixture } from '../../helpers/fixtures.js';
import { readAllBytes, splitSource } from '../../helpers/split-source.js';

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  // a cell as its logical content, not its (chunk-sized, split-dependent) backing buffer
  if (v instanceof ViewCell) return plain({ column: v.column, timestamp: v.timestamp, ttl: v.ttl, ldt: v.localDeletionTime, path: v.path, value: v.value });
  if (v instanceof Uint8Array) return `0x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (v instanceof Map) return [...v].map(([k, x]) => [plain(k), plain(x)]);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function canon(events: readonly SSTableEvent[]): string {
  return JSON.stringify(plain(events));
}

async function collect(src: DataSource, schema: TableSchema, header: Parameters<typeof buildV3Layout>[0], start?: number): Promise<SSTableEvent[]> {
  const out: SSTableEvent[] = [];
  const layout = buildV3Layout(header, schema, schema.columns, src.path);
  for await (const b of readV3(src, layout, start === undefined ? {} : { start })) out.push(...b);
  return out;
}

// Sets with statics, collections, range tombstones, large partitions and many columns.
const SETS = [
  'scylla/3.x/uncompressed/slicing_interleaved_rows_and_rts',
  'scylla/3.x/uncompressed/collections',
  'scylla/3.x/uncompressed/compound_static_row',
  'scylla/3.x/uncompressed/large_subset_of_columns_sparse',
  'cassandra-legacy/mc/legacy_tables/legacy_mc_clust',
];

describe.runIf(haveFixture('scylla', '3.x', 'uncompressed'))('3.x reader: any chunk split yields the same events', () => {
  for (const set of SETS) {
    it(set, async () => {
      const expected = (await import(fixturePath('expected', `${set}.json`), { with: { type: 'json' } })) as { default: { schema: { cql: string }; sstables: string[] } };
      const schema = parseCqlSchema(expected.default.schema.cql, { defaultKeyspace: 'ks' }).tables[0] as TableSchema;
      const desc = await describeDataFile(join(fixturePath(set), expected.default.sstables[0] as string));
      const opened = await openSSTable(desc, { index: false });
      const header = opened.statistics.header;
      if (header === null) throw new Error('no header');
      const bytes = await readAllBytes(opened.data);
      const baseline = canon(await collect(opened.data, schema, header));
      await opened.data.close();
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: Math.max(2, Math.ceil(bytes.length / 3)) }), { minLength: 1, maxLength: 40 }), async (sizes) => {
          const got = canon(await collect(splitSource(desc.dataPath, bytes, sizes), schema, header));
          expect(got).toBe(baseline);
        }),
        { numRuns: 25 },
      );
    });
  }

  it('starts at a partition offset and reads the same tail', async () => {
    const set = 'scylla/3.x/uncompressed/filtering_and_forwarding';
    const expected = (await import(fixturePath('expected', `${set}.json`), { with: { type: 'json' } })) as { default: { schema: { cql: string }; sstables: string[] } };
    const schema = parseCqlSchema(expected.default.schema.cql, { defaultKeyspace: 'ks' }).tables[0] as TableSchema;
    const desc = await describeDataFile(join(fixturePath(set), expected.default.sstables[0] as string));
    const opened = await openSSTable(desc, { index: false });
    const header = opened.statistics.header;
    if (header === null) throw new Error('no header');
    const all = await collect(opened.data, schema, header);
    const starts = all.flatMap((e, i) => (e.kind === 'partition' ? [[i, e.position] as const] : []));
    expect(starts.length).toBeGreaterThan(1);
    const [idx, pos] = starts[1] as readonly [number, number];
    expect(canon(await collect(opened.data, schema, header, pos))).toBe(canon(all.slice(idx)));
    await opened.data.close();
  });
});
