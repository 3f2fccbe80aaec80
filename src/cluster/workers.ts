/**
 * The main-thread side of the decoding workers. A WorkerPool keeps worker threads between table reads
 * (an extraction of many tables, a daemon task), so that each read does not pay for starting threads
 * and compiling the decoder again. `runPool` takes N workers from a pool (or from a pool of its own),
 * sets them up for one read, hands each one task at a time (the next one when it reports `done`, so
 * fast workers take more ranges), and yields the encoded batches they post, acknowledging each when
 * the consumer takes it (back-pressure: at most workers × maxInFlight batches wait here).
 *
 * Shutdown of a read: when every task is done each worker is told to `close`, reports its CSV figures
 * and goes back to the pool. On a worker error, an abort signal, or a consumer that stops early, every
 * worker of the read is told to `abort` (closes its files and exits), and is terminated if it has not
 * exited after ABORT_GRACE_MS; the pool starts fresh workers for the next read. The first worker error
 * is rethrown; nothing is dropped silently.
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
  /** the compiled workers-entry.js (for a pool of its own, when `pool` is not given) */
  readonly workerUrl: URL;
  /** workers kept between reads; default: a pool for this read only, closed at its end */
  readonly pool?: WorkerPool;
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
 * V8 young generation of a worker, MB (semi-spaces of 12 MB instead of the default 16). Merging
 * replicas or SSTables keeps each source's current batch and an output batch alive across minor
 * collections: with 8 MB semi-spaces (24 here) much of it was promoted, and a 1-worker extraction of
 * three replicas took 15-20 s instead of 12-13 s at 36, for the same peak RSS. Reading a single
 * SSTable, 36 costs about 10 MB per worker over 24 (docs/memory.md).
 */
const WORKER_YOUNG_GENERATION_MB = 36;

export function defaultWorkerCount(): number {
  return Math.max(1, cpus().length);
}

/**
 * Worker threads kept between reads. `take` hands out idle workers (starting new ones as needed) to one
 * read, which gives back those that ended it cleanly; a worker that failed, was aborted or died is
 * never given back. `close` ends the idle workers. Not for concurrent reads of more workers than wanted:
 * each read takes its own.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly live = new Set<Worker>();
  private closed = false;
  private startedCount = 0;

  constructor(readonly workerUrl: URL) {}

  /** Worker threads started since the pool was made. */
  get started(): number {
    return this.startedCount;
  }

  /** Workers started so far and still alive (idle or in a read). */
  get size(): number {
    return this.live.size;
  }

  /** `count` workers for one read: idle ones first, then new ones. */
  take(count: number): Worker[] {
    if (this.closed) throw new AgentError('E_INTERNAL', 'the worker pool is closed');
    const out = this.idle.splice(0, count);
    while (out.length < count) out.push(this.start());
    return out;
  }

  /**
   * Starts workers until `count` are idle, for a read about to be planned: a worker takes 100-150 ms
   * to load its code, which then overlaps the planning instead of following it. Idle workers end with
   * `close` like any other.
   */
  prestart(count: number): void {
    if (this.closed) throw new AgentError('E_INTERNAL', 'the worker pool is closed');
    while (this.idle.length < count) this.idle.push(this.start());
  }

  private start(): Worker {
    const w = new Worker(this.workerUrl, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.live.add(w);
    this.startedCount++;
    // A read reports its workers' errors (runPool). One that fails while idle (prestart) only exits and
    // leaves the pool: the worker started in its place by the next read reports the same failure.
    w.on('error', () => undefined);
    w.once('exit', () => {
      this.live.delete(w);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return w;
  }

  /** A worker whose read ended by `close` (it reported `closed` with its figures). */
  give(w: Worker): void {
    if (!this.live.has(w)) return;
    if (this.closed) w.postMessage({ kind: 'exit' } satisfies ToWorker);
    else this.idle.push(w);
  }

  /** Ends every idle worker (and, after ABORT_GRACE_MS, terminates whatever is left). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.live];
    const exits = all.map((w) => new Promise<void>((r) => (this.live.has(w) ? w.once('exit', () => r()) : r())));
    for (const w of this.idle) w.postMessage({ kind: 'exit' } satisfies ToWorker);
    this.idle.length = 0;
    const grace = new Promise<void>((r) => setTimeout(r, ABORT_GRACE_MS).unref());
    await Promise.race([Promise.all(exits), grace]);
    for (const w of all) if (this.live.has(w)) await w.terminate();
  }
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
  const pool = opts.pool ?? new WorkerPool(opts.workerUrl);
  const slots: Slot[] = [];
  const detach: (() => void)[] = [];
  const workers = pool.take(count);
  for (let i = 0; i < count; i++) {
    const worker = workers[i] as Worker;
    let exited = (): void => undefined;
    const exit = new Promise<void>((resolve) => { exited = resolve; });
    const slot: Slot = { worker, index: i, exited: false, closed: false, exit };
    const onMessage = (m: FromWorker): void => {
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
    };
    const onError = (e: Error): void => {
      failure ??= new AgentError('E_IO', `decoding worker ${i} crashed: ${e.message}`, {}, { cause: e });
      notify();
    };
    const onExit = (code: number): void => {
      slot.exited = true;
      exited();
      if (!slot.closed) failure ??= new AgentError('E_IO', `decoding worker ${i} exited (code ${code}) before finishing its tasks`);
      notify();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    detach.push(() => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    });
    slots.push(slot);
    send(slot, { kind: 'setup', setup });
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
      for (const s of slots) if (!s.exited) await s.worker.terminate();
    }
    for (const d of detach) d();
    // a clean read leaves its workers set for the next one; the others have exited
    if (finished) for (const s of slots) pool.give(s.worker);
    if (opts.pool === undefined) await pool.close();
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
