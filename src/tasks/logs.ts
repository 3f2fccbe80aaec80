/**
 * Per-task log: JSON lines in `<stateDir>/tasks/<id>/task.log`, served by GET /tasks/:id/logs. The
 * same lines also go to the root logger (a child with the task id); this file only keeps what an
 * operator downloads for one task. Appends are serialised; a failed append never fails the task.
 */
import { appendFile, open } from 'node:fs/promises';
import type { ExtractLogLevel } from './runner-port.js';

export interface TaskLogEntry {
  readonly time: string;
  readonly level: ExtractLogLevel;
  readonly msg: string;
}

/** At most this many trailing bytes are read to answer a tail request. */
const TAIL_WINDOW = 1 << 20;

export class TaskLog {
  private chain: Promise<void> = Promise.resolve();
  private lastError: Error | null = null;

  constructor(readonly file: string) {}

  append(entry: TaskLogEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    this.chain = this.chain.then(() => appendFile(this.file, line, { mode: 0o600 })).catch((e: unknown) => {
      this.lastError = e as Error;
    });
  }

  /** the last append failure, if any (the runner reports it once through the root logger) */
  takeError(): Error | null {
    const e = this.lastError;
    this.lastError = null;
    return e;
  }

  async flush(): Promise<void> {
    await this.chain;
  }

  /** The last `limit` entries, oldest first; [] when there is no log yet. */
  async tail(limit: number): Promise<TaskLogEntry[]> {
    await this.chain;
    let text: string;
    try {
      const fh = await open(this.file, 'r');
      try {
        const { size } = await fh.stat();
        const start = Math.max(0, size - TAIL_WINDOW);
        const buf = Buffer.alloc(size - start);
        await fh.read(buf, 0, buf.length, start);
        text = buf.toString('utf8');
        if (start > 0) text = text.slice(text.indexOf('\n') + 1);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: TaskLogEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      try {
        out.push(JSON.parse(line) as TaskLogEntry);
      } catch {
        continue; // a line torn by a crash: the rest of the log is still useful
      }
    }
    return out.slice(-limit);
  }
}
