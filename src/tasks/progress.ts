/**
 * Folds the extractor's progress reports into a task's TaskProgress. Counters reported by the
 * extractor are cumulative over the task (checkpointed work included), so a resumed run continues
 * from where the record stood; rates cover the current run only.
 */
import type { TableProgress, TaskProgress } from './model.js';
import type { ExtractProgressEvent } from './runner-port.js';

export class ProgressTracker {
  private tables: Record<string, TableProgress>;
  private readonly baseElapsedMs: number;
  private readonly runStartBytes: number;
  private readonly runStartRows: number;

  /** @param base the progress stored when this run began; @param runStartMs wall clock (ms) of the run start */
  constructor(base: TaskProgress, private readonly runStartMs: number) {
    this.tables = { ...base.tables };
    this.baseElapsedMs = base.elapsedMs;
    this.runStartBytes = base.bytes;
    this.runStartRows = base.rows;
    // tables caught mid-load by a crash or a pause are loading again only once the extractor says so
    for (const [name, t] of Object.entries(this.tables)) if (t.state === 'loading') this.tables[name] = { ...t, state: 'queued' };
  }

  apply(ev: ExtractProgressEvent): void {
    const prev = this.tables[ev.table];
    if (prev === undefined) return; // the extractor reports only tables it was asked for
    const percent = ev.state === 'loaded' ? 100 : clampPercent(ev.percent ?? prev.percent);
    const next: TableProgress = { state: ev.state, rows: ev.rows, bytes: ev.bytes, files: ev.files, percent };
    this.tables[ev.table] = ev.error === undefined ? next : { ...next, error: ev.error };
  }

  /** Marks every table done (the extractor resolved without saying so for each). */
  markAllLoaded(): void {
    for (const [name, t] of Object.entries(this.tables)) if (t.state !== 'errored') this.tables[name] = { ...t, state: 'loaded', percent: 100 };
  }

  snapshot(nowMs: number): TaskProgress {
    const list = Object.values(this.tables);
    let rows = 0;
    let bytes = 0;
    let pct = 0;
    for (const t of list) {
      rows += t.rows;
      bytes += t.bytes;
      pct += t.percent;
    }
    const runMs = Math.max(0, nowMs - this.runStartMs);
    const secs = runMs / 1000;
    return {
      percent: list.length === 0 ? 100 : Math.floor((pct / list.length) * 100) / 100,
      rows,
      bytes,
      elapsedMs: this.baseElapsedMs + runMs,
      throughputBytesPerSec: secs > 0 ? Math.round(Math.max(0, bytes - this.runStartBytes) / secs) : 0,
      rowsPerSec: secs > 0 ? Math.round(Math.max(0, rows - this.runStartRows) / secs) : 0,
      tables: { ...this.tables },
    };
  }
}

function clampPercent(p: number): number {
  return Number.isFinite(p) ? Math.min(100, Math.max(0, p)) : 0;
}
