/**
 * The entry points for reading a table (on one node or several) as token ranges:
 *
 * - parallelTableLines / parallelTableText: ranges decoded in worker threads, output ENCODED (CSV
 *   records or JSON lines). Every row comes exactly once per the replica mode; order across ranges is
 *   not kept (within a range it is token order).
 * - sequentialTableRows: the same plan in this thread, as CqlRow batches (no workers).
 *
 * Planning reads only Statistics.db, CompressionInfo.db and Summary.db of each SSTable. Memory in the
 * main thread: workers × maxInFlight batches of batchRows records.
 *
 * Workers run the COMPILED dist/cluster/workers-entry.js: from dist it is this module's sibling; when
 * this module runs as TypeScript source (vitest), the dist copy is used, which must have been built
 * (npm run build).
 */
import type { RowEngine } from '../wasm/engine.js';
import { openTableSSTables } from '../catalog/open-table.js';
import { AgentError } from '../errors.js';
import type { CsvStats } from '../export/csv.js';
import type { PartialExportOptions } from '../export/options.js';
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import { closeAll, type OpenedSSTable } from '../sstable/table.js';
import type { TokenRange } from './ranges.js';
import { commonPartitioner, openSeekers, planRanges, type SplitMethod } from './range-reader.js';
import { planReplicaRead, replicaRows, type NodeSSTables, type Placement, type ReplicaMode, type ReplicaPlan } from './replicas.js';
import { mbpsToBytesPerSecond, meteredDataSource, onDiskChunkCost, throttleSSTable, TokenBucket } from './throttle.js';
import type { EncodedBatch } from '../tasks/encode-batch.js';
import { batchRecords, defaultWorkerCount, runPool, type PoolBatch, type PoolResult, type TextBatch, type WorkerPool } from './workers.js';
import type { OutputFormat, WorkerNode, WorkerSetup } from './workers-protocol.js';

export type { TextBatch } from './workers.js';
export type { OutputFormat, WorkerNode } from './workers-protocol.js';

export interface TableReadRequest {
  /** one node's table paths (table dirs, Data.db files, or data dirs with keyspace + table) */
  readonly paths?: readonly string[];
  /** several nodes, each with its own paths; `paths` and `nodes` are exclusive */
  readonly nodes?: readonly WorkerNode[];
  readonly keyspace?: string;
  readonly table?: string;
  readonly nowInSec: number;
  /** how many ranges to plan (default: workers × 4), or the ranges themselves */
  readonly ranges?: number | readonly TokenRange[];
  /** default 'summary' (ranges of similar partition counts) */
  readonly split?: SplitMethod;
  /** default 'merge' */
  readonly replicaMode?: ReplicaMode;
  /** ring + keyspace replication; required for 'primary-range' (ring.ts) */
  readonly placement?: Placement;
  /** read limit per node, MB/s (10^6 bytes) of on-disk Data.db; default unlimited */
  readonly bandwidthMBps?: number;
}

/** sequentialTableRows' options */
export interface SequentialOptions {
  readonly signal?: AbortSignal;
  /** on-disk Data.db bytes of each chunk decoded (progress) */
  readonly onDataBytes?: (n: number) => void;
}

export interface ParallelRequest extends TableReadRequest {
  readonly schemaFile?: string;
  /** the schema the caller resolved; absent: each worker resolves it (schemaFile or discovery) */
  readonly schema?: TableSchema;
  /** default: the number of cores */
  readonly workers?: number;
  readonly format: OutputFormat;
  /** CSV options (csvRowEncoder); ignored for JSON */
  readonly exportOptions?: PartialExportOptions;
  /** records per batch; default 2048 */
  readonly batchRows?: number;
  /** records format: bytes per batch at most (about); default 1 MiB */
  readonly batchBytes?: number;
  /** unacknowledged batches per worker; default 4 */
  readonly maxInFlight?: number;
  /** records format: the per-row path of single-SSTable ranges; default 'auto' */
  readonly engine?: RowEngine;
}

export interface ParallelOptions {
  readonly signal?: AbortSignal;
  /** the compiled workers-entry.js; default defaultWorkerUrl() (or the pool's) */
  readonly workerUrl?: URL;
  /** workers kept between reads (workers.ts WorkerPool); default: workers for this read only */
  readonly pool?: WorkerPool;
}

