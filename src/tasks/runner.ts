/**
 * Runs tasks through the injected extractor, one AbortController per run, and keeps their records
 * durable. The in-memory record is the truth between writes; every change goes through `transition`
 * first (which throws E_CONFLICT before anything changes) and is then saved in order.
 *
 * - pause: abort the run, keep the checkpoint; resume runs again from it.
 * - stop: abort the run; the next start begins again from scratch (the checkpoint is cleared then).
 * - daemon shutdown: abort every run, leave the records `running`; `open` resumes them at next start.
 * - a full disk (ENOSPC, AgentError E_DISK_FULL) pauses the task with the error; nothing is lost
 *   since completed parts are in the checkpoint and the part in flight is written again on resume.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AgentError, isAgentError } from '../errors.js';
import { TaskLog, type TaskLogEntry } from './logs.js';
import {
  emptyProgress, isActive, isRunning, transition,
  type ErrorInfo, type RunOutcome, type TaskEvent, type TaskProgress, type TaskRecord, type TaskSpec,
} from './model.js';
import { ProgressTracker } from './progress.js';
import type { ExtractFn, ExtractJob, ExtractLogLevel, NodeDataDirs } from './runner-port.js';
import type { TaskStore } from './store.js';

/** LOAD file size when a task does not say (records written before the field existed) */
export const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

export interface TaskRunnerDeps {
  readonly store: TaskStore;
  readonly extract: ExtractFn;
  readonly logger: Logger;
  /** default parent of local task output: <outputFolder>/<task id> */
  readonly outputFolder: string;
  /** data directories of the mounted nodes, for tasks that name none */
  readonly dataDirectories: () => Promise<string[]>;
  /** called before a task's files are removed (e.g. to clear its snapshot); a failure is logged, the delete goes on */
  readonly onDelete?: (rec: TaskRecord, checkpointDir: string) => Promise<void>;
  /** the mounted data directories by node; absent: each directory is a node of its own */
  readonly nodeDataDirectories?: () => Promise<NodeDataDirs[]>;
  readonly now?: () => number;
  /** how often progress is written to task.json while running, ms (default 1000) */
  readonly progressSaveIntervalMs?: number;
}

export type TaskUpdate =
  | { readonly kind: 'state'; readonly task: TaskRecord }
  | { readonly kind: 'progress'; readonly id: string; readonly progress: TaskProgress }
  | { readonly kind: 'log'; readonly id: string; readonly entry: TaskLogEntry };

type Listener = (u: TaskUpdate) => void;

interface ActiveRun {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

export class TaskRunner {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly runs = new Map<string, ActiveRun>();
  private readonly logs = new Map<string, TaskLog>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly now: () => number;
  private closing = false;

