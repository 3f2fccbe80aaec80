/**
 * batchEncoder: row batches appended one after another and taken once give exactly what one `encode`
 * of all their rows gives (bytes, record ends, DynamoDB problems by index, CSV figures), for the byte
 * encoder and for the string fallback (a non-ASCII delimiter), on the generated sample tables, whose
 * static-only partitions make rows DynamoDB cannot take.
 */
import { describe, expect, it } from 'vitest';
import { useSampleDataDir } from '../helpers/sample-dir.js';
import { locateTable } from '../../src/catalog/locate.js';
import { resolveExportOptions, type ExportOptions } from '../../src/export/options.js';
import type { CqlRow } from '../../src/merge/rows.js';
import type { TableSchema } from '../../src/schema/model.js';
import { SAMPLE_WRITE_TIME, sampleSchemas } from '../../src/sample/index.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../../src/sstable/table.js';
import { batchEncoder, encodeRuns, type BatchProblem, type EncodedBatch } from '../../src/tasks/encode-batch.js';

const sampleDir = useSampleDataDir('encode-batch-', 400);

/** The rows of one sample table, and the SSTables holding their cell buffers (closed by the caller). */
async function sampleRows(schema: TableSchema): Promise<{ rows: CqlRow[]; opened: OpenedSSTable[] }> {
  const loc = await locateTable([sampleDir()], 'sample', schema.table);
  const opened: OpenedSSTable[] = [];
  for (const d of loc.sstables) opened.push(await openSSTable(d, { index: false }));
  const rows: CqlRow[] = [];
  for await (const b of tableRows(opened, schema, { nowInSec: SAMPLE_WRITE_TIME + 60 })) rows.push(...b);
  return { rows, opened };
}

function plain(b: EncodedBatch): { text: string; ends: number[]; count: number; problems: readonly BatchProblem[] } {
  return { text: Buffer.from(b.bytes).toString('utf8'), ends: [...b.ends], count: b.count, problems: b.problems };
}

const cases: [string, ExportOptions][] = [
  ['byte encoder', resolveExportOptions()],
  ['string fallback (non-ASCII delimiter)', resolveExportOptions({ csv: { delimiter: '§' } })],
];

describe.each(cases)('batchEncoder append + take (%s)', (_name, o) => {
  it('equals one encode of all the rows, for any split into batches', async () => {
    let withProblems = 0;
    for (const schema of sampleSchemas()) {
      const { rows, opened } = await sampleRows(schema);
      try {
        expect(rows.length).toBeGreaterThan(10);
        const whole = batchEncoder(schema, o);
        const expected = plain(whole.encode(rows));
        if (expected.problems.length > 0) withProblems++;
        for (const cut of [1, 7, 64, rows.length]) {
          const enc = batchEncoder(schema, o);
          for (let i = 0; i < rows.length; i += cut) enc.append(rows.slice(i, i + cut));
          expect(enc.pendingRows).toBe(rows.length);
          expect(enc.pendingBytes).toBe(Buffer.byteLength(expected.text, 'utf8'));
          expect(plain(enc.take()), `${schema.table} in batches of ${cut}`).toEqual(expected);
          expect(enc.stats).toEqual(whole.stats);
          expect(enc.pendingRows).toBe(0);
          // taken: the encoder starts over
          enc.append(rows.slice(0, 3));
          const again = enc.take();
          expect(again.count).toBe(3);
          expect(Buffer.from(again.bytes).toString('utf8')).toBe(Buffer.from(expected.text).subarray(0, expected.ends[2]).toString('utf8'));
        }
      } finally {
        await closeAll(opened);
      }
    }
    expect(withProblems).toBeGreaterThan(0);
  });

  it('encodeRuns: runs of at least runBytes (the last one shorter) that join into one encode of all the rows', async () => {
    for (const schema of sampleSchemas()) {
      const { rows, opened } = await sampleRows(schema);
      try {
        const expected = plain(batchEncoder(schema, o).encode(rows));
        const total = Buffer.byteLength(expected.text, 'utf8');
        const runBytes = Math.max(1, Math.floor(total / 5));
        async function* batches(): AsyncGenerator<CqlRow[]> {
          for (let i = 0; i < rows.length; i += 3) {
            yield rows.slice(i, i + 3);
            yield [];
          }
        }
        const runs: EncodedBatch[] = [];
        for await (const r of encodeRuns(batchEncoder(schema, o), batches(), { bytes: runBytes })) runs.push(r);
        expect(runs.length).toBeGreaterThan(1);
        for (const r of runs.slice(0, -1)) expect(r.bytes.length).toBeGreaterThanOrEqual(runBytes);
        // joined back: the same bytes, record ends and problems (by row index) as one encode
        const ends: number[] = [];
        const problems: BatchProblem[] = [];
        let base = 0;
        let at = 0;
        for (const r of runs) {
          for (const e of r.ends.subarray(0, r.count)) ends.push(base + e);
          for (const p of r.problems) problems.push({ ...p, at: at + p.at });
          base += r.bytes.length;
          at += r.count;
        }
        expect(Buffer.concat(runs.map((r) => r.bytes)).toString('utf8')).toBe(expected.text);
        expect(ends).toEqual(expected.ends.slice(0, expected.count));
        expect(problems).toEqual(expected.problems);
        // a row limit ends a run too (batches of 3 rows: a run of at least 4 holds 6)
        const counts: number[] = [];
        for await (const r of encodeRuns(batchEncoder(schema, o), batches(), { bytes: Number.POSITIVE_INFINITY, rows: 4 })) counts.push(r.count);
        expect(counts.slice(0, -1).every((c) => c === 6)).toBe(true);
        expect(counts.reduce((a, c) => a + c, 0)).toBe(rows.length);
      } finally {
        await closeAll(opened);
      }
    }
  });
});
