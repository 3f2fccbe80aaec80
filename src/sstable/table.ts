/**
 * One table's SSTables (from one or several nodes) read as one stream of live CQL rows:
 * open each SSTable, decode it with its own format reader, merge and reconcile (src/merge).
 *
 * Memory budget: open SSTables x (compressed read buffer + one decompressed chunk + the rows held by
 * the merge). See docs/memory.md.
 */
import { AgentError } from '../errors.js';
import { makeClusteringOrder, type ValueComparator } from '../merge/clustering-order.js';
import { mergeToCqlRows, type ColumnInfo, type MergeOptions } from '../merge/merge.js';
import { partitionerFromClass } from '../merge/partitioner.js';
import type { CqlRow } from '../merge/rows.js';
import type { ColumnDef, TableSchema } from '../schema/model.js';
import { isV3, type SSTableDescriptor } from './io/descriptor.js';
import { readComponent } from './io/components.js';
import { openDataSource, type DataSource } from './io/data-source.js';
import { openIndexFile, type IndexFile } from './io/index-file.js';
import { readStatistics, type Statistics } from './io/statistics.js';
import type { EventBatches } from './model.js';
import { compareValues, mergeCounterContexts } from './types/index.js';
import { baseType, isCounter, isMultiCell, native, type CqlType } from './types/model.js';
import { buildV2Layout } from './v2/layout.js';
import { readV2LiveRows } from './v2/live-rows.js';
import { readV2 } from './v2/reader.js';
import { buildV3Layout } from './v3/layout.js';
import { readV3, type ReadOptions } from './v3/reader.js';
import { liveRowsSupported, readV3LiveRows } from './v3/live-rows.js';

/**
 * An SSTable pinned for reading: Data.db and Index.db stay open until closeAll, and the small components
 * were read whole at open, so nothing is read by path afterwards and compaction may delete the files
 * meanwhile (an open descriptor keeps an unlinked file readable; see io/data-source.ts).
 */
export interface OpenedSSTable {
  readonly descriptor: SSTableDescriptor;
  readonly statistics: Statistics;
  readonly data: DataSource;
  /** Index.db, open; null when the SSTable was listed without one or opened with `index: false` */
  readonly index: IndexFile | null;
  /** Summary.db bytes; null when absent */
  readonly summary: Uint8Array | null;
}

export interface OpenSSTableOptions {
  /** keep Index.db open for token-range seeks (src/cluster/range-reader.ts); default true. Readers of
   *  whole SSTables pass false to hold one descriptor per SSTable instead of two. */
  readonly index?: boolean;
}

/**
 * Opens every component a read will need. On failure nothing stays open.
 * @throws AgentError E_MISSING_COMPONENT (with the ENOENT as its cause when a file vanished), E_IO, and
 *   the format errors of Statistics.db / CompressionInfo.db / CRC.db
 */
export async function openSSTable(descriptor: SSTableDescriptor, opts: OpenSSTableOptions = {}): Promise<OpenedSSTable> {
  const statistics = await readStatistics(descriptor);
  // Summary.db is optional (SSTableReader rebuilds it when absent), but one listed and gone now means
  // compaction is deleting the SSTable: an error the caller may re-plan on (catalog/open-table.ts).
  const summary = descriptor.components.has('Summary.db') ? await readComponent(descriptor, 'Summary.db') : null;
  const data = await openDataSource(descriptor);
  let index: IndexFile | null = null;
  if ((opts.index ?? true) && descriptor.components.has('Index.db')) {
    try {
      index = await openIndexFile(descriptor);
    } catch (e) {
      await data.close().catch(() => undefined);
      throw e;
    }
  }
  return { descriptor, statistics, data, index, summary };
}

/** Closes every handle of the given SSTables; all are closed even if one fails (the first failure is thrown). */
export async function closeAll(tables: readonly OpenedSSTable[]): Promise<void> {
  let failure: unknown = null;
  for (const t of tables) {
    for (const c of [t.data, t.index]) {
      try {
        await c?.close();
      } catch (e) {
        failure ??= e;
      }
    }
  }
  if (failure !== null) throw failure;
}

/** The columns cells are decoded into: TableSchema.columns (ordinals are shared with CqlRow.values). */
export function decodeColumns(schema: TableSchema): readonly ColumnDef[] {
  return schema.columns;
}

