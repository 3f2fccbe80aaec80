/**
 * How an extraction reads a table's SSTables (ReadSettings of extract.ts), as a RecordSourceFactory:
 *
 * - workers >= 1: token ranges decoded, merged, encoded and checked in worker threads
 *   (cluster/parallel.ts `parallelTableRecords`), consumed IN TASK ORDER, so the records come out in
 *   the same sequence as a single-threaded read of the same plan (resume and byte-identical output
 *   rely on it); a table smaller than one range (RANGE_DATA_BYTES) is read in this thread instead;
 * - workers = 0: the same plan in this thread (`sequentialTableRows`); the plain merge of every
 *   SSTable when nothing else is asked (the fastest single-thread path).
 *
 * Range planning for workers: ranges of about RANGE_DATA_BYTES of on-disk Data.db, and at least
 * 4 per worker. A range that small fits whole in the batches a worker may keep in flight, so a worker
 * ahead of the consumer never stalls for long (ordered consumption, parallelism intact), and memory
 * stays workers × maxInFlight × batchBytes.
 */
import { readNodeTopology, readKeyspaceReplication, ringFromTopologies } from '../cluster/ring.js';
import { parallelTableRecords, sequentialTableRows } from '../cluster/parallel.js';
import type { WorkerPool } from '../cluster/workers.js';
import type { Placement, ReplicaMode } from '../cluster/replicas.js';
import { AgentError } from '../errors.js';
import { bufferReclaimer } from '../util/reclaim.js';
import type { RowEngine } from '../wasm/engine.js';
import type { DataRoot } from './extract-plan.js';
import { batchEncoder, encodeRuns, RECORD_RUN_BYTES } from './encode-batch.js';
import { dataBytesOf, sstableRecords, type RecordSourceFactory, type RecordStream, type RowSourceOptions, type TableInput } from './extract-source.js';

export const RANGE_DATA_BYTES = 4 * 1024 * 1024;
/** batches a worker may have waiting for the consumer, and their size */
export const WORKER_MAX_IN_FLIGHT = 32;
export const WORKER_BATCH_BYTES = RECORD_RUN_BYTES;
/** the main thread collects after this many bytes of batches (util/reclaim.ts) */
export const MAIN_RECLAIM_BYTES = 16 << 20;

export interface RecordReadOptions {
  readonly workers: number;
  readonly replicaMode: ReplicaMode;
  readonly bandwidthMBps?: number;
  /** required for primary-range */
  readonly placement?: Placement;
  readonly schemaFile?: string;
  /** the compiled workers-entry.js (tests); default parallel.ts defaultWorkerUrl() */
  readonly workerUrl?: URL;
  /** workers kept from table to table (the caller closes it); default: each table starts its own */
  readonly pool?: WorkerPool;
  /** with workers: tables with less on-disk Data.db than this are read in this thread; default RANGE_DATA_BYTES */
  readonly inThreadBelowBytes?: number;
  /** the per-row path of single-SSTable reads, in this thread and in the workers; default 'auto' */
  readonly engine?: RowEngine;
}

/** How many token ranges to plan for a table of `dataBytes` on-disk Data.db bytes. */
export function rangeCountFor(dataBytes: number, workers: number): number {
  return Math.min(100_000, Math.max(workers * 4, Math.ceil(dataBytes / RANGE_DATA_BYTES)));
}

/** The same plan in this thread (workers = 0). */
function inThreadRecords(r: RecordReadOptions): RecordSourceFactory {
  if (r.replicaMode === 'merge' && r.bandwidthMBps === undefined) return sstableRecords(r.engine ?? 'auto');
  return (t, opts) => {
    const encoder = batchEncoder(t.schema, t.options);
    const rows = sequentialTableRows({
      nodes: t.nodes, keyspace: t.schema.keyspace, table: t.schema.table, nowInSec: opts.nowInSec, replicaMode: r.replicaMode,
      ...(r.placement === undefined ? {} : { placement: r.placement }),
      ...(r.bandwidthMBps === undefined ? {} : { bandwidthMBps: r.bandwidthMBps }),
    }, t.schema, {
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.onDataBytes === undefined ? {} : { onDataBytes: opts.onDataBytes }),
    });
    return {
      async *[Symbol.asyncIterator]() {
        yield* encodeRuns(encoder, rows);
      },
      stats: () => encoder.stats,
    };
  };
}

