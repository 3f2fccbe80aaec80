/**
 * Live CQL rows as comparable text (every cell with its timestamp, TTL, path and bytes), and the check
 * that a decoder gives the same rows however its decompressed stream is cut into chunks: shared by the
 * tests of the single-source paths (v2/live-rows, v3/live-rows) against the merge.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { CqlRow } from '../../src/merge/rows.js';
import type { DataSource } from '../../src/sstable/io/data-source.js';
import type { OpenedSSTable } from '../../src/sstable/table.js';
import { ViewCell } from '../../src/sstable/model.js';
import { readAllBytes, splitSource } from './split-source.js';

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof ViewCell) return plain({ column: v.column, timestamp: v.timestamp, ttl: v.ttl, ldt: v.localDeletionTime, path: v.path, value: v.value });
  if (v instanceof Uint8Array) return `0x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** One line of JSON per row. */
export async function rowsText(rows: AsyncIterable<CqlRow[]>): Promise<string> {
  const out: string[] = [];
  for await (const b of rows) for (const r of b) out.push(JSON.stringify(plain(r)));
  return out.join('\n');
}

/** `decode` over `bytes` cut at random chunk sizes always yields `want` (fast-check, `runs` cuts). */
export async function expectSameRowsOnAnySplit(path: string, bytes: Uint8Array, want: string, decode: (src: DataSource) => AsyncIterable<CqlRow[]>, runs = 15): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: Math.max(2, Math.ceil(bytes.length / 3)) }), { minLength: 1, maxLength: 30 }), async (sizes) => {
      expect(await rowsText(decode(splitSource(path, bytes, sizes)))).toBe(want);
    }),
    { numRuns: runs },
  );
}

/**
 * The single-source decoder gives the generic path's rows (read once, whole, just after the newest
 * write) for any cut of the table's decompressed stream into chunks. Closes the table's data source.
 */
export async function expectSplitsMatch(t: OpenedSSTable, generic: (src: DataSource, nowInSec: number) => AsyncIterable<CqlRow[]>, single: (src: DataSource, nowInSec: number) => AsyncIterable<CqlRow[]>): Promise<void> {
  const bytes = await readAllBytes(t.data);
  const now = Number(t.statistics.stats.maxTimestamp / 1_000_000n) + 1;
  const want = await rowsText(generic(t.data, now));
  await t.data.close();
  expect(want.length).toBeGreaterThan(0);
  await expectSameRowsOnAnySplit(t.data.path, bytes, want, (src) => single(src, now));
}
