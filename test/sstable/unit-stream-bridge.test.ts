/**
 * The driver's bridge (unit-stream.ts): a structure straddling two large chunks is decoded in a small
 * stitched copy and decoding goes on in the next chunk itself. Events must not depend on where the
 * chunks are cut, including structures larger than the copied bytes (the full-stitch fallback) and
 * cuts that fall inside, right before or right after them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { SSTableEvent } from '../../src/sstable/model.js';
import { buildV2Layout } from '../../src/sstable/v2/layout.js';
import { readV2 } from '../../src/sstable/v2/reader.js';
import { MAX_BATCH } from '../../src/sstable/unit-stream.js';
import { cat, cell, comp, partition, source } from '../helpers/v2-bytes.js';

const schema = parseCqlSchema('CREATE TABLE ks.t (k int, c int, v text, b blob, PRIMARY KEY (k, c))').tables[0];

/** ~200 KB of partitions; every 7th row holds a 6 KB blob, larger than the bridge's copied bytes. */
function data(): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let k = 0; k < 40; k++) {
    const atoms: Uint8Array[] = [];
    for (let c = 0; c < 60; c++) {
      atoms.push(cell(comp([c, '']), { ts: 1 }));
      if (c % 7 === 3) atoms.push(cell(comp([c, 'b']), { ts: 1, value: new Uint8Array(6000).fill(c) }));
      atoms.push(cell(comp([c, 'v']), { ts: 1, value: `value ${k}/${c}` }));
    }
    parts.push(partition(k, atoms));
  }
  return cat(...parts);
}

const hex = (b: Uint8Array | null): string => (b === null ? '-' : Buffer.from(b).toString('hex'));

function render(events: SSTableEvent[]): string {
  return events
    .map((e) => {
      if (e.kind === 'partition') return `P ${hex(e.key)} @${e.position}`;
      if (e.kind === 'row') return `R ${e.clustering.map(hex).join(',')} ${e.cells.map((c) => `${c.column}:${hex(c.path)}=${hex(c.value)}@${c.timestamp}`).join(' ')}`;
      return e.kind;
    })
    .join('\n');
}

async function read(bytes: Uint8Array, sizes: number[]): Promise<string> {
  if (schema === undefined) throw new Error('no table');
  const src = source(bytes, sizes);
  const out: SSTableEvent[] = [];
  for await (const b of readV2(src, buildV2Layout(schema, src.path))) out.push(...b);
  return render(out);
}

describe('unit-stream bridge over large chunks', () => {
  const bytes = data();

  it('cuts a chunk\'s events into batches of MAX_BATCH, between structures', async () => {
    if (schema === undefined) throw new Error('no table');
    const src = source(bytes, [bytes.length]);
    const sizes: number[] = [];
    const all: SSTableEvent[] = [];
    for await (const b of readV2(src, buildV2Layout(schema, src.path))) {
      sizes.push(b.length);
      all.push(...b);
    }
    // one chunk of 40 partitions of 60 rows (62 events each): one batch before the cap, 14 now
    expect(sizes.length).toBeGreaterThanOrEqual(all.length / (MAX_BATCH + 62));
    expect(sizes.length).toBeGreaterThan(1);
    // every batch but the last is cut at the first step boundary at or past MAX_BATCH; a 2.x step here
    // may emit up to a whole partition's 62 events
    for (const n of sizes.slice(0, -1)) expect(n >= MAX_BATCH && n < MAX_BATCH + 62).toBe(true);
    expect((sizes.at(-1) ?? 0) > 0).toBe(true);
    expect(render(all)).toBe(await read(bytes, [64_000, 64_000, 64_000, 64_000]));
  });

  it('gives the events of one whole buffer for any cut into chunks larger than the bridge', async () => {
    expect(bytes.length).toBeGreaterThan(150_000);
    const want = await read(bytes, [bytes.length]);
    expect(want.split('\n').filter((l) => l === 'end')).toHaveLength(40);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 8193, max: 40_000 }), { minLength: 1, maxLength: 12 }), async (sizes) => {
        expect(await read(bytes, sizes)).toBe(want);
      }),
      { numRuns: 40 },
    );
  });

  it('a cut inside every large value takes the full-stitch fallback and loses nothing', async () => {
    const want = await read(bytes, [bytes.length]);
    // chunks of 9000 bytes cut into many of the 6 KB values
    expect(await read(bytes, [9000])).toBe(want);
    expect(await read(bytes, [8200, 12_345, 9999])).toBe(want);
  });
});
