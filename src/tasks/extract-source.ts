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
import type { CsvStats } from '../export/csv.js';
import type { ExportOptions } from '../export/options.js';
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import { closeAll, tableRows, type OpenedSSTable } from '../sstable/table.js';
import { batchEncoder, encodeRuns, type EncodedBatch } from './encode-batch.js';

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

/** The default source: all SSTables of the table (every node), merged and reconciled. */
export async function* sstableRowSource(loc: TableLocation, schema: TableSchema, opts: RowSourceOptions): AsyncGenerator<CqlRow[]> {
  // Listed again and opened together (again if compaction removed a listed SSTable first); once open,
  // each SSTable is read whole even if compaction deletes it meanwhile (catalog/open-table.ts).
  const opened: OpenedSSTable[] = [];
  try {
    const { sstables } = await openTableSSTables(loc.tableDirs, loc.keyspace ?? undefined, loc.table ?? undefined, { index: false, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
    opened.push(...sstables);
    // each chunk is read once here, so the on-disk bytes of the chunks delivered are the progress
    const onBytes = opts.onDataBytes;
    const read = onBytes === undefined ? sstables : await Promise.all(sstables.map(async (t) => ({ ...t, data: meteredDataSource(t.data, await onDiskChunkCost(t), onBytes) })));
    yield* tableRows(read, schema, opts.signal === undefined ? { nowInSec: opts.nowInSec } : { nowInSec: opts.nowInSec, signal: opts.signal });
  } finally {
    await closeAll(opened);
  }
}

/** Total on-disk Data.db bytes of a table (the ETA denominator). */
export async function dataBytesOf(loc: TableLocation): Promise<number> {
  let n = 0;
  for (const d of loc.sstables) n += (await stat(d.dataPath)).size;
  return n;
}
