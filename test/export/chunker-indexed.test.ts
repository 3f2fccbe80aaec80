/**
 * Record batches whose ends the producer gives (IndexedRecords) split into exactly the parts the
 * scanning path finds in the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvParts, type PartSummary, type RecordBatch } from '../../src/export/chunker.js';
import { DEFAULT_EXPORT_OPTIONS } from '../../src/export/options.js';

async function* source(batches: readonly RecordBatch[]): AsyncGenerator<RecordBatch> {
  yield* batches;
}

async function parts(batches: readonly RecordBatch[], targetBytes: number): Promise<{ s: PartSummary; body: string }[]> {
  const out: { s: PartSummary; body: string }[] = [];
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
});
