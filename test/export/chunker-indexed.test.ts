/**
 * Record batches whose ends the producer gives (IndexedRecords) split into exactly the parts the
 * scanning path finds in the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvParts, type PartTally, type RecordBatch } from '../../src/export/chunker.js';
import { DEFAULT_EXPORT_OPTIONS } from '../../src/export/options.js';

async function* source(batches: readonly RecordBatch[]): AsyncGenerator<RecordBatch> {
  yield* batches;
}

async function parts(batches: readonly RecordBatch[], targetBytes: number): Promise<{ s: PartTally; body: string }[]> {
  const out: { s: PartTally; body: string }[] = [];
  for await (const part of csvParts(source(batches), { ...DEFAULT_EXPORT_OPTIONS.chunk, targetBytes, pieceBytes: 64 })) {
    const pieces: Uint8Array[] = [];
    for await (const p of part.body) pieces.push(p);
    out.push({ s: part.summary(), body: Buffer.concat(pieces).toString('utf8') });
  }
  return out;
}

const record = fc.array(fc.oneof(fc.string({ maxLength: 12 }).map((s) => `"${s.replace(/"/g, '""')}"`), fc.stringMatching(/^[a-z0-9]{0,10}$/)), { minLength: 1, maxLength: 4 }).map((f) => `${f.join(',')}\n`);

describe('IndexedRecords', () => {
  it('give the same parts as scanning the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(record, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 16, max: 400 }), async (batches, target) => {
        const plain: RecordBatch[] = batches.map((b) => new TextEncoder().encode(b.join('')));
        const indexed: RecordBatch[] = batches.map((b) => {
          const bytes = new TextEncoder().encode(b.join(''));
          const ends = new Uint32Array(b.length);
          let o = 0;
          b.forEach((r, i) => {
            o += Buffer.byteLength(r, 'utf8');
            ends[i] = o;
          });
          return { bytes, ends, count: b.length };
        });
        expect(await parts(indexed, target)).toEqual(await parts(plain, target));
      }),
      { numRuns: 150 },
    );
  });

  it('pass large runs on as views of the batch (no copy), small ones copied into pieces', async () => {
    const rec = 'abcdefghij,0123456789\n';
    const big = new TextEncoder().encode(rec.repeat(100));
    const small = new TextEncoder().encode(rec.repeat(2));
    const batches: RecordBatch[] = [small, big, small, small];
    const o = { ...DEFAULT_EXPORT_OPTIONS.chunk, targetBytes: 1 << 20, pieceBytes: 1000 };
    const seen: Uint8Array[] = [];
    let tally: PartTally | undefined;
    for await (const part of csvParts(source(batches), o)) {
      for await (const p of part.body) seen.push(p);
      tally = part.summary();
    }
    expect(tally?.bytes).toBe(big.length + 3 * small.length);
    expect(Buffer.concat(seen).toString('utf8')).toBe(rec.repeat(106));
    // runs of the big batch of at least pieceBytes / 4 are passed on as views of its own buffer; the
    // small batches and the big one's short tail are copied into pieces of their own
    const views = seen.filter((p) => p.buffer === big.buffer);
    expect(views.length).toBeGreaterThanOrEqual(2);
    expect(views.every((p) => p.length >= o.pieceBytes / 4 && p.length <= o.pieceBytes + rec.length)).toBe(true);
    expect(views.reduce((n, p) => n + p.length, 0)).toBeGreaterThan(big.length - o.pieceBytes / 4);
    expect(seen.filter((p) => p.buffer !== big.buffer && p.buffer !== small.buffer).length).toBeGreaterThan(0);
  });
});

