/**
 * Where an extraction gets a table's rows: a RowSourceFactory. The default reads every SSTable of the
 * table on every node and merges them (src/sstable/table.ts `tableRows`); a parallel or token-range
 * reader can replace it through `runExtract(…, { rowSource })`.
 *
 * Contract of a row source: rows in a deterministic order (the same data gives the same sequence;
 * checkpoints rely on it), batches the caller may keep until it asks for the next one, every opened
 * resource closed when iteration ends or is abandoned (`return()`), and `signal` honoured.
 */
import { stat } from 'node:fs/promises';
import type { TableLocation } from '../catalog/locate.js';
import { openTableSSTables } from '../catalog/open-table.js';
import { meteredDataSource, onDiskChunkCost } from '../cluster/throttle.js';
import type { WorkerNode } from '../cluster/workers-protocol.js';
import { mergeCsvStats, type CsvStats } from '../export/csv.js';
import type { ExportOptions } from '../export/options.js';
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import { isV3 } from '../sstable/io/descriptor.js';
import { buildV3Layout } from '../sstable/v3/layout.js';
import { closeAll, decodeColumns, mergeOptionsFor, tableRows, type OpenedSSTable } from '../sstable/table.js';
import { wasmRecords, type RowEngine, type WasmRecordStream } from '../wasm/engine.js';
import { wasmPlanFor } from '../wasm/plan.js';
import { batchEncoder, encodeRuns, type BatchEncoder, type EncodedBatch } from './encode-batch.js';

export interface RowSourceOptions {
  readonly nowInSec: number;
  readonly signal?: AbortSignal;
  /** Data.db bytes (on disk, compressed) consumed since the last call; for progress and ETA */
  readonly onDataBytes?: (delta: number) => void;
}

export type RowSourceFactory = (loc: TableLocation, schema: TableSchema, opts: RowSourceOptions) => AsyncIterable<CqlRow[]>;

/** One table to extract: where its SSTables are (all nodes, and per node), its schema and the CSV options. */
export interface TableInput {
  readonly loc: TableLocation;
  /** per node, its table directories (replica modes and workers need the nodes apart) */
  readonly nodes: readonly WorkerNode[];
  readonly schema: TableSchema;
  readonly options: ExportOptions;
}

/**
 * The table's LOAD records with their DynamoDB problems (encode-batch.ts), in a deterministic order
 * (same contract as a row source); `stats()` is the CSV figures of every record, once iteration has
 * ended.
 */
export interface RecordStream extends AsyncIterable<EncodedBatch> {
  stats(): CsvStats;
}

export type RecordSourceFactory = (t: TableInput, opts: RowSourceOptions) => RecordStream;

/** Records from a row source, encoded in this thread. */
export function encodedRows(rowSource: RowSourceFactory): RecordSourceFactory {
  return (t, opts) => {
    const encoder = batchEncoder(t.schema, t.options);
    return {
      async *[Symbol.asyncIterator]() {
        yield* encodeRuns(encoder, rowSource(t.loc, t.schema, opts));
      },
      stats: () => encoder.stats,
    };
  };
}

/**
 * The table's SSTables (every node), listed again and opened together (again if compaction removed a
 * listed SSTable first); once open, each SSTable is read whole even if compaction deletes it meanwhile
 * (catalog/open-table.ts). Their Data.db sources are metered for progress when `onDataBytes` is given:
 * each chunk is read once, so the on-disk bytes of the chunks delivered are the progress. The caller
 * closes `opened` (all of them, also when opening failed halfway).
 */
async function openForRead(loc: TableLocation, opts: RowSourceOptions, opened: OpenedSSTable[]): Promise<OpenedSSTable[]> {
  const { sstables } = await openTableSSTables(loc.tableDirs, loc.keyspace ?? undefined, loc.table ?? undefined, { index: false, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
  opened.push(...sstables);
  const onBytes = opts.onDataBytes;
  return onBytes === undefined ? sstables : await Promise.all(sstables.map(async (t) => ({ ...t, data: meteredDataSource(t.data, await onDiskChunkCost(t), onBytes) })));
}

/** The default source: all SSTables of the table (every node), merged and reconciled. */
export async function* sstableRowSource(loc: TableLocation, schema: TableSchema, opts: RowSourceOptions): AsyncGenerator<CqlRow[]> {
  const opened: OpenedSSTable[] = [];
  try {
    const read = await openForRead(loc, opts, opened);
    yield* tableRows(read, schema, opts.signal === undefined ? { nowInSec: opts.nowInSec } : { nowInSec: opts.nowInSec, signal: opts.signal });
  } finally {
    await closeAll(opened);
  }
}

/**
 * The records of `sstableRowSource`'s rows, encoded in this thread: the same records, problems and
 * CSV figures as `encodedRows(sstableRowSource)`. A table with a single 3.x SSTable is read through
 * the WebAssembly module when it is built and covers the table (src/wasm/plan.ts); everything else,
 * and every table with `engine` 'ts', through the TypeScript decoder, merge and encoder.
 */
export function sstableRecords(engine: RowEngine = 'auto'): RecordSourceFactory {
  return (t, opts) => {
    const encoder = batchEncoder(t.schema, t.options);
    let module: WasmRecordStream | null = null;
    return {
      async *[Symbol.asyncIterator]() {
        const opened: OpenedSSTable[] = [];
        try {
          const read = await openForRead(t.loc, opts, opened);
          const only = read.length === 1 && engine === 'auto' ? singleByModule(read[0] as OpenedSSTable, t, opts, encoder) : null;
          if (only !== null) {
            module = only;
            yield* only;
          } else {
            yield* encodeRuns(encoder, tableRows(read, t.schema, opts.signal === undefined ? { nowInSec: opts.nowInSec } : { nowInSec: opts.nowInSec, signal: opts.signal }));
          }
        } finally {
          await closeAll(opened);
        }
      },
      stats: () => (module === null ? encoder.stats : mergeCsvStats(encoder.stats, module.figures())),
    };
  };
}

/** One SSTable through the WebAssembly module; null when it does not apply. */
function singleByModule(t: OpenedSSTable, input: TableInput, opts: RowSourceOptions, encoder: BatchEncoder): WasmRecordStream | null {
  const header = t.statistics.header;
  if (!isV3(t.descriptor.version) || header === null) return null;
  const layout = buildV3Layout(header, input.schema, decodeColumns(input.schema), t.data.path);
  const merge = mergeOptionsFor(input.schema, t.statistics.partitioner, opts.signal === undefined ? { nowInSec: opts.nowInSec } : { nowInSec: opts.nowInSec, signal: opts.signal });
  const plan = wasmPlanFor(layout, input.schema, merge, input.options);
  return plan.ok ? wasmRecords(t.data, layout, merge, plan, encoder, opts.signal === undefined ? {} : { signal: opts.signal }) : null;
}

/** Total on-disk Data.db bytes of a table (the ETA denominator). */
export async function dataBytesOf(loc: TableLocation): Promise<number> {
  let n = 0;
  for (const d of loc.sstables) n += (await stat(d.dataPath)).size;
  return n;
}
