import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvParts, loadFileName, type PartTally } from '../../src/export/chunker.js';
import { DEFAULT_EXPORT_OPTIONS, type ChunkOptions } from '../../src/export/options.js';

async function* batches(bs: readonly (readonly string[])[]): AsyncGenerator<readonly string[]> {
  for (const b of bs) yield b;
}

interface Collected {
  summaries: PartTally[];
  bodies: Buffer[];
  pieces: number[];
}

async function collect(bs: readonly (readonly string[])[], o: Partial<ChunkOptions>): Promise<Collected> {
  const out: Collected = { summaries: [], bodies: [], pieces: [] };
  for await (const part of csvParts(batches(bs), { ...DEFAULT_EXPORT_OPTIONS.chunk, ...o })) {
    const chunks: Uint8Array[] = [];
    for await (const piece of part.body) {
      chunks.push(piece);
      out.pieces.push(piece.length);
    }
    out.bodies.push(Buffer.concat(chunks));
    out.summaries.push(part.summary());
  }
  return out;
}

describe('LOAD file names', () => {
  it('zero-pads 8 digits, decimal or uppercase hex', () => {
    expect(loadFileName(1)).toBe('LOAD00000001.csv');
    expect(loadFileName(12345678)).toBe('LOAD12345678.csv');
    expect(loadFileName(10, 'hex')).toBe('LOAD0000000A.csv');
    expect(loadFileName(255, 'hex')).toBe('LOAD000000FF.csv');
    expect(() => loadFileName(0)).toThrow(/outside/);
    expect(() => loadFileName(100000000)).toThrow(/outside/);
  });
});

describe('csvParts', () => {
  it('closes a part before a record would pass the target and keeps records whole', async () => {
    const c = await collect([['aaaa\n', 'bbbb\n'], ['cc\n', 'dddddddddddddddd\n', 'e\n']], { targetBytes: 10 });
    expect(c.summaries.map((s) => [s.name, s.rows, s.bytes])).toEqual([
      ['LOAD00000001.csv', 2, 10],
      ['LOAD00000002.csv', 1, 3],
      ['LOAD00000003.csv', 1, 17],
      ['LOAD00000004.csv', 1, 2],
    ]);
    expect(c.bodies.map((b) => b.toString())).toEqual(['aaaa\nbbbb\n', 'cc\n', 'dddddddddddddddd\n', 'e\n']);
    for (const [i, s] of c.summaries.entries()) expect(s.bytes).toBe(c.bodies[i]?.length);
  });

  it('counts bytes in UTF-8', async () => {
    const c = await collect([['€€\n', '😀\n']], { targetBytes: 7 });
    expect(c.summaries.map((s) => s.bytes)).toEqual([7, 5]);
  });

  it('writes one empty part for an empty table, or none', async () => {
    const one = await collect([[], []], {});
    expect(one.summaries).toEqual([{ name: 'LOAD00000001.csv', rows: 0, bytes: 0 }]);
    expect((await collect([], { emptyTableFile: false })).summaries).toEqual([]);
  });

  it('refuses a next part before the previous body was read, and an early summary', async () => {
    const it1 = csvParts(batches([['a\n', 'b\n']]), { ...DEFAULT_EXPORT_OPTIONS.chunk, targetBytes: 2 });
    const first = await it1.next();
    expect(first.done).toBe(false);
    if (first.done === true) return;
    expect(() => first.value.summary()).toThrow(/before its body/);
    await expect(it1.next()).rejects.toThrow(/before the body/);
  });

  it('closes the record source when the consumer stops early', async () => {
    let closed = false;
    async function* src(): AsyncGenerator<readonly string[]> {
      try {
        for (;;) yield ['x\n'];
      } finally {
        closed = true;
      }
    }
    for await (const part of csvParts(src(), { ...DEFAULT_EXPORT_OPTIONS.chunk, targetBytes: 4 })) {
      for await (const _ of part.body) break;
      break;
    }
    expect(closed).toBe(true);
  });

  it('reassembles to the input for any records, batching and sizes (property)', async () => {
    const record = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s + '\n');
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(record, { maxLength: 6 }), { maxLength: 8 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 16 }),
      async (bs, targetBytes, pieceBytes) => {
        const c = await collect(bs, { targetBytes, pieceBytes });
        const all = bs.flat();
        expect(Buffer.concat(c.bodies).toString()).toBe(all.join(''));
        expect(c.summaries.reduce((n, s) => n + s.rows, 0)).toBe(all.length);
        const longest = Math.max(0, ...all.map((r) => Buffer.byteLength(r)));
        for (const s of c.summaries) expect(s.bytes <= targetBytes || s.rows === 1).toBe(true);
        for (const p of c.pieces) expect(p).toBeLessThan(pieceBytes + longest);
        expect(c.summaries.map((s) => s.name)).toEqual(c.summaries.map((_, i) => loadFileName(i + 1)));
      },
    ), { numRuns: 200 });
  });
});
