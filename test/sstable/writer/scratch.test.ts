import { it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseStatistics } from '../../../src/sstable/io/statistics.js';
import { fixturePath } from '../../helpers/fixtures.js';

const sets = ['pcass-me/data/sina_test/users-916fa140a1c711eeae8c6d2c86545d91', 'pcass-me/data/system_schema/tables-afddfb9dbc1e30688056eed6c302ba09', 'cassandra-legacy/mc/legacy_tables/legacy_mc_simple', 'scylla/3.x/uncompressed/write_different_types', 'scylla/3.x/uncompressed/write_simple_range_tombstone'];
it('dump', () => {
  for (const s of sets) {
    const dir = fixturePath(s);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('Statistics.db'))) {
      const st = parseStatistics(readFileSync(join(dir, f)), f.slice(0, 2) as 'me', f);
      console.log(s, f, JSON.stringify(st, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v), 1));
    }
  }
});
