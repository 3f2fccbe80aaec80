/**
 * The narrow interface the task runner needs from the extraction pipeline (src/tasks/extract.ts) and
 * from the mount manager (src/mount). The daemon adapts the real implementations to these ports;
 * tests inject fakes. Keeping the ports here means the runner and the API never import the pipeline.
 */
import type { ReadFrom, ReplicaMode, SinkSpec } from './model.js';

/** One node's data directories as the agent sees them (mount points or local paths). */
export interface NodeDataDirs {
  readonly host: string;
  readonly dataDirs: readonly string[];
}

/** What one run of a task asks the extractor to do. */
export interface ExtractJob {
  readonly taskId: string;
  readonly keyspace: string;
  readonly tables: readonly string[];
  /** Cassandra data directories to read (every replica's) */
  readonly dataDirs: readonly string[];
  /** the same directories by node (replica modes need the nodes apart) */
  readonly nodes: readonly NodeDataDirs[];
  readonly replicaMode: ReplicaMode;
  readonly readFrom: ReadFrom;
  /** the sink, with a local path always filled in */
  readonly sink: SinkSpec;
  /** local staging directory of this task (the LOAD files before upload, or the output itself) */
  readonly localDir: string;
  readonly parallelism: number;
  readonly readMBpsPerNode: number;
  readonly uploadMBps: number;
  readonly deleteLocalAfterUpload: boolean;
  /** target size of a LOAD file, bytes */
  readonly chunkSizeBytes: number;
  /** durable checkpoint directory of this task; a run resumes from what it records */
  readonly checkpointDir: string;
}

/** A progress report from the extractor; fields it cannot tell are left out. Totals are cumulative over the task (checkpointed work included). */
export interface ExtractProgressEvent {
  readonly table: string;
  readonly state: 'loading' | 'loaded' | 'errored';
  readonly rows: number;
  readonly bytes: number;
  readonly files: number;
  /** 0..100 */
  readonly percent?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export type ExtractLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ExtractRunOptions {
  /** aborted on pause, stop and daemon shutdown; the extractor rejects (any error) once it has stopped */
  readonly signal: AbortSignal;
  readonly onProgress: (p: ExtractProgressEvent) => void;
  /** per-task log lines (shown by GET /tasks/:id/logs) */
  readonly log: (level: ExtractLogLevel, message: string) => void;
}

export interface ExtractOutcome {
  /** false when some table or part is missing from the output (the errors say which) */
  readonly complete: boolean;
  readonly errors: readonly { readonly table: string; readonly code: string; readonly message: string }[];
}

/**
 * Runs (or resumes, from job.checkpointDir) an extraction. Resolves when every table is done;
 * rejects with the cause when it cannot go on (ENOSPC or AgentError E_DISK_FULL for a full disk).
 */
export type ExtractFn = (job: ExtractJob, opts: ExtractRunOptions) => Promise<ExtractOutcome>;

export type MountState = 'mounted' | 'unmounted' | 'error' | 'unmanaged';

export interface MountStatus {
  readonly host: string;
  readonly state: MountState;
  /** local mount points */
  readonly confDir: string;
  readonly dataDirs: readonly string[];
  readonly error?: string;
}

/** The mount manager as the API and the daemon see it. `host` must be a configured node (else AgentError E_NOT_FOUND). */
export interface MountPort {
  status(): Promise<MountStatus[]>;
  mount(host: string): Promise<MountStatus>;
  unmount(host: string): Promise<MountStatus>;
  unmountAll(): Promise<void>;
  /** local data directories of every node, as tasks read them */
  dataDirectories(): Promise<string[]>;
  /** the same, by node; absent: each directory is a node of its own */
  nodeDataDirectories?(): Promise<NodeDataDirs[]>;
}
