import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adler32, crc32 } from '../../../src/sstable/io/checksum.js';
import { chunkChecksumAlgorithm, listSSTables } from '../../../src/sstable/io/descriptor.js';
import { FIXTURES_ROOT, haveFixture } from '../../helpers/fixtures.js';

/** Byte-at-a-time Adler-32 straight from RFC 1950, as the reference. */
function adlerReference(data: Uint8Array, initial = 1): number {
  let a = initial & 0xffff;
  let b = initial >>> 16;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('checksums', () => {
  it('match the published check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(adler32(ascii('Wikipedia'))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('adler32 equals the byte-at-a-time reference, also across its 5552-byte blocks', () => {
    const big = new Uint8Array(5552 * 3 + 17).fill(0xff);
    expect(adler32(big)).toBe(adlerReference(big));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20000 }), (data) => {
      expect(adler32(data)).toBe(adlerReference(data));
    }), { numRuns: 200 });
  });

  it('adler32 equals the reference at every alignment, length and start value (word-wise middle, byte-wise ends)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 12000 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 65520 }),
      fc.integer({ min: 0, max: 65520 }),
      (bytes, lead, trail, a0, b0) => {
        const view = bytes.subarray(Math.min(lead, bytes.length), Math.max(Math.min(lead, bytes.length), bytes.length - trail));
        const initial = ((b0 << 16) | a0) >>> 0;
        expect(adler32(view, initial)).toBe(adlerReference(view, initial));
      },
    ), { numRuns: 300 });
    // worst case for the deferred reduction: all 0xff from the largest start value, at every alignment
    const ones = new Uint8Array(5552 * 4 + 11).fill(0xff);
    for (let off = 0; off < 4; off++) {
      const v = ones.subarray(off);
      expect(adler32(v, 0xfff0fff0)).toBe(adlerReference(v, 0xfff0fff0));
    }
  });

  it('continue a running value: f(b, f(a)) === f(a ++ b)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
      const ab = new Uint8Array(a.length + b.length);
      ab.set(a);
      ab.set(b, a.length);
      expect(adler32(b, adler32(a))).toBe(adler32(ab));
      expect(crc32(b, crc32(a))).toBe(crc32(ab));
    }));
  });
});

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

const haveCorpus = haveFixture('cassandra-legacy');

/**
 * Fixtures whose Digest matches no whole-file checksum although every chunk checksum is valid (see
 * data-source.test.ts): their Data.db was altered after writing (hand-crafted test cases, a Scylla
 * re-packaging), so the digest is stale. Found by this test; listed so that any new mismatch fails.
 */
const STALE_DIGESTS = [
  'cassandra-legacy/ka/legacy_tables/legacy_ka_14912/legacy_tables-legacy_ka_14912-ka-1-Data.db',
  'scylla/older/compressed/la-1-big-Data.db',
  'scylla/older/ka/wrong_range_tombstone_order/ks/wrong_range_tombstone_order-1c6ace40fad111e7b9cf000000000002/ks-wrong_range_tombstone_order-ka-1-Data.db',
];

describe.runIf(haveCorpus)('Digest component equals the checksum of the whole Data.db (P13)', () => {
  const dirs = haveCorpus ? sstableDirs(FIXTURES_ROOT) : [];
  it('covers every version', async () => {
    const seen = new Set<string>();
    let checked = 0;
    const mismatches: string[] = [];
    for (const dir of dirs) {
      for (const desc of await listSSTables(dir)) {
        const digest = [...desc.components].find((c) => c.startsWith('Digest.'));
        if (digest === undefined) continue;
        const stored = Number(readFileSync(desc.componentPath(digest), 'utf8').trim());
        const data = readFileSync(desc.dataPath);
        const algorithm = chunkChecksumAlgorithm(desc.version);
        const actual = algorithm === 'crc32' ? crc32(data) : adler32(data);
        if (actual !== stored) {
          // Neither algorithm may match: a stale digest, not a wrong algorithm choice.
          expect(crc32(data)).not.toBe(stored);
          expect(adler32(data)).not.toBe(stored);
          mismatches.push(relative(FIXTURES_ROOT, desc.dataPath));
        }
        seen.add(`${desc.version}:${digest}`);
        checked++;
      }
    }
    expect(mismatches.sort()).toEqual(STALE_DIGESTS);
    expect(checked).toBeGreaterThan(120);
    // ka writes Digest.sha1 holding Adler-32; la Digest.adler32; ma+ Digest.crc32.
    for (const k of ['ka:Digest.sha1', 'la:Digest.adler32', 'ma:Digest.crc32', 'mb:Digest.crc32', 'mc:Digest.crc32', 'md:Digest.crc32', 'me:Digest.crc32']) {
      expect(seen.has(k), k).toBe(true);
    }
  });
});
