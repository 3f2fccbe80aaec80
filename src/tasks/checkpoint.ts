/**
 * Extraction checkpoints: per table, the LOAD files completed (name, rows, bytes, SHA-256) and the
 * rows they hold; for a finished table also what the DMS documents need (CSV stats, problem counts).
 *
 * Why resuming from this is exact: rows of a table come out of the merge in a deterministic order
 * (token, key, clustering), and a LOAD file's boundaries depend only on the records from its first
 * one (chunker.ts). So a resume re-reads the table, skips the `rowsDone` rows of the completed files
 * and continues with file number `files.length + 1`; object keys are deterministic, so a file that
 * was being written at the crash is simply written again, and nothing is duplicated or lost.
 *
 * The checkpoint is bound to what shapes the files (keyspace, tables, CSV/type/key/chunk options,
 * output root) by a fingerprint, and it carries the run's `nowInSec` (TTL expiry must not move
 * between runs, or the row sequence would change); a resume reuses it.
 */
import { readFile } from 'node:fs/promises';
import { AgentError } from '../errors.js';
import type { PartSummary } from '../export/chunker.js';
import type { CsvStats } from '../export/csv.js';
import type { DynamoProblemCode } from '../export/dynamo-limits.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export const CHECKPOINT_VERSION = 1;

/** A problems file written beside the export (see extract-problems.ts). */
export interface ProblemFile {
  /** key relative to the output root */
  readonly key: string;
  readonly rows: number;
}

export interface TableCheckpoint {
  /** completed LOAD files, in order */
  readonly files: readonly PartSummary[];
  /** rows in `files` */
  readonly rowsDone: number;
  readonly problemFiles: readonly ProblemFile[];
  /** set once every file of the table is written */
  readonly done?: {
    readonly stats: CsvStats;
    readonly problems: Readonly<Partial<Record<DynamoProblemCode, number>>>;
    readonly problemRows: number;
  };
}

export interface CheckpointData {
  readonly version: typeof CHECKPOINT_VERSION;
  readonly fingerprint: string;
  readonly nowInSec: number;
  /** by "<keyspace>.<table>" */
  readonly tables: Readonly<Record<string, TableCheckpoint>>;
}

export interface CheckpointStore {
  /** the saved checkpoint, or null when there is none yet */
  load(): Promise<CheckpointData | null>;
  /** durably replaces the saved checkpoint */
  save(data: CheckpointData): Promise<void>;
}

/** In memory (tests, and runs without --resume). */
export class MemoryCheckpointStore implements CheckpointStore {
  private data: CheckpointData | null = null;
  async load(): Promise<CheckpointData | null> {
    return this.data === null ? null : structuredClone(this.data);
  }
  async save(data: CheckpointData): Promise<void> {
    this.data = structuredClone(data);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Shape check of a parsed checkpoint. @throws AgentError E_BAD_FORMAT */
export function parseCheckpoint(json: unknown, file: string): CheckpointData {
  const bad = (what: string): never => {
    throw new AgentError('E_BAD_FORMAT', `checkpoint: ${what}; delete the file to start over`, { file });
  };
  if (!isRecord(json)) return bad('not a JSON object');
  if (json['version'] !== CHECKPOINT_VERSION) bad(`version ${String(json['version'])}, this build reads ${CHECKPOINT_VERSION}`);
  if (typeof json['fingerprint'] !== 'string' || typeof json['nowInSec'] !== 'number' || !isRecord(json['tables'])) bad('fingerprint, nowInSec or tables missing');
  for (const [name, t] of Object.entries(json['tables'] as Record<string, unknown>)) {
    if (!isRecord(t) || !Array.isArray(t['files']) || typeof t['rowsDone'] !== 'number' || !Array.isArray(t['problemFiles'])) bad(`table ${name} is malformed`);
    const files = (t as { files: unknown[] }).files;
    let rows = 0;
    for (const f of files) {
      if (!isRecord(f) || typeof f['name'] !== 'string' || typeof f['rows'] !== 'number' || typeof f['bytes'] !== 'number' || typeof f['sha256'] !== 'string') bad(`a file of ${name} is malformed`);
      rows += (f as { rows: number }).rows;
    }
    if (rows !== (t as { rowsDone: number }).rowsDone) bad(`table ${name}: rowsDone differs from the rows of its files`);
  }
  return json as unknown as CheckpointData;
}

/** A JSON file, replaced atomically on every save (temp + fsync + rename). */
export class FileCheckpointStore implements CheckpointStore {
  constructor(readonly path: string) {}

  async load(): Promise<CheckpointData | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new AgentError('E_IO', 'cannot read the checkpoint', { file: this.path }, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new AgentError('E_BAD_FORMAT', 'checkpoint is not valid JSON; delete it to start over', { file: this.path }, { cause: e });
    }
    return parseCheckpoint(json, this.path);
  }

  async save(data: CheckpointData): Promise<void> {
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(data, null, 1)}\n`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new AgentError('E_DISK_FULL', 'no space left for the checkpoint', { file: this.path }, { cause: e });
      throw new AgentError('E_IO', 'cannot write the checkpoint', { file: this.path }, { cause: e });
    }
  }
}
