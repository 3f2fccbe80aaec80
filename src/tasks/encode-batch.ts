/**
 * One batch of reconciled rows -> the CSV records of a LOAD file (csv-fast.ts) plus the DynamoDB
 * problems of each row (extract-checks.ts): the per-row work of an extraction, the same whether it
 * runs in the main thread or in a decoding worker (workers-entry.ts), so that both produce identical
 * bytes, problems and CSV figures.
 *
 * Pure: no I/O. The returned `bytes` and `ends` are fresh arrays the caller owns (a worker posts
 * them to the main thread, the bytes in a SharedArrayBuffer).
 */
import { csvBatchEncoder } from '../export/csv-fast.js';
import type { CsvStats } from '../export/csv.js';
import type { DynamoProblem } from '../export/dynamo-limits.js';
import { jsonRowRenderer } from '../export/json-row.js';
import type { ExportOptions } from '../export/options.js';
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import type { JsonValue } from '../sstable/types/model.js';
import { rowCertainlyFine, rowProblemChecker } from './extract-checks.js';

/** A row DynamoDB cannot take, by its index in the batch and its primary key. */
export interface BatchProblem {
  readonly at: number;
  readonly key: Record<string, JsonValue>;
  readonly problems: readonly DynamoProblem[];
}

/** Records of one batch: bytes[ends[i-1] .. ends[i]) is record i (ends[-1] = 0), for i < count. */
export interface EncodedBatch {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  readonly count: number;
  readonly problems: readonly BatchProblem[];
}

export interface BatchEncoder {
  encode(rows: readonly CqlRow[]): EncodedBatch;
  /**
   * Adds the records of `rows` to the pending batch that `take` returns: several row batches then
   * become one EncodedBatch, its bytes copied once. `encode` discards a pending batch. When `append`
   * throws (malformed cells), the pending batch is incomplete: the read has failed and nothing of it
   * may be written.
   */
  append(rows: readonly CqlRow[]): void;
  /** rows appended since the last take */
  readonly pendingRows: number;
  /** bytes appended since the last take */
  readonly pendingBytes: number;
  /** The pending batch (fresh arrays the caller owns; the bytes in a SharedArrayBuffer when `shared`); the encoder starts over. */
  take(shared?: boolean): EncodedBatch;
  /** figures of every record encoded so far (table-definition.json column lengths) */
  readonly stats: CsvStats;
}

export interface RunLimits {
  /** a run ends once it holds this many bytes (default RECORD_RUN_BYTES) */
  readonly bytes?: number;
  /** or this many records (default: no limit) */
  readonly rows?: number;
  /** runs' bytes in SharedArrayBuffers, for a worker to post (workers-entry.ts) */
  readonly shared?: boolean;
}

/** Default size of the runs encodeRuns makes (the main thread's runs, the workers' batches). */
export const RECORD_RUN_BYTES = 1 << 20;

/**
 * The records of row batches, appended into runs that end once they hold `bytes` bytes or `rows`
 * records (the last run shorter): each byte is copied once into its run. A worker posts each run as a
 * batch (workers-entry.ts); in the main thread, the chunker passes runs of a quarter piece or more on
 * as they are, where it would join smaller ones into a new buffer.
 */
export async function* encodeRuns(encoder: BatchEncoder, rows: AsyncIterable<readonly CqlRow[]>, limits: RunLimits = {}): AsyncGenerator<EncodedBatch> {
  const maxBytes = limits.bytes ?? RECORD_RUN_BYTES;
  const maxRows = limits.rows ?? Number.POSITIVE_INFINITY;
  const shared = limits.shared ?? false;
  for await (const batch of rows) {
    if (batch.length === 0) continue;
    encoder.append(batch);
    if (encoder.pendingBytes >= maxBytes || encoder.pendingRows >= maxRows) yield encoder.take(shared);
  }
  if (encoder.pendingRows > 0) yield encoder.take(shared);
}

export function batchEncoder(schema: TableSchema, o: ExportOptions): BatchEncoder {
  const encoder = csvBatchEncoder(schema, o);
  const check = rowProblemChecker(schema, o);
  const renderFull = jsonRowRenderer(schema);
  // only the key and number columns are rendered for the limit check, unless the item may be too large
  const renderNarrow = jsonRowRenderer(schema, check.narrow);
  const certainlyFine = rowCertainlyFine(schema, o, check);
  const keyColumns = [...schema.partitionKey, ...schema.clustering].map((c) => c.name);
  let ends = new Uint32Array(1024);
  let count = 0;
  let problems: BatchProblem[] = [];

  /** Checks `row`, record `at` of the pending batch and `length` bytes long, for DynamoDB problems. */
  const check1 = (row: CqlRow, at: number, length: number): void => {
    if (certainlyFine(row, length)) return;
    const json = check.needsFullRow(length) ? renderFull(row) : renderNarrow(row);
    const found = check(json, length);
    if (found.length === 0) return;
    const key: Record<string, JsonValue> = {};
    for (const c of keyColumns) key[c] = json[c] ?? null;
    problems.push({ at, key, problems: found });
  };

  const append = (rows: readonly CqlRow[]): void => {
    if (count + rows.length > ends.length) {
      const next = new Uint32Array(Math.max(2 * ends.length, count + rows.length));
      next.set(ends.subarray(0, count));
      ends = next;
    }
    encoder.append(rows, ends, count);
    let start = count === 0 ? 0 : (ends[count - 1] as number);
    for (let i = 0; i < rows.length; i++) {
      const end = ends[count + i] as number;
      check1(rows[i] as CqlRow, count + i, end - start);
      start = end;
    }
    count += rows.length;
  };

  const take = (shared = false): EncodedBatch => {
    const out = { bytes: encoder.take(shared), ends: ends.slice(0, count), count, problems };
    count = 0;
    problems = [];
    return out;
  };

  return {
    stats: encoder.stats,
    append,
    take,
    get pendingRows() {
      return count;
    },
    get pendingBytes() {
      return count === 0 ? 0 : (ends[count - 1] as number);
    },
    encode(rows) {
      // a pending batch is dropped: encode stands alone
      if (count > 0) take();
      append(rows);
      return take();
    },
  };
}
