/**
 * The main-thread side of the decoding workers: starts N worker threads, hands each one task at a
 * time (the next one when it reports `done`, so fast workers take more ranges), and yields the encoded
 * batches they post, acknowledging each when the consumer takes it (back-pressure: at most
 * workers × maxInFlight batches wait here).
 *
 * Shutdown: when every task is done each worker is told to `close` and reports its CSV figures. On a
 * worker error, an abort signal, or a consumer that stops early, every worker is told to `abort`
 * (closes its files), and is terminated if it has not exited after ABORT_GRACE_MS. The first worker
 * error is rethrown; nothing is dropped silently.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AgentError } from '../errors.js';
import { mergeCsvStats, type CsvStats } from '../export/csv.js';
import type { EncodedBatch } from '../tasks/encode-batch.js';
import type { ReadTask } from './replicas.js';
import { deserializeError, type FromWorker, type ToWorker, type WorkerSetup } from './workers-protocol.js';

/** Records of one batch: text[ends[i-1] .. ends[i]) is record i (ends[-1] = 0); each ends with its delimiter. */
export interface TextBatch {
  readonly text: string;
  readonly ends: Uint32Array;
}

/** What a worker posted for one task: text (csv, json formats) or the extraction's records. */
export type PoolBatch =
  | { readonly kind: 'text'; readonly task: number; readonly batch: TextBatch; readonly dataBytes: number }
  | { readonly kind: 'records'; readonly task: number; readonly batch: EncodedBatch; readonly dataBytes: number };

export interface PoolResult {
  readonly rows: number;
  readonly tasks: number;
  readonly workers: number;
  /** the merged figures of every worker's CSV encoder (null for JSON) */
  readonly csvStats: CsvStats | null;
}

export interface PoolOptions {
  /** the compiled workers-entry.js */
  readonly workerUrl: URL;
  /** default: the number of cores */
  readonly workers?: number;
  readonly signal?: AbortSignal;
  /**
   * Yield the batches in task order (task 0's, then task 1's, …) instead of as they come. Workers
   * still run ahead on later tasks, each until `maxInFlight` of its batches wait here.
   */
  readonly ordered?: boolean;
}

const ABORT_GRACE_MS = 2000;

/**
 * V8 young generation of a worker, MB (semi-spaces of 8 MB instead of the default 16): a worker's rows
 * and cells die young, so smaller semi-spaces cost little time and save some 20 MB per worker
 * (docs/memory.md).
 */
const WORKER_YOUNG_GENERATION_MB = 24;

export function defaultWorkerCount(): number {
  return Math.max(1, cpus().length);
}

interface Slot {
  readonly worker: Worker;
  readonly index: number;
  exited: boolean;
  closed: boolean;
  readonly exit: Promise<void>;
}

interface Queued {
  readonly slot: Slot;
  readonly item: PoolBatch;
}

/** Posted batches waiting for the consumer: FIFO, or by task in task order (`ordered`). */
class BatchQueue {
  private readonly fifo: Queued[] = [];
  private readonly byTask = new Map<number, Queued[]>();
  private readonly done = new Set<number>();
  /** ordered: the task whose batches are yielded now */
  private current = 0;

  constructor(private readonly ordered: boolean) {}

  push(q: Queued): void {
    if (!this.ordered) {
      this.fifo.push(q);
      return;
    }
    const list = this.byTask.get(q.item.task);
    if (list === undefined) this.byTask.set(q.item.task, [q]);
    else list.push(q);
  }

  /** Every batch of `task` has been pushed (messages of one worker arrive in order). */
  taskDone(task: number): void {
    this.done.add(task);
  }

  take(): Queued | undefined {
    if (!this.ordered) return this.fifo.shift();
    for (;;) {
      const list = this.byTask.get(this.current);
      const q = list?.shift();
      if (q !== undefined) return q;
      if (!this.done.has(this.current)) return undefined;
      this.byTask.delete(this.current);
      this.done.delete(this.current);
      this.current++;
    }
  }
}

