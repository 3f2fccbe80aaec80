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
import type { WorkerNode } from '../cluster/workers-protocol.js';
import type { CsvStats } from '../export/csv.js';
import type { ExportOptions } from '../export/options.js';
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import { dataChunkLayout, type DataChunk, type DataSource } from '../sstable/io/data-source.js';
import { closeAll, tableRows, type OpenedSSTable } from '../sstable/table.js';
import { batchEncoder, type EncodedBatch } from './encode-batch.js';

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
        for await (const rows of rowSource(t.loc, t.schema, opts)) if (rows.length > 0) yield encoder.encode(rows);
      },
      stats: () => encoder.stats,
    };
  };
}

/**
 * A DataSource that reports how far into Data.db its reads have got, in on-disk bytes: the
 * uncompressed end of each chunk scaled by fileBytes / uncompressedLength. Reported positions only
 * grow, so re-reading a range is not counted twice and the total never exceeds the file size.
 */
export function countingDataSource(inner: DataSource, fileBytes: number, onBytes: (delta: number) => void): DataSource {
  let reported = 0;
  const scale = inner.uncompressedLength > 0 ? fileBytes / inner.uncompressedLength : 0;
  const seen = (c: DataChunk): void => {
    const pos = Math.min(fileBytes, Math.round((c.offset + c.bytes.byteLength) * scale));
    if (pos > reported) {
      onBytes(pos - reported);
      reported = pos;
    }
  };
  return {
    path: inner.path,
    uncompressedLength: inner.uncompressedLength,
    compressor: inner.compressor,
    chunkLength: inner.chunkLength,
    chunks(opts) {
      const it = inner.chunks(opts);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const c of it) {
            seen(c);
            yield c;
          }
        },
      };
    },
    close: () => inner.close(),
  };
}

/** The default source: all SSTables of the table (every node), merged and reconciled. */
export async function* sstableRowSource(loc: TableLocation, schema: TableSchema, opts: RowSourceOptions): AsyncGenerator<CqlRow[]> {
  // Listed again and opened together (again if compaction removed a listed SSTable first); once open,
  // each SSTable is read whole even if compaction deletes it meanwhile (catalog/open-table.ts).
  const opened: OpenedSSTable[] = [];
  try {
    const { sstables } = await openTableSSTables(loc.tableDirs, loc.keyspace ?? undefined, loc.table ?? undefined, { index: false, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
    for (const t of sstables) {
      const layout = dataChunkLayout(t.data);
      const fileBytes = layout === null || layout.count === 0 ? t.data.uncompressedLength : layout.fileEnd(layout.count - 1);
      if (opts.onDataBytes === undefined) opened.push(t);
      else opened.push({ ...t, data: countingDataSource(t.data, fileBytes, opts.onDataBytes) });
    }
    yield* tableRows(opened, schema, opts.signal === undefined ? { nowInSec: opts.nowInSec } : { nowInSec: opts.nowInSec, signal: opts.signal });
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
