/**
 * Messages between the main thread (workers.ts) and decoding workers (workers-entry.ts).
 *
 * Output crosses the thread boundary ENCODED: one string holding a batch of records plus a Uint32Array
 * of record end offsets, or the records' bytes (in a SharedArrayBuffer, which the message shares) and
 * their end offsets. Cloning row objects would cost more than decoding them; a string clones as one
 * memcpy. Nothing is transferred: a transfer detaches the buffer, and the first detach in an isolate
 * makes every optimised typed-array access of the worker check for detached buffers (workers-entry.ts).
 *
 * Flow control: a worker may have at most `maxInFlight` batches not yet acknowledged; the main thread
 * acknowledges a batch when its consumer takes it, so memory stays within
 * workers × maxInFlight × (batchRows records).
 */
import type { RowEngine } from '../wasm/engine.js';
import { AgentError, ERROR_CATALOG, type ErrorCode, type ErrorLocation } from '../errors.js';
import type { CsvStats } from '../export/csv.js';
import type { PartialExportOptions } from '../export/options.js';
import type { TableSchema } from '../schema/model.js';
import type { BatchProblem } from '../tasks/encode-batch.js';
import type { ReadTask } from './replicas.js';

/**
 * csv / json: records as text (csvRowEncoder, or JSON lines), for `dump`;
 * records: the extraction's LOAD records as bytes plus each row's DynamoDB problems (encode-batch.ts).
 */
export type OutputFormat = 'csv' | 'json' | 'records';

export interface WorkerNode {
  /** ring id or display name, used in messages */
  readonly node: string;
  /** table directories, Data.db files or data directories (as locateTable takes them) */
  readonly paths: readonly string[];
}

/** What a worker needs for one table read (the `setup` message). Structured-clonable. */
export interface WorkerSetup {
  readonly nodes: readonly WorkerNode[];
  /** node indices merged together, per group (ReplicaPlan.groups) */
  readonly groups: readonly (readonly number[])[];
  readonly keyspace?: string;
  readonly table?: string;
  readonly schemaFile?: string;
  /** the table's schema as the main thread resolved it; absent: each worker resolves it (schemaFile, discovery) */
  readonly schema?: TableSchema;
  readonly nowInSec: number;
  readonly format: OutputFormat;
  readonly exportOptions?: PartialExportOptions;
  /** this worker's share of each node's read limit, bytes/s; null = unlimited */
  readonly bytesPerSecondPerNode: number | null;
  readonly batchRows: number;
  /** a batch is also posted once its records reach this many bytes (records format); default unlimited */
  readonly batchBytes?: number;
  readonly maxInFlight: number;
  /** records format: the per-row path of single-SSTable ranges (src/wasm/engine.ts); default 'auto' */
  readonly engine?: RowEngine;
}

export type ToWorker =
  /** a table read begins; tasks follow */
  | { readonly kind: 'setup'; readonly setup: WorkerSetup }
  | { readonly kind: 'task'; readonly id: number; readonly task: ReadTask }
  | { readonly kind: 'ack' }
  /** no more tasks for this read: close files, report stats (`closed`), wait for the next `setup` */
  | { readonly kind: 'close' }
  /** stop now: abandon the current task, close files, exit */
  | { readonly kind: 'abort' }
  /** the pool is closing: exit (an idle worker at once; a running read is aborted first) */
  | { readonly kind: 'exit' };

export interface SerializedError {
  readonly code: ErrorCode | null;
  readonly message: string;
  readonly location: ErrorLocation;
}

export type FromWorker =
  | { readonly kind: 'batch'; readonly id: number; readonly text: string; readonly ends: Uint32Array; readonly dataBytes: number }
  /** records format; `dataBytes`: on-disk Data.db bytes decoded since the previous batch (progress) */
  | { readonly kind: 'records'; readonly id: number; readonly bytes: Uint8Array; readonly ends: Uint32Array; readonly count: number; readonly problems: readonly BatchProblem[]; readonly dataBytes: number }
  | { readonly kind: 'done'; readonly id: number; readonly rows: number }
  /** the read ended (by `close`: its figures; by `abort`: null) and its files are closed */
  | { readonly kind: 'closed'; readonly csvStats: CsvStats | null }
  | { readonly kind: 'error'; readonly error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof AgentError) {
    // AgentError appends its location to the message; strip it so that the rebuilt error does not repeat it.
    const suffix = new AgentError(e.code, '', e.location).message;
    const message = suffix !== '' && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    return { code: e.code, message, location: e.location };
  }
  return { code: null, message: e instanceof Error ? e.message : String(e), location: {} };
}

export function deserializeError(s: SerializedError, worker: number): AgentError {
  if (s.code !== null && s.code in ERROR_CATALOG) return new AgentError(s.code, s.message, s.location);
  return new AgentError('E_IO', `decoding worker ${worker} failed: ${s.message}`, s.location);
}