/**
 * Runs `tasks` on a pool and yields their batches, as they come or in task order (`ordered`).
 * `onResult` receives the totals after the last batch.
 * @throws AgentError the first worker failure, or the signal's reason
 */
export async function* runPool(setup: WorkerSetup, tasks: readonly ReadTask[], opts: PoolOptions, onResult?: (r: PoolResult) => void): AsyncGenerator<PoolBatch> {
  opts.signal?.throwIfAborted();
  const count = Math.max(1, Math.min(opts.workers ?? defaultWorkerCount(), Math.max(1, tasks.length)));
  const queue = new BatchQueue(opts.ordered === true);
  let next = 0;
  let rows = 0;
  let csvStats: CsvStats | null = null;
  let failure: AgentError | null = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const send = (s: Slot, m: ToWorker): void => {
    if (!s.exited) s.worker.postMessage(m);
  };
  const assign = (s: Slot): void => {
    const task = tasks[next];
    if (task === undefined) send(s, { kind: 'close' });
    else send(s, { kind: 'task', id: next++, task });
  };
  const slots: Slot[] = [];
  for (let i = 0; i < count; i++) {
    const worker = new Worker(opts.workerUrl, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot = { worker, index: i, exited: false, closed: false, exit };
    worker.on('message', (m: FromWorker) => {
      switch (m.kind) {
        case 'batch':
          queue.push({ slot, item: { kind: 'text', task: m.id, batch: { text: m.text, ends: m.ends }, dataBytes: m.dataBytes } });
          break;
        case 'records':
          queue.push({ slot, item: { kind: 'records', task: m.id, batch: { bytes: m.bytes, ends: m.ends, count: m.count, problems: m.problems }, dataBytes: m.dataBytes } });
          break;
        case 'done':
          rows += m.rows;
          queue.taskDone(m.id);
          assign(slot);
          break;
        case 'closed':
          slot.closed = true;
          if (m.csvStats !== null) csvStats = csvStats === null ? m.csvStats : mergeCsvStats(csvStats, m.csvStats);
          break;
        case 'error':
          failure ??= deserializeError(m.error, i);
          break;
      }
      notify();
    });
    worker.on('error', (e) => {
      failure ??= new AgentError('E_IO', `decoding worker ${i} crashed: ${e.message}`, {}, { cause: e });
      notify();
    });
    worker.on('exit', (code) => {
      slot.exited = true;
      if (!slot.closed) failure ??= new AgentError('E_IO', `decoding worker ${i} exited (code ${code}) before finishing its tasks`);
      notify();
    });
    slots.push(slot);
    assign(slot);
  }
  const onAbort = (): void => notify();
  opts.signal?.addEventListener('abort', onAbort);
  let finished = false;
  try {
    for (;;) {
      if (failure !== null) throw failure;
      opts.signal?.throwIfAborted();
      const q = queue.take();
      if (q !== undefined) {
        send(q.slot, { kind: 'ack' });
        yield q.item;
        continue;
      }
      if (slots.every((s) => s.closed)) break;
      await new Promise<void>((r) => { wake = r; });
    }
    finished = true;
    onResult?.({ rows, tasks: tasks.length, workers: count, csvStats });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      for (const s of slots) send(s, { kind: 'abort' });
      const grace = new Promise<void>((r) => setTimeout(r, ABORT_GRACE_MS).unref());
      await Promise.race([Promise.all(slots.map((s) => s.exit)), grace]);
    }
    for (const s of slots) if (!s.exited) await s.worker.terminate();
  }
}

/** The records of a batch as separate strings (slices of the batch text). */
export function batchRecords(b: TextBatch): string[] {
  const out = new Array<string>(b.ends.length);
  let start = 0;
  for (let i = 0; i < b.ends.length; i++) {
    const end = b.ends[i] as number;
    out[i] = b.text.slice(start, end);
    start = end;
  }
  return out;
}
