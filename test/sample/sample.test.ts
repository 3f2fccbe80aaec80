import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpJsonRows } from '../../src/cli/dump.js';
import type { JsonRow } from '../../src/export/json-row.js';
import { sampleExpectedRows, writeSampleDataDir } from '../../src/sample/index.js';

const NOW = 1_750_000_000;

async function dump(dir: string, table: string, nowInSec = NOW): Promise<JsonRow[]> {
  const rows: JsonRow[] = [];
  for await (const b of dumpJsonRows([dir], { nowInSec, keyspace: 'sample', table })) rows.push(...b);
  return rows;
}

describe('sample data directory', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sample-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('dumps with no --schema to the rows of the generator model', async () => {
    const { keyspace, tables } = await writeSampleDataDir(dir);
    expect(keyspace).toBe('sample');
    expect(tables.sort()).toEqual(['all_types', 'collections', 'counters']);
    const expected = sampleExpectedRows(NOW);
    for (const t of tables) {
      const got = await dump(dir, t);
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(expected[t]);
    }
    expect(await readdir(join(dir, 'system_schema'))).toEqual(expect.arrayContaining([
      'keyspaces-abac5682dea631c5b535b3d6cffd0fb6', 'tables-afddfb9dbc1e30688056eed6c302ba09',
      'columns-24101c25a2ae3af787c1b40ee1aca33f', 'types-5a8b1ca866023f77a0459273d308917a',
      'dropped_columns-5e7583b5f3f43af19a39b7e1d6f5f11f',
    ]));
  });

  it('expires the ten-year TTLs after 2033 and is deterministic', async () => {
    const later = 2_100_000_000;
    expect(await dump(dir, 'all_types', later)).toEqual(sampleExpectedRows(later)['all_types']);
    expect(sampleExpectedRows(later)['all_types']?.length).toBeLessThan(sampleExpectedRows(NOW)['all_types']?.length ?? 0);
    const again = await mkdtemp(join(tmpdir(), 'sample-'));
    try {
      await writeSampleDataDir(again);
      const a = await readFile(join(dir, 'sample', 'all_types-5a3e0c10b6a111eea1b2d3c4e5f60001', 'me-1-big-Data.db'));
      const b = await readFile(join(again, 'sample', 'all_types-5a3e0c10b6a111eea1b2d3c4e5f60001', 'me-1-big-Data.db'));
      expect(a.equals(b)).toBe(true);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('scales with rows', async () => {
    const big = await mkdtemp(join(tmpdir(), 'sample-'));
    try {
      await writeSampleDataDir(big, { rows: 3000 });
      const expected = sampleExpectedRows(NOW, { rows: 3000 });
      const got = await dump(big, 'collections');
      expect(got).toEqual(expected['collections']);
      expect(got.length).toBeGreaterThan(800);
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  });
});