export interface ParallelSummary {
  /** which replica mode ran (for the task report) */
  readonly mode: ReplicaMode;
  readonly ranges: number;
  readonly tasks: number;
  readonly workers: number;
  readonly rows: number;
  readonly csvStats: CsvStats | null;
}

/** An iterable run; summary() is available once iteration has ended normally. */
export interface ParallelRun<T> extends AsyncIterable<T> {
  summary(): ParallelSummary;
}

export function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/cluster/workers-entry.js', here) : new URL('./workers-entry.js', here);
}

function requestNodes(req: TableReadRequest): readonly WorkerNode[] {
  if ((req.paths === undefined) === (req.nodes === undefined)) throw new AgentError('E_BAD_ARGUMENT', 'give either paths (one node) or nodes');
  const nodes = req.nodes ?? [{ node: 'local', paths: req.paths ?? [] }];
  if (nodes.length === 0) throw new AgentError('E_BAD_ARGUMENT', 'no nodes to read');
  return nodes;
}

async function openNode(n: WorkerNode, req: TableReadRequest, bucket: TokenBucket | null, onDataBytes?: (n: number) => void): Promise<NodeSSTables> {
  const { sstables: all } = await openTableSSTables(n.paths, req.keyspace, req.table);
  const sstables: OpenedSSTable[] = [];
  try {
    for (const opened of all) {
      const t = onDataBytes === undefined ? opened : { ...opened, data: meteredDataSource(opened.data, await onDiskChunkCost(opened), onDataBytes) };
      sstables.push(bucket === null ? t : await throttleSSTable(t, bucket));
    }
  } catch (e) {
    await closeAll(all);
    throw e;
  }
  return { node: n.node, sstables };
}

export interface ReadPlan {
  readonly plan: ReplicaPlan;
  readonly ranges: readonly TokenRange[];
  readonly partitioner: string;
}

/**
 * Plans ranges and tasks (reads Statistics.db, CompressionInfo.db, Summary.db of every SSTable).
 * `tail`: how many of the last ranges to cut smaller (planRanges); the parallel reads give their
 * worker count, so that each worker's last range is a short one.
 */
export async function planTableRead(req: TableReadRequest, rangeCount: number, tail = 0): Promise<ReadPlan> {
  const nodes = requestNodes(req);
  const opened: NodeSSTables[] = [];
  try {
    for (const n of nodes) opened.push(await openNode(n, req, null));
    const all = opened.flatMap((n) => n.sstables);
    const partitioner = commonPartitioner(all, `${req.keyspace ?? '?'}.${req.table ?? '?'}`);
    const ranges = Array.isArray(req.ranges) ? (req.ranges as readonly TokenRange[]) : planRanges(await openSeekers(all), partitioner, rangeCount, req.split ?? 'summary', tail);
    const plan = planReplicaRead(req.replicaMode ?? 'merge', nodes.map((n) => n.node), ranges, req.placement);
    return { plan, ranges, partitioner };
  } finally {
    for (const n of opened) await closeAll(n.sstables);
  }
}

