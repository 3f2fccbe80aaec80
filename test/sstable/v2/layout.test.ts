/**
 * findColumnFast (the per-cell column lookup of the 2.x reader) agrees with the binary search over the
 * sorted names for any set of column names and any looked-up name: known names, unknown ones, names that
 * share a slot, and the empty name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import { buildV2Layout, findColumnFast, findColumnIndex } from '../../../src/sstable/v2/layout.js';

const utf8 = new TextEncoder();
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,9}$/);

function layoutOf(names: readonly string[]): ReturnType<typeof buildV2Layout> {
  const cols = names.map((n) => `"${n}" int`).join(', ');
  const schema = parseCqlSchema(`CREATE TABLE ks.t (pk int, ck int, ${cols}, PRIMARY KEY (pk, ck))`).tables[0];
  if (schema === undefined) throw new Error('no table');
  return buildV2Layout(schema, 'Data.db');
}

describe('findColumnFast', () => {
  it('equals findColumnIndex for known, unknown and slot-sharing names', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 40 }), fc.array(name, { maxLength: 20 }), (names, others) => {
        const l = layoutOf(names.filter((n) => n !== 'pk' && n !== 'ck').concat(names.includes('v') ? [] : ['v']));
        for (const q of [...names, ...others, '', 'pk', 'zz_not_there']) {
          const bytes = utf8.encode(`..${q}.`);
          const want = findColumnIndex(l, bytes, 2, bytes.length - 1);
          expect(findColumnFast(l, bytes, 2, bytes.length - 1), q).toBe(want);
          if (names.includes(q) && q !== 'pk' && q !== 'ck') expect(want).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds both columns of a slot they share', () => {
    // same length, first and last byte: one slot
    const l = layoutOf(['tabe', 'tase', 'v']);
    for (const q of ['tabe', 'tase', 'tave']) {
      const bytes = utf8.encode(q);
      expect(findColumnFast(l, bytes, 0, bytes.length)).toBe(findColumnIndex(l, bytes, 0, bytes.length));
    }
    expect(findColumnFast(l, utf8.encode('tave'), 0, 4)).toBe(-1);
    expect(l.columns[findColumnFast(l, utf8.encode('tase'), 0, 4)]?.name).toBe('tase');
  });
});
