/**
 * Merging the SSTables of one table does not depend on the order they are given in, on real
 * multi-SSTable fixtures (Cassandra 3.0.29 system tables, each flushed several times).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

async function dump(paths: string[]): Promise<string> {
  const out: string[] = [];
  for await (const b of dumpJsonRows(paths, { nowInSec: 1_700_000_000 })) for (const r of b) out.push(JSON.stringify(r));
  return out.join('\n');
}

const TABLES = [
  'pcass-me/data/system/local-7ad54392bcdd35a684174e047860b377',
  'pcass-me/data/system_schema/columns-24101c25a2ae3af787c1b40ee1aca33f',
  'pcass-me/data/system_schema/tables-afddfb9dbc1e30688056eed6c302ba09',
];

describe.runIf(haveFixture('pcass-me'))('merge of several SSTables', () => {
  for (const t of TABLES) {
    it(`${t}: same rows in every source order, and a source merged with itself changes nothing`, async () => {
      const dir = fixturePath(t);
      const data = readdirSync(dir).filter((f) => f.endsWith('-Data.db')).map((f) => join(dir, f));
      expect(data.length).toBeGreaterThan(1);
      const baseline = await dump(data);
      expect(baseline.length).toBeGreaterThan(0);
      for (const p of permutations(data)) expect(await dump(p)).toBe(baseline);
      expect(await dump([...data, ...data])).toBe(baseline);
    });
  }
});
