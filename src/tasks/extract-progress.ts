/**
 * Progress of an extraction: rows, Data.db bytes consumed (on disk) against the tables' total, CSV
 * bytes written, throughput, ETA, and each table's load state. `onProgress` is called at most once
 * per `intervalMs` (default 250 ms), plus once at every table state change and at the end.
 */
import type { ErrorInfo, TableLoadState } from './model.js';

export interface TableProgressInfo {
  readonly keyspace: string;
  readonly table: string;
  readonly state: TableLoadState;
  readonly rows: number;
  readonly files: number;
  readonly csvBytes: number;
  readonly dataBytesRead: number;
  readonly dataBytesTotal: number;
  readonly error?: ErrorInfo;
}

export interface ExtractProgress {
  readonly phase: 'planning' | 'extracting' | 'documents' | 'done';
  /** rows read in this run (rows skipped on resume included: they are read again) */
  readonly rows: number;
  readonly csvBytes: number;
  readonly dataBytesRead: number;
  readonly dataBytesTotal: number;
  readonly elapsedMs: number;
  readonly rowsPerSec: number;
  /** Data.db bytes per second (on disk) */
  readonly dataBytesPerSec: number;
  /** seconds left at the current Data.db rate; null before there is a rate */
  readonly etaSec: number | null;
  readonly tablesDone: number;
  readonly tableCount: number;
  /** "<keyspace>.<table>" being extracted */
  readonly current: string | null;
  readonly tables: readonly TableProgressInfo[];
}

interface MutableTable {
  keyspace: string;
  table: string;
  state: TableLoadState;
  rows: number;
  files: number;
  csvBytes: number;
  dataBytesRead: number;
  dataBytesTotal: number;
  error?: ErrorInfo;
}

export class ProgressTracker {
  phase: ExtractProgress['phase'] = 'planning';
  private readonly tables = new Map<string, MutableTable>();
  private readonly started: number;
  private lastEmit = -Infinity;
  current: string | null = null;

  constructor(
    private readonly onProgress: ((p: ExtractProgress) => void) | undefined,
    private readonly intervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  addTable(keyspace: string, table: string, dataBytesTotal: number): void {
    this.tables.set(`${keyspace}.${table}`, { keyspace, table, state: 'queued', rows: 0, files: 0, csvBytes: 0, dataBytesRead: 0, dataBytesTotal });
  }

  private get(name: string): MutableTable {
    const t = this.tables.get(name);
    if (t === undefined) throw new Error(`progress: unknown table ${name}`);
    return t;
  }

  setState(name: string, state: TableLoadState, error?: ErrorInfo): void {
    const t = this.get(name);
    t.state = state;
    if (error !== undefined) t.error = error;
    if (state === 'loading') this.current = name;
    this.emit(true);
  }

  /** a table already complete in the checkpoint: its bytes are not read again */
  setDone(name: string, rows: number, files: number, csvBytes: number): void {
    const t = this.get(name);
    Object.assign(t, { state: 'loaded' as const, rows, files, csvBytes, dataBytesTotal: 0 });
  }

  rows(name: string, n: number): void {
    this.get(name).rows += n;
    this.emit(false);
  }

  dataBytes(name: string, n: number): void {
    this.get(name).dataBytesRead += n;
  }

  file(name: string, csvBytes: number): void {
    const t = this.get(name);
    t.files++;
    t.csvBytes += csvBytes;
    this.emit(false);
  }

  snapshot(): ExtractProgress {
    const elapsedMs = Math.max(0, this.now() - this.started);
    let rows = 0;
    let csvBytes = 0;
    let read = 0;
    let total = 0;
    let done = 0;
    const tables: TableProgressInfo[] = [];
    for (const t of this.tables.values()) {
      rows += t.rows;
      csvBytes += t.csvBytes;
      read += t.dataBytesRead;
      total += t.dataBytesTotal;
      if (t.state === 'loaded' || t.state === 'errored') done++;
      tables.push({ ...t });
    }
    const sec = elapsedMs / 1000;
    const rate = sec > 0 ? read / sec : 0;
    return {
      phase: this.phase, rows, csvBytes, dataBytesRead: read, dataBytesTotal: total, elapsedMs,
      rowsPerSec: sec > 0 ? rows / sec : 0,
      dataBytesPerSec: rate,
      etaSec: rate > 0 ? Math.max(0, total - read) / rate : null,
      tablesDone: done, tableCount: this.tables.size, current: this.current, tables,
    };
  }

  emit(force: boolean): void {
    if (this.onProgress === undefined) return;
    const t = this.now();
    if (!force && t - this.lastEmit < this.intervalMs) return;
    this.lastEmit = t;
    this.onProgress(this.snapshot());
  }
}