  private constructor(private readonly deps: TaskRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Loads every stored task and settles what a crash left half-way: `pausing` -> paused,
   * `stopping` -> stopped, `running` -> resumed from its checkpoint (a new run starts now).
   */
  static async open(deps: TaskRunnerDeps): Promise<TaskRunner> {
    const runner = new TaskRunner(deps);
    const { records, problems } = await deps.store.loadAll();
    for (const p of problems) deps.logger.error({ dir: p.dir }, `skipping unreadable task: ${p.message}`);
    const toResume: string[] = [];
    for (const r of records) {
      let rec = r;
      if (r.state.kind === 'pausing') rec = runner.withState(r, { kind: 'paused', reason: r.state.reason });
      else if (r.state.kind === 'stopping') rec = runner.withState(r, { kind: 'stopped' });
      else if (r.state.kind === 'running') toResume.push(r.id);
      runner.tasks.set(rec.id, rec);
      if (rec !== r) await deps.store.save(rec);
    }
    for (const id of toResume) {
      const rec = runner.put({ ...runner.mustGet(id), state: { kind: 'running', since: runner.iso() }, runs: runner.mustGet(id).runs + 1 });
      await deps.store.save(rec);
      runner.log(id, 'info', `resuming after an agent restart (run ${rec.runs})`);
      runner.launch(rec);
    }
    return runner;
  }

  list(): TaskRecord[] {
    return [...this.tasks.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  /** @throws AgentError E_NOT_FOUND */
  get(id: string): TaskRecord {
    return this.mustGet(id);
  }

  /** Stores a new task in state `created`. @throws AgentError E_UNSUPPORTED_FEATURE for CDC, E_BAD_ARGUMENT */
  async create(spec: TaskSpec): Promise<TaskRecord> {
    if (spec.migrationType === 'full-load-and-cdc') {
      throw new AgentError('E_UNSUPPORTED_FEATURE', 'migration type "full-load-and-cdc" is not available yet (ongoing changes need the CDC reader); create the task with "full-load"');
    }
    if (new Set(spec.tables).size !== spec.tables.length) throw new AgentError('E_BAD_ARGUMENT', 'tables lists a table twice');
    const at = this.iso();
    const rec: TaskRecord = { id: randomUUID(), createdAt: at, updatedAt: at, spec, state: { kind: 'created' }, progress: emptyProgress(spec.tables), runs: 0 };
    await this.deps.store.save(rec);
    this.tasks.set(rec.id, rec);
    this.emit({ kind: 'state', task: rec });
    return rec;
  }

  /** created / stopped (from scratch) / failed (from the checkpoint) -> running. */
  async start(id: string): Promise<TaskRecord> {
    const rec = this.mustGet(id);
    const next = this.next(rec, { kind: 'start' });
    this.checkConflicts(rec);
    let base = rec;
    if (rec.state.kind === 'stopped') {
      await this.deps.store.clearCheckpoint(id);
      base = { ...rec, progress: emptyProgress(rec.spec.tables) };
    }
    const started = await this.commit({ ...base, runs: base.runs + 1 }, next);
    this.log(id, 'info', `started (run ${started.runs})`);
    this.launch(started);
    return started;
  }

  /** paused -> running, from the checkpoint. */
  async resume(id: string): Promise<TaskRecord> {
    const rec = this.mustGet(id);
    const next = this.next(rec, { kind: 'resume' });
    this.checkConflicts(rec);
    const resumed = await this.commit({ ...rec, runs: rec.runs + 1 }, next);
    this.log(id, 'info', `resumed (run ${resumed.runs})`);
    this.launch(resumed);
    return resumed;
  }

  /** running -> pausing; the run's end makes it paused. */
  async pause(id: string): Promise<TaskRecord> {
    const rec = this.mustGet(id);
    const out = await this.commit(rec, this.next(rec, { kind: 'pause', reason: 'user' }));
    this.log(id, 'info', 'pause requested');
    this.runs.get(id)?.controller.abort(new AgentError('E_CONFLICT', 'task paused'));
    return out;
  }

  /** running/pausing -> stopping (the run's end makes it stopped); paused -> stopped. */
  async stop(id: string): Promise<TaskRecord> {
    const rec = this.mustGet(id);
    const out = await this.commit(rec, this.next(rec, { kind: 'stop' }));
    this.log(id, 'info', 'stop requested');
    this.runs.get(id)?.controller.abort(new AgentError('E_CONFLICT', 'task stopped'));
    return out;
  }

  /** Forgets a task that is not running (its output stays). @throws E_CONFLICT while a run is in flight */
  async delete(id: string): Promise<void> {
    const rec = this.mustGet(id);
    if (isRunning(rec.state) || this.runs.has(id)) throw new AgentError('E_CONFLICT', `task ${id} is ${rec.state.kind}; stop it before deleting it`);
    if (this.deps.onDelete !== undefined) {
      await this.deps.onDelete(rec, this.deps.store.checkpointDir(id)).catch((e: unknown) => {
        this.deps.logger.error({ taskId: id, err: e }, 'cleanup of the deleted task failed');
      });
    }
    this.tasks.delete(id);
    this.logs.delete(id);
    await this.deps.store.remove(id);
    this.deps.logger.info({ taskId: id }, 'task deleted');
  }

  async logTail(id: string, limit: number): Promise<TaskLogEntry[]> {
    this.mustGet(id);
    return this.taskLog(id).tail(limit);
  }

  /** Live updates of one task; returns the unsubscribe function. */
  subscribe(id: string, fn: Listener): () => void {
    let set = this.listeners.get(id);
    if (set === undefined) this.listeners.set(id, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Resolves when the task has no run in flight. */
  async idle(id: string): Promise<void> {
    await this.runs.get(id)?.done;
  }

  /** Aborts every run and waits for them; records stay `running` so the next start resumes them. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const pending = [...this.runs.entries()].map(([id, run]) => {
      this.log(id, 'info', 'agent shutting down: checkpointing the task');
      run.controller.abort(new AgentError('E_CONFLICT', 'agent shutting down'));
      return run.done;
    });
    await Promise.allSettled(pending);
    await Promise.allSettled([...this.logs.values()].map((l) => l.flush()));
    await this.deps.store.flush();
  }

  /** Starts a run of `rec`, whose record (state running, runs counted) is already saved. */
  private launch(rec: TaskRecord): void {
    const id = rec.id;
    const controller = new AbortController();
    const startMs = this.now();
    const tracker = new ProgressTracker(rec.progress, startMs);
    const saveEvery = this.deps.progressSaveIntervalMs ?? 1000;
    let lastSave = startMs;
    const onProgress: Parameters<ExtractFn>[1]['onProgress'] = (ev) => {
      if (this.runs.get(id)?.controller !== controller) return; // a late report from a finished run
      tracker.apply(ev);
      const cur = this.tasks.get(id);
      if (cur === undefined) return;
      const progress = tracker.snapshot(this.now());
      this.put({ ...cur, progress });
      this.emit({ kind: 'progress', id, progress });
      if (this.now() - lastSave >= saveEvery) {
        lastSave = this.now();
        this.persist(id);
      }
    };
    const done = (async () => {
      let outcome: RunOutcome;
      try {
        const job = await this.job(rec);
        const result = await this.deps.extract(job, { signal: controller.signal, onProgress, log: (level, msg) => this.log(id, level, msg) });
        if (result.complete) {
          tracker.markAllLoaded();
          outcome = { kind: 'completed' };
        } else {
          const list = result.errors.map((e) => `${e.table}: ${e.message}`).join('; ');
          outcome = { kind: 'failed', error: { code: result.errors[0]?.code ?? 'E_INTERNAL', message: `the export is incomplete: ${list}` } };
        }
      } catch (e) {
        if (isDiskFull(e)) outcome = { kind: 'disk-full', error: { code: 'E_DISK_FULL', message: `local disk full: ${(e as Error).message}; free space, then resume the task` } };
        else if (controller.signal.aborted) outcome = { kind: 'aborted' };
        else outcome = { kind: 'failed', error: errorInfo(e) };
      }
      this.runs.delete(id);
      await this.finish(id, outcome, tracker);
    })();
    this.runs.set(id, { controller, done });
  }

  private async finish(id: string, outcome: RunOutcome, tracker: ProgressTracker): Promise<void> {
    const cur = this.tasks.get(id);
    if (cur === undefined) return;
    const progress = tracker.snapshot(this.now());
    const state = transition(cur.state, { kind: 'run-ended', outcome }, this.iso());
    const rec = this.put({ ...cur, state, progress });
    switch (state.kind) {
      case 'completed': this.log(id, 'info', `completed: ${progress.rows} rows, ${progress.bytes} bytes`); break;
      case 'failed': this.log(id, 'error', `failed: ${state.error.message}`); break;
      case 'paused': this.log(id, state.reason === 'disk-full' ? 'error' : 'info', state.error === undefined ? 'paused' : `paused: ${state.error.message}`); break;
      case 'stopped': this.log(id, 'info', 'stopped'); break;
      default: if (this.closing) this.log(id, 'info', 'checkpointed for agent shutdown; it resumes when the agent starts'); break;
    }
    try {
      await this.deps.store.save(rec);
    } catch (e) {
      this.deps.logger.error({ taskId: id, err: e }, 'cannot save the task record');
    }
    this.emit({ kind: 'state', task: rec });
  }

  private async job(rec: TaskRecord): Promise<ExtractJob> {
    const s = rec.spec;
    // dataDirs given in the task: each one is a node of its own (a node with several data directories is described by the mounts)
    const mounted = s.dataDirs.length > 0 ? null : this.deps.nodeDataDirectories === undefined ? null : await this.deps.nodeDataDirectories();
    const dataDirs = s.dataDirs.length > 0 ? [...s.dataDirs] : mounted !== null ? mounted.flatMap((n) => n.dataDirs) : await this.deps.dataDirectories();
    if (dataDirs.length === 0) throw new AgentError('E_BAD_ARGUMENT', 'no data directories: mount the nodes (POST /api/v1/mounts) or give dataDirs in the task');
    const nodes = (mounted ?? dataDirs.map((d) => ({ host: d, dataDirs: [d] }))).filter((n) => n.dataDirs.length > 0);
    const localDir = s.sink.kind === 'local' && s.sink.path !== undefined ? s.sink.path : join(this.deps.outputFolder, rec.id);
    const sink = s.sink.kind === 'local' ? { kind: 'local' as const, path: localDir } : s.sink;
    return {
      taskId: rec.id, keyspace: s.keyspace, tables: s.tables, dataDirs, nodes, replicaMode: s.replicaMode, readFrom: s.readFrom ?? 'live', sink, localDir,
      parallelism: s.parallelism, readMBpsPerNode: s.readMBpsPerNode, uploadMBps: s.uploadMBps,
      deleteLocalAfterUpload: s.deleteLocalAfterUpload, chunkSizeBytes: s.chunkSizeBytes ?? DEFAULT_CHUNK_BYTES, checkpointDir: this.deps.store.checkpointDir(rec.id),
    };
  }

  private checkConflicts(rec: TaskRecord): void {
    const mine = new Set(rec.spec.tables.map((t) => `${rec.spec.keyspace}.${t}`));
    for (const other of this.tasks.values()) {
      if (other.id === rec.id || !isActive(other.state)) continue;
      const shared = other.spec.tables.map((t) => `${other.spec.keyspace}.${t}`).filter((t) => mine.has(t));
      if (shared.length > 0) {
        throw new AgentError('E_CONFLICT', `table ${shared.join(', ')} is already being exported by task ${other.id} (${other.state.kind}); stop that task first`);
      }
    }
  }

  private next(rec: TaskRecord, ev: TaskEvent): TaskRecord['state'] {
    if (this.closing) throw new AgentError('E_CONFLICT', 'the agent is shutting down');
    return transition(rec.state, ev, this.iso());
  }

  /** Saves the record with its new state, then makes it current (a failed write changes nothing). */
  private async commit(rec: TaskRecord, state: TaskRecord['state']): Promise<TaskRecord> {
    const out: TaskRecord = { ...rec, state, updatedAt: this.iso() };
    await this.deps.store.save(out);
    this.tasks.set(out.id, out);
    this.emit({ kind: 'state', task: out });
    return out;
  }

  private persist(id: string): void {
    const rec = this.tasks.get(id);
    if (rec === undefined) return;
    this.deps.store.save(rec).catch((e: unknown) => this.deps.logger.warn({ taskId: id, err: e }, 'cannot save task progress'));
  }

  private put(rec: TaskRecord): TaskRecord {
    const out = { ...rec, updatedAt: this.iso() };
    this.tasks.set(rec.id, out);
    return out;
  }

  private withState(rec: TaskRecord, state: TaskRecord['state']): TaskRecord {
    return { ...rec, state, updatedAt: this.iso() };
  }

  private mustGet(id: string): TaskRecord {
    const rec = this.tasks.get(id);
    if (rec === undefined) throw new AgentError('E_NOT_FOUND', `no task with id ${id}`);
    return rec;
  }

  private taskLog(id: string): TaskLog {
    let l = this.logs.get(id);
    if (l === undefined) this.logs.set(id, (l = new TaskLog(this.deps.store.logFile(id))));
    return l;
  }

  private log(id: string, level: ExtractLogLevel, msg: string): void {
    this.deps.logger[level]({ taskId: id }, msg);
    const entry: TaskLogEntry = { time: this.iso(), level, msg };
    const l = this.taskLog(id);
    l.append(entry);
    const err = l.takeError();
    if (err !== null) this.deps.logger.warn({ taskId: id, err }, 'cannot append to the task log');
    this.emit({ kind: 'log', id, entry });
  }

  private emit(u: TaskUpdate): void {
    const id = u.kind === 'state' ? u.task.id : u.id;
    const set = this.listeners.get(id);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        fn(u);
      } catch (e) {
        this.deps.logger.warn({ taskId: id, err: e }, 'a task listener threw');
      }
    }
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

/** ENOSPC anywhere in the cause chain, or the sinks' E_DISK_FULL. */
export function isDiskFull(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; depth < 8 && cur !== undefined && cur !== null; depth++) {
    if (isAgentError(cur) && cur.code === 'E_DISK_FULL') return true;
    if ((cur as NodeJS.ErrnoException).code === 'ENOSPC') return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

function errorInfo(e: unknown): ErrorInfo {
  if (isAgentError(e)) return { code: e.code, message: e.message };
  const err = e as NodeJS.ErrnoException;
  if (err instanceof Error) return { code: 'E_INTERNAL', message: typeof err.code === 'string' ? `${err.code}: ${err.message}` : err.message };
  return { code: 'E_INTERNAL', message: String(e) };
}
