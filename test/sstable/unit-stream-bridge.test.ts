/**
 * The driver's bridge (unit-stream.ts): a structure straddling two large chunks is decoded in a small
 * stitched copy and decoding goes on in the next chunk itself. Events must not depend on where the
 * chunks are cut, including structures larger than the copied bytes (the full-stitch fallback) and
 * cuts that fall inside, right before or right after them. And the driver closes the chunk iterator
 * however a read ends (it does so outside the decoding loop's own generator: see decodeUnits).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { DataSource } from '../../src/sstable/io/data-source.js';
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

  /** `src` counting its `chunks` calls and its chunk iterators' `next` and `return` calls. */
  function counted(src: DataSource): { src: DataSource; iterations: () => number; nexts: () => number; returns: () => number } {
    let iterations = 0;
    let nexts = 0;
    let returns = 0;
    const wrapped: DataSource = {
      ...src,
      chunks(opts) {
        iterations++;
        const it = src.chunks(opts)[Symbol.asyncIterator]();
        return {
          [Symbol.asyncIterator]: () => ({
            next: () => {
              nexts++;
              return it.next();
            },
            return: async () => {
              returns++;
              return (await it.return?.()) ?? { done: true, value: undefined };
            },
          }),
        };
      },
    };
    return { src: wrapped, iterations: () => iterations, nexts: () => nexts, returns: () => returns };
  }

  it('closes the chunk iterator once at the end, on an early stop and on a truncation error', async () => {
    if (schema === undefined) throw new Error('no table');
    const whole = counted(source(bytes, [20_000]));
    let events = 0;
    for await (const b of readV2(whole.src, buildV2Layout(schema, whole.src.path))) events += b.length;
    expect(events).toBeGreaterThan(40 * 60);
    expect(whole.returns()).toBe(1);

    const early = counted(source(bytes, [20_000]));
    for await (const b of readV2(early.src, buildV2Layout(schema, early.src.path))) if (b.length > 0) break;
    expect(early.returns()).toBe(1);
    expect(early.nexts()).toBeLessThan(3);

    const cut = bytes.subarray(0, bytes.length - 100);
    const truncated = counted(source(cut, [20_000]));
    const read = async (): Promise<void> => {
      for await (const b of readV2(truncated.src, buildV2Layout(schema, truncated.src.path))) void b;
    };
    await expect(read()).rejects.toMatchObject({ code: 'E_TRUNCATED', location: { file: truncated.src.path } });
    expect(truncated.returns()).toBe(1);
  });

  it('reads nothing, and opens no chunk iterator, for a range that starts at its end', async () => {
    if (schema === undefined) throw new Error('no table');
    const c = counted(source(bytes, [20_000]));
    const out: SSTableEvent[] = [];
    for await (const b of readV2(c.src, buildV2Layout(schema, c.src.path), { start: bytes.length, end: bytes.length })) out.push(...b);
    expect(out).toEqual([]);
    expect(c.iterations()).toBe(0);
    expect(c.nexts()).toBe(0);
  });
});
