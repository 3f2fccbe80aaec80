/**
 * csvParts over byte batches (csv-fast.ts output): the same parts, bodies and summaries as over the
 * same records given as strings, for RFC 4180 records whose quoted fields hold LF, CR, quotes and
 * delimiters, and for streams mixing both batch kinds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvParts, type PartTally, type RecordBatch } from '../../src/export/chunker.js';
import { fieldQuoter } from '../../src/export/csv.js';
import { DEFAULT_EXPORT_OPTIONS, type ChunkOptions } from '../../src/export/options.js';

async function* source(bs: readonly RecordBatch[]): AsyncGenerator<RecordBatch> {
  for (const b of bs) yield b;
}

interface Collected {
  summaries: PartTally[];
  bodies: string[];
  pieces: number[];
}

async function collect(bs: readonly RecordBatch[], o: Partial<ChunkOptions>): Promise<Collected> {
  const out: Collected = { summaries: [], bodies: [], pieces: [] };
  for await (const part of csvParts(source(bs), { ...DEFAULT_EXPORT_OPTIONS.chunk, ...o })) {
    const chunks: Uint8Array[] = [];
    for await (const piece of part.body) {
      chunks.push(piece);
      out.pieces.push(piece.length);
    }
    out.bodies.push(Buffer.concat(chunks).toString('utf8'));
    out.summaries.push(part.summary());
  }
  return out;
}

const quote = fieldQuoter({ delimiter: ',', rowDelimiter: '\n', nullMarker: '\\N', quoteAll: false });
const field = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('"', '\n', '\r\n', 'a"\nb', '""', ',', 'x\n"'));
const record = fc.tuple(fc.array(field, { minLength: 1, maxLength: 3 }), fc.constantFrom('\n', '\r\n'))
  .map(([fs, end]) => fs.map(quote).join(',') + end);

const encode = (records: readonly string[]): Uint8Array => new TextEncoder().encode(records.join(''));

describe('csvParts with byte batches', () => {
  it('splits byte batches at record ends like the string records (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.array(record, { maxLength: 6 }), fc.integer({ min: 0, max: 2 })), { maxLength: 8 }),
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 30 }),
      async (bs, targetBytes, pieceBytes) => {
        const strings = await collect(bs.map(([rs]) => rs), { targetBytes, pieceBytes });
        // kind 0: bytes, 1: strings, 2: bytes split into one-record arrays
        const mixed = bs.flatMap(([rs, kind]): RecordBatch[] => (kind === 0 ? [encode(rs)] : kind === 1 ? [rs] : rs.map((r) => encode([r]))));
        const bytes = await collect(mixed, { targetBytes, pieceBytes });
        expect(bytes.summaries).toEqual(strings.summaries);
        expect(bytes.bodies).toEqual(strings.bodies);
        const longest = Math.max(0, ...bs.flatMap(([rs]) => rs.map((r) => Buffer.byteLength(r))));
        for (const p of bytes.pieces) expect(p).toBeLessThan(pieceBytes + longest);
      },
    ), { numRuns: 300 });
  });

  it('counts rows of quoted multi-line records', async () => {
    const records = ['1,"a\nb"\n', '2,"say ""hi""\r\n"\r\n', '3,""\n', '4,x\n'];
    const batch = encode(records);
    const c = await collect([batch], { targetBytes: 12 });
    expect(Buffer.byteLength(records[2] + (records[3] ?? ''))).toBe(9);
    expect(c.summaries.map((s) => [s.rows, s.bytes])).toEqual([[1, 8], [1, 18], [2, 9]]);
    expect(Buffer.byteLength(records[1] ?? '')).toBe(18);
    expect(c.bodies).toEqual(['1,"a\nb"\n', '2,"say ""hi""\r\n"\r\n', '3,""\n4,x\n']);
  });

  it('writes one empty part for a table of empty byte batches', async () => {
    const c = await collect([new Uint8Array(0), new Uint8Array(0)], {});
    expect(c.summaries.map((s) => [s.name, s.rows, s.bytes])).toEqual([['LOAD00000001.csv', 0, 0]]);
  });
});