/** The pool run behind the parallel readers: plan, start workers, yield what they post. */
function poolRun(req: ParallelRequest, opts: ParallelOptions, ordered: boolean): ParallelRun<PoolBatch> {
  let summary: ParallelSummary | null = null;
  async function* run(): AsyncGenerator<PoolBatch> {
    const workers = req.workers ?? defaultWorkerCount();
    const nodes = requestNodes(req);
    const rangeCount = typeof req.ranges === 'number' ? req.ranges : workers * 4;
    const { plan, ranges } = await planTableRead(req, rangeCount, workers > 1 ? workers : 0);
    const setup: WorkerSetup = {
      nodes,
      groups: plan.groups,
      ...(req.keyspace === undefined ? {} : { keyspace: req.keyspace }),
      ...(req.table === undefined ? {} : { table: req.table }),
      ...(req.schemaFile === undefined ? {} : { schemaFile: req.schemaFile }),
      ...(req.schema === undefined ? {} : { schema: req.schema }),
      nowInSec: req.nowInSec,
      format: req.format,
      ...(req.exportOptions === undefined ? {} : { exportOptions: req.exportOptions }),
      bytesPerSecondPerNode: req.bandwidthMBps === undefined ? null : mbpsToBytesPerSecond(req.bandwidthMBps) / Math.min(workers, Math.max(1, plan.tasks.length)),
      batchRows: req.batchRows ?? 2048,
      batchBytes: req.batchBytes ?? 1 << 20,
      maxInFlight: req.maxInFlight ?? 4,
      ...(req.engine === undefined ? {} : { engine: req.engine }),
    };
    const poolOpts = {
      workerUrl: opts.workerUrl ?? opts.pool?.workerUrl ?? defaultWorkerUrl(), workers, ordered,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.pool === undefined ? {} : { pool: opts.pool }),
    };
    const done = (r: PoolResult): void => {
      summary = { mode: plan.mode, ranges: ranges.length, tasks: r.tasks, workers: r.workers, rows: r.rows, csvStats: r.csvStats };
    };
    yield* runPool(setup, plan.tasks, poolOpts, done);
  }
  return {
    [Symbol.asyncIterator]: () => run(),
    summary: () => {
      if (summary === null) throw new AgentError('E_BAD_ARGUMENT', 'the parallel read has not finished; read it to its end first');
      return summary;
    },
  };
}

/** Worker output as text batches (for `dump`: write batch.text as it is); format csv or json. */
export function parallelTableText(req: ParallelRequest, opts: ParallelOptions = {}): ParallelRun<TextBatch> {
  const pool = poolRun(req, opts, false);
  return {
    async *[Symbol.asyncIterator]() {
      for await (const b of pool) if (b.kind === 'text') yield b.batch;
    },
    summary: () => pool.summary(),
  };
}

/** One batch of the extraction's records, and the on-disk Data.db bytes decoded for it (progress). */
export interface RecordsBatch {
  readonly batch: EncodedBatch;
  readonly dataBytes: number;
}

/**
 * The extraction's records (format 'records': encode-batch.ts), IN TASK ORDER: the sequence is the
 * same in every run over the same SSTables and plan (checkpoints rely on it), whatever the workers'
 * speeds. Memory: workers × maxInFlight batches of about batchBytes each.
 */
export function parallelTableRecords(req: ParallelRequest, opts: ParallelOptions = {}): ParallelRun<RecordsBatch> {
  const pool = poolRun({ ...req, format: 'records' }, opts, true);
  return {
    async *[Symbol.asyncIterator]() {
      for await (const b of pool) if (b.kind === 'records') yield { batch: b.batch, dataBytes: b.dataBytes };
    },
    summary: () => pool.summary(),
  };
}

/** Worker output as batches of records (CSV records or JSON lines, each with its delimiter): csvParts input. */
export function parallelTableLines(req: ParallelRequest, opts: ParallelOptions = {}): ParallelRun<string[]> {
  const text = parallelTableText(req, opts);
  return {
    async *[Symbol.asyncIterator]() {
      for await (const b of text) yield batchRecords(b);
    },
    summary: () => text.summary(),
  };
}

/**
 * The same plan in this thread: reconciled CqlRow batches, range after range (the RowSource for
 * in-process callers). The caller gives the schema (resolveSchema).
 */
export async function* sequentialTableRows(req: TableReadRequest, schema: TableSchema, opts: SequentialOptions = {}): AsyncGenerator<CqlRow[]> {
  const nodes = requestNodes(req);
  const { plan, ranges } = await planTableRead(req, typeof req.ranges === 'number' ? req.ranges : 1);
  const rate = req.bandwidthMBps === undefined ? null : mbpsToBytesPerSecond(req.bandwidthMBps);
  const opened: NodeSSTables[] = [];
  try {
    for (const n of nodes) opened.push(await openNode(n, req, rate === null ? null : new TokenBucket(rate), opts.onDataBytes));
    yield* replicaRows(opened, schema, {
      mode: plan.mode,
      ranges,
      nowInSec: req.nowInSec,
      ...(req.placement === undefined ? {} : { placement: req.placement }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  } finally {
    for (const n of opened) await closeAll(n.sstables);
  }
}