/** Events of one SSTable, decoded with the reader of its format. */
export function sstableEvents(t: OpenedSSTable, schema: TableSchema, opts: ReadOptions = {}): EventBatches {
  const version = t.descriptor.version;
  if (isV3(version)) {
    const header = t.statistics.header;
    if (header === null) throw new AgentError('E_BAD_FORMAT', 'Statistics.db has no serialization header', { file: t.descriptor.componentPath('Statistics.db') });
    const layout = buildV3Layout(header, schema, decodeColumns(schema), t.data.path);
    return readV3(t.data, layout, opts);
  }
  return readV2(t.data, buildV2Layout(schema, t.data.path), opts);
}

/** Order of collection cell paths, per column (list: TimeUUID; set: element; map: key; UDT: field index). */
function pathComparator(type: CqlType): ValueComparator | undefined {
  const t = baseType(type);
  switch (t.kind) {
    case 'list': return compareValues(native('timeuuid'));
    case 'set': return compareValues(t.element);
    case 'map': return compareValues(t.key);
    case 'udt': return compareValues(native('smallint'));
    default: return undefined;
  }
}

export interface TableReadOptions {
  /** seconds since the epoch: "now" for TTL expiry */
  readonly nowInSec: number;
  readonly signal?: AbortSignal;
}

export function mergeOptionsFor(schema: TableSchema, partitionerClass: string, opts: TableReadOptions): MergeOptions {
  const columns = decodeColumns(schema);
  const infos: ColumnInfo[] = columns.map((c) => ({ isCounter: isCounter(c.type), isMultiCell: isMultiCell(c.type), isStatic: c.kind === 'static' }));
  const base = {
    partitioner: partitionerFromClass(partitionerClass),
    clustering: makeClusteringOrder(schema.clustering.map((c) => compareValues(c.type))),
    columns: infos,
    nowInSec: opts.nowInSec,
    mergeCounterContexts,
    pathComparators: columns.map((c) => pathComparator(c.type)),
  };
  return opts.signal === undefined ? base : { ...base, signal: opts.signal };
}

/**
 * Live CQL rows of the given SSTables, merged as one table (replicas or several generations).
 * @throws AgentError E_SCHEMA if the SSTables disagree on the partitioner
 */
export function tableRows(tables: readonly OpenedSSTable[], schema: TableSchema, opts: TableReadOptions): AsyncIterable<CqlRow[]> {
  const partitioners = new Set(tables.map((t) => t.statistics.partitioner));
  if (partitioners.size > 1) {
    throw new AgentError('E_SCHEMA', `the SSTables of ${schema.keyspace}.${schema.table} use different partitioners: ${[...partitioners].join(', ')}`);
  }
  const partitioner = [...partitioners][0] ?? 'org.apache.cassandra.dht.Murmur3Partitioner';
  const readOpts: ReadOptions = opts.signal === undefined ? {} : { signal: opts.signal };
  const mergeOpts = mergeOptionsFor(schema, partitioner, opts);
  const only = tables.length === 1 ? singleSSTableRows(tables[0] as OpenedSSTable, schema, mergeOpts, readOpts) : null;
  return only ?? mergeToCqlRows(tables.map((t) => sstableEvents(t, schema, readOpts)), mergeOpts);
}

/**
 * The live rows of ONE SSTable, over the partitions of [opts.start, opts.end), decoded straight into the
 * rows the merge would yield for it alone (v3/live-rows.ts, v2/live-rows.ts); null when that path does
 * not apply (a 3.x file without a serialization header, or a layout live-rows does not cover): then
 * merge its events.
 */
export function singleSSTableRows(t: OpenedSSTable, schema: TableSchema, mergeOpts: MergeOptions, opts: ReadOptions): AsyncGenerator<CqlRow[]> | null {
  if (!isV3(t.descriptor.version)) return readV2LiveRows(t.data, buildV2Layout(schema, t.data.path), mergeOpts, opts);
  if (t.statistics.header === null) return null;
  const layout = buildV3Layout(t.statistics.header, schema, decodeColumns(schema), t.data.path);
  return liveRowsSupported(layout, mergeOpts) ? readV3LiveRows(t.data, layout, mergeOpts, opts) : null;
}
