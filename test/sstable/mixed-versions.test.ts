/**
 * A table caught mid-upgrade: real Cassandra 2.1 (`ka`) and 2.2 (`la`) SSTables plus a 3.x (`me`)
 * SSTable written by the project's writer, merged as one table. The newer 3.x writes must win by
 * timestamp over the 2.x cells, deletions must shadow older 2.x data, and untouched rows survive.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { writeSSTable, type WritePartition } from '../../src/sstable/writer/index.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

const CQL = 'CREATE TABLE foo.atable (pk int PRIMARY KEY, val int)';
const KA = 'cassandra-bloomfilter/ka/foo/atable';
const LA = 'cassandra-bloomfilter/la/foo/atable';
// All 2.x writes of these sets were made in April 2015 (µs timestamps below 1.43e15).
const LATER = 1_600_000_000_000_000n;

function intKey(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
}

async function dump(paths: string[], schemaFile?: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const b of dumpJsonRows(paths, schemaFile === undefined ? { nowInSec: 1_700_000_000 } : { nowInSec: 1_700_000_000, schemaFile })) out.push(...b);
  return out;
}

describe.runIf(haveFixture('cassandra-bloomfilter'))('mixed 2.x and 3.x SSTables of one table', () => {
  it('merges ka + la + me with 3.x updates, a row deletion and a partition deletion', async () => {
    const schema = parseCqlSchema(CQL).tables[0] as TableSchema;
    const dir = await mkdtemp(join(tmpdir(), 'ce-mixed-'));
    // pk 3: new value; pk 4: row (primary key) deletion; pk 7: partition deletion; pk 42: a new row.
    const parts: WritePartition[] = [
      { key: [3], rows: [{ clustering: [], liveness: { timestamp: LATER }, cells: { val: { value: 333 } } }] },
      { key: [4], rows: [{ clustering: [], deletion: { markedForDeleteAt: LATER, localDeletionTime: 1_600_000_000 } }] },
      { key: [7], deletion: { markedForDeleteAt: LATER, localDeletionTime: 1_600_000_000 } },
      { key: [42], rows: [{ clustering: [], liveness: { timestamp: LATER }, cells: { val: { value: 4242 } } }] },
    ];
    parts.sort((a, b) => {
      const ta = murmur3Token(intKey((a.key as number[])[0] as number));
      const tb = murmur3Token(intKey((b.key as number[])[0] as number));
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    });
    await writeSSTable(dir, schema, parts, { generation: 9, compression: 'lz4', nowInSec: 1_600_000_000 });
    const schemaFile = join(dir, 'schema.cql');
    await (await import('node:fs/promises')).writeFile(schemaFile, CQL);

    const rows = await dump([fixturePath(KA), fixturePath(LA), join(dir, 'me-9-big-Data.db')], schemaFile);
    const byPk = new Map(rows.map((r) => [r['pk'], r['val']]));
    expect(byPk.get(3)).toBe(333);
    expect(byPk.has(4)).toBe(false);
    expect(byPk.has(7)).toBe(false);
    expect(byPk.get(42)).toBe(4242);
    for (const k of [1, 2, 5, 6, 8, 9, 10]) expect(byPk.get(k)).toBe(k);
    expect(rows).toHaveLength(9);
    // partition order is Murmur3 token order across all three formats
    const tokens = rows.map((r) => murmur3Token(intKey(r['pk'] as number)));
    for (let i = 1; i < tokens.length; i++) expect((tokens[i - 1] as bigint) < (tokens[i] as bigint)).toBe(true);
    // the source order does not matter
    expect(await dump([join(dir, 'me-9-big-Data.db'), fixturePath(LA), fixturePath(KA)], schemaFile)).toEqual(rows);
  });
});