/** Token ranges in `r.workers` worker threads, records consumed in task order. */
function workerRecords(r: RecordReadOptions, t: TableInput, opts: RowSourceOptions, dataBytes: number): RecordStream {
  let stats: ReturnType<typeof batchEncoder>['stats'] | null = null;
  return {
    async *[Symbol.asyncIterator]() {
      const run = parallelTableRecords({
        nodes: t.nodes, keyspace: t.schema.keyspace, table: t.schema.table, schema: t.schema, nowInSec: opts.nowInSec,
        ranges: rangeCountFor(dataBytes, r.workers), replicaMode: r.replicaMode, workers: r.workers,
        format: 'records', exportOptions: t.options, batchBytes: WORKER_BATCH_BYTES, maxInFlight: WORKER_MAX_IN_FLIGHT,
        ...(r.engine === undefined ? {} : { engine: r.engine }),
        ...(r.placement === undefined ? {} : { placement: r.placement }),
        ...(r.bandwidthMBps === undefined ? {} : { bandwidthMBps: r.bandwidthMBps }),
        ...(r.schemaFile === undefined ? {} : { schemaFile: r.schemaFile }),
      }, {
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        ...(r.workerUrl === undefined ? {} : { workerUrl: r.workerUrl }),
        ...(r.pool === undefined ? {} : { pool: r.pool }),
      });
      const reclaim = bufferReclaimer(MAIN_RECLAIM_BYTES);
      for await (const b of run) {
        if (b.dataBytes > 0) opts.onDataBytes?.(b.dataBytes);
        yield b.batch;
        reclaim(b.batch.bytes.byteLength);
      }
      stats = run.summary().csvStats;
    },
    stats: () => {
      if (stats === null) throw new AgentError('E_INTERNAL', `${t.schema.keyspace}.${t.schema.table}: CSV figures asked before the read ended`);
      return stats;
    },
  };
}

/** Whether a table of `dataBytes` of Data.db is read by workers, when there are any (recordSourceFor). */
export function readByWorkers(dataBytes: number, inThreadBelowBytes: number | undefined): boolean {
  return dataBytes >= (inThreadBelowBytes ?? RANGE_DATA_BYTES);
}

/**
 * How a table's records are read: in this thread with `workers` 0, and for a table smaller than one
 * range (RANGE_DATA_BYTES of Data.db), which workers would not split, and on which their setup costs
 * more than it saves; in worker threads otherwise. Both give the same records in the same order.
 */
export function recordSourceFor(r: RecordReadOptions): RecordSourceFactory {
  const inThread = inThreadRecords(r);
  if (r.workers === 0) return inThread;
  return (t, opts) => {
    let chosen: RecordStream | null = null;
    return {
      async *[Symbol.asyncIterator]() {
        const dataBytes = await dataBytesOf(t.loc);
        chosen = readByWorkers(dataBytes, r.inThreadBelowBytes) ? workerRecords(r, t, opts, dataBytes) : inThread(t, opts);
        yield* chosen;
      },
      stats: () => {
        if (chosen === null) throw new AgentError('E_INTERNAL', `${t.schema.keyspace}.${t.schema.table}: CSV figures asked before the read began`);
        return chosen.stats();
      },
    };
  };
}

/**
 * The ring and the keyspace's replication, for `primary-range`: each node's own system.local (its
 * host id and tokens) and system.peers, from its first data directory.
 * @returns the placement, and per node (in order) its ring id
 * @throws AgentError E_NOT_FOUND naming the node whose system tables are missing
 */
export async function readPlacement(nodes: readonly { name: string; roots: readonly DataRoot[] }[], keyspace: string, nowInSec: number): Promise<{ placement: Placement; ids: string[] }> {
  const views = [];
  for (const n of nodes) {
    const first = n.roots[0];
    if (first === undefined) throw new AgentError('E_BAD_ARGUMENT', `node ${n.name} has no data directory`, { host: n.name });
    try {
      views.push(await readNodeTopology(first.dataDir, nowInSec));
    } catch (e) {
      throw new AgentError('E_NOT_FOUND', `replica mode primary-range needs each node's system.local: ${n.name}: ${(e as Error).message}`, { host: n.name }, { cause: e });
    }
  }
  const ring = ringFromTopologies(views);
  let replication = null;
  for (const n of nodes) {
    replication = await readKeyspaceReplication((n.roots[0] as DataRoot).dataDir, keyspace, nowInSec);
    if (replication !== null) break;
  }
  if (replication === null) throw new AgentError('E_SCHEMA', `replica mode primary-range needs the replication of keyspace ${keyspace}, and no node's schema tables list it`);
  return { placement: { ring, replication }, ids: views.map((v) => v.self.id) };
}
