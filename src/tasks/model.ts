/**
 * The task model: what a task asks for (TaskSpec), where it stands (TaskState, a discriminated union
 * on `kind`) and how far it got (TaskProgress). `transition` is the one place that decides which
 * state changes are allowed; the runner and the API never set a state by hand.
 */
import { AgentError } from '../errors.js';

export type MigrationType = 'full-load' | 'full-load-and-cdc';
/** merge: reconcile all replicas into one row set; primary-range: each node exports the token ranges it owns; all: every replica as read */
export type ReplicaMode = 'merge' | 'primary-range' | 'all';
/** live: the SSTables as they are (compaction may replace them meanwhile); snapshot: `nodetool snapshot` first, read that */
export type ReadFrom = 'live' | 'snapshot';

export type S3Encryption =
  | { readonly kind: 'none' }
  | { readonly kind: 'sse-s3' }
  | { readonly kind: 'sse-kms'; readonly keyId?: string };

export type SinkSpec =
  | { readonly kind: 'local'; /** absolute directory; default <outputFolder>/<task id> */ readonly path?: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** key prefix without leading or trailing '/' ('' = none) */
      readonly prefix: string;
      readonly region?: string;
      /** custom endpoint (S3-compatible stores, tests) */
      readonly endpoint?: string;
      readonly encryption: S3Encryption;
    };

export interface TaskSpec {
  readonly name: string;
  readonly keyspace: string;
  /** table names inside `keyspace`, at least one, no duplicates */
  readonly tables: readonly string[];
  readonly sink: SinkSpec;
  readonly migrationType: MigrationType;
  readonly replicaMode: ReplicaMode;
  /** absent in tasks stored before it existed: live */
  readonly readFrom?: ReadFrom;
  /** concurrent SSTable readers of this task (decoding worker threads) */
  readonly parallelism: number;
  /** read budget in MB/s (10^6 bytes) per node; 0 = unlimited */
  readonly readMBpsPerNode: number;
  /** upload budget in MB/s; 0 = unlimited */
  readonly uploadMBps: number;
  readonly deleteLocalAfterUpload: boolean;
  /** target size of a LOAD file, bytes */
  readonly chunkSizeBytes: number;
  /** Cassandra data directories to read; empty = the mounted nodes' data directories */
  readonly dataDirs: readonly string[];
}

/** An error as stored in a task and sent over the API. */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
}

export type PauseReason = 'user' | 'disk-full' | 'error';

export type TaskState =
  | { readonly kind: 'created' }
  | { readonly kind: 'running'; readonly since: string }
  | { readonly kind: 'pausing'; readonly reason: PauseReason }
  | { readonly kind: 'paused'; readonly reason: PauseReason; readonly error?: ErrorInfo }
  | { readonly kind: 'stopping' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'completed' }
  | { readonly kind: 'failed'; readonly error: ErrorInfo };

export type TaskStateKind = TaskState['kind'];
export const TASK_STATE_KINDS: readonly TaskStateKind[] = ['created', 'running', 'pausing', 'paused', 'stopping', 'stopped', 'completed', 'failed'];

export type TableLoadState = 'queued' | 'loading' | 'loaded' | 'errored';

export interface TableProgress {
  readonly state: TableLoadState;
  readonly rows: number;
  readonly bytes: number;
  /** LOAD files written (or uploaded) */
  readonly files: number;
  /** 0..100 when the extractor can estimate it */
  readonly percent: number;
  readonly error?: ErrorInfo;
}

export interface TaskProgress {
  /** full-load percent, 0..100 */
  readonly percent: number;
  readonly rows: number;
  readonly bytes: number;
  /** ms spent running, summed over every run */
  readonly elapsedMs: number;
  /** bytes/s over the current run */
  readonly throughputBytesPerSec: number;
  readonly rowsPerSec: number;
  readonly tables: Readonly<Record<string, TableProgress>>;
}

export interface TaskRecord {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly spec: TaskSpec;
  readonly state: TaskState;
  readonly progress: TaskProgress;
  /** how many times the task has been (re)started, resumes included */
  readonly runs: number;
}

export type TaskEvent =
  | { readonly kind: 'start' }
  | { readonly kind: 'pause'; readonly reason: PauseReason }
  | { readonly kind: 'resume' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'run-ended'; readonly outcome: RunOutcome };

/** How one run of the extractor ended, as the runner classified it. */
export type RunOutcome =
  | { readonly kind: 'completed' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'disk-full'; readonly error: ErrorInfo }
  | { readonly kind: 'failed'; readonly error: ErrorInfo };

/** States in which a task holds its tables: a second task on one of them is refused. */
export function isActive(s: TaskState): boolean {
  return s.kind === 'running' || s.kind === 'pausing' || s.kind === 'paused' || s.kind === 'stopping';
}

/** States with a run in flight. */
export function isRunning(s: TaskState): boolean {
  return s.kind === 'running' || s.kind === 'pausing' || s.kind === 'stopping';
}

function refuse(from: TaskState, what: string): never {
  throw new AgentError('E_CONFLICT', `cannot ${what} a task that is ${from.kind}`);
}

/**
 * The next state after `ev`, or AgentError E_CONFLICT when `ev` is not allowed in `from`.
 * start: created, stopped (start over) or failed (retry from the checkpoint) -> running.
 * pause/stop of a run go through pausing/stopping until the run has ended.
 */
export function transition(from: TaskState, ev: TaskEvent, now: string): TaskState {
  switch (ev.kind) {
    case 'start':
      if (from.kind === 'created' || from.kind === 'stopped' || from.kind === 'failed') return { kind: 'running', since: now };
      return refuse(from, 'start');
    case 'resume':
      if (from.kind === 'paused') return { kind: 'running', since: now };
      return refuse(from, 'resume');
    case 'pause':
      if (from.kind === 'running') return { kind: 'pausing', reason: ev.reason };
      return refuse(from, 'pause');
    case 'stop':
      if (from.kind === 'running' || from.kind === 'pausing') return { kind: 'stopping' };
      if (from.kind === 'paused') return { kind: 'stopped' };
      return refuse(from, 'stop');
    case 'run-ended':
      return afterRun(from, ev.outcome);
  }
}

function afterRun(from: TaskState, outcome: RunOutcome): TaskState {
  if (from.kind === 'stopping') return { kind: 'stopped' };
  switch (outcome.kind) {
    case 'completed':
      return { kind: 'completed' };
    case 'disk-full':
      return { kind: 'paused', reason: 'disk-full', error: outcome.error };
    case 'failed':
      return { kind: 'failed', error: outcome.error };
    case 'aborted':
      if (from.kind === 'pausing') return { kind: 'paused', reason: from.reason };
      // an abort nobody asked for through a transition (daemon shutdown): the task stays running so
      // that the next start of the daemon resumes it from its checkpoint
      return from;
  }
}

export function emptyProgress(tables: readonly string[]): TaskProgress {
  const t: Record<string, TableProgress> = {};
  for (const name of tables) t[name] = { state: 'queued', rows: 0, bytes: 0, files: 0, percent: 0 };
  return { percent: 0, rows: 0, bytes: 0, elapsedMs: 0, throughputBytesPerSec: 0, rowsPerSec: 0, tables: t };
}

/** Counts of tables by load state (the SCT grid columns). */
export function tableCounts(p: TaskProgress): Record<TableLoadState, number> {
  const c: Record<TableLoadState, number> = { queued: 0, loading: 0, loaded: 0, errored: 0 };
  for (const t of Object.values(p.tables)) c[t.state] += 1;
  return c;
}
