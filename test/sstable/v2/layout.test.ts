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
const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
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
          // with 8 bytes after the name's start (word compares) and without (byte compares)
          for (const bytes of [utf8.encode(`..${q}.........`), utf8.encode(`..${q}.`)]) {
            const end = 2 + utf8.encode(q).length;
            const want = findColumnIndex(l, bytes, 2, end);
            expect(findColumnFast(l, bytes, dv(bytes), 2, end), q).toBe(want);
          }
          const bytes = utf8.encode(`..${q}.`);
          const want = findColumnIndex(l, bytes, 2, bytes.length - 1);
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
      expect(findColumnFast(l, bytes, dv(bytes), 0, bytes.length)).toBe(findColumnIndex(l, bytes, 0, bytes.length));
    }
    expect(findColumnFast(l, utf8.encode('tave'), dv(utf8.encode('tave')), 0, 4)).toBe(-1);
    const tase = utf8.encode('tase....');
    expect(l.columns[findColumnFast(l, tase, dv(tase), 0, 4)]?.name).toBe('tase');
  });

  it('the word compares see every byte of the name, not just its slot', () => {
    // one column per slot; names that differ from it in one inner byte only
    const l = layoutOf(['abcdefgh', 'qty', 'v']);
    for (const [q, hit] of [['abcdefgh', true], ['abcdXfgh', false], ['abXdefgh', false], ['qty', true], ['qXy', false]] as const) {
      const bytes = utf8.encode(`${q}........`);
      const i = findColumnFast(l, bytes, dv(bytes), 0, q.length);
      expect(i >= 0, q).toBe(hit);
      if (hit) expect(l.columns[i]?.name).toBe(q);
    }
  });
});
