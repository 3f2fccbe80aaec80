/**
 * Durable task records: `<stateDir>/tasks/<id>/task.json`, replaced atomically (temp file + fsync +
 * rename, see config/atomic-write.ts), so a crash leaves the previous record or the new one, never a
 * torn file. The task's checkpoint and log live in the same directory. Writes of one task are
 * serialised so the file always ends with the last state handed to `save`.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../config/atomic-write.js';
import { AgentError } from '../errors.js';
import { TASK_STATE_KINDS, type TaskRecord } from './model.js';

const TASK_FILE = 'task.json';
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface LoadProblem {
  readonly dir: string;
  readonly message: string;
}

export class TaskStore {
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(readonly tasksDir: string) {}

  /** Creates `<stateDir>/tasks` (0700) if needed. Throws AgentError E_IO. */
  static async open(stateDir: string): Promise<TaskStore> {
    const dir = join(stateDir, 'tasks');
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new AgentError('E_IO', `cannot create the task directory: ${(e as Error).message}`, { file: dir }, { cause: e });
    }
    return new TaskStore(dir);
  }

  static isValidId(id: string): boolean {
    return ID_PATTERN.test(id);
  }

  taskDir(id: string): string {
    if (!TaskStore.isValidId(id)) throw new AgentError('E_BAD_ARGUMENT', `invalid task id "${id}"`);
    return join(this.tasksDir, id);
  }

  checkpointDir(id: string): string {
    return join(this.taskDir(id), 'checkpoint');
  }

  logFile(id: string): string {
    return join(this.taskDir(id), 'task.log');
  }

  /** Every readable record; unreadable ones are reported, not fatal (one bad file must not keep the agent down). */
  async loadAll(): Promise<{ records: TaskRecord[]; problems: LoadProblem[] }> {
    const records: TaskRecord[] = [];
    const problems: LoadProblem[] = [];
    let names: string[];
    try {
      names = await readdir(this.tasksDir);
    } catch (e) {
      throw new AgentError('E_IO', `cannot list tasks: ${(e as Error).message}`, { file: this.tasksDir }, { cause: e });
    }
    for (const name of names.sort()) {
      if (!TaskStore.isValidId(name)) continue;
      const file = join(this.tasksDir, name, TASK_FILE);
      try {
        const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
        const why = checkRecord(parsed, name);
        if (why !== null) problems.push({ dir: join(this.tasksDir, name), message: why });
        else records.push(parsed as TaskRecord);
      } catch (e) {
        // a directory without task.json is a task deleted half-way or created half-way: skip it
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        problems.push({ dir: join(this.tasksDir, name), message: (e as Error).message });
      }
    }
    return { records, problems };
  }

  /** Writes the record durably; resolves once it is on disk. Throws AgentError E_IO. */
  save(record: TaskRecord): Promise<void> {
    const id = record.id;
    const prev = this.writes.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(async () => {
      const dir = this.taskDir(id);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(dir, TASK_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    });
    this.writes.set(id, next);
    void next.finally(() => {
      if (this.writes.get(id) === next) this.writes.delete(id);
    }).catch(() => undefined);
    return next;
  }

  /** Removes the task's directory (record, checkpoint, log). The output it wrote is left alone. */
  async remove(id: string): Promise<void> {
    const dir = this.taskDir(id);
    await (this.writes.get(id) ?? Promise.resolve()).catch(() => undefined);
    try {
      await rm(dir, { recursive: true, force: true });
    } catch (e) {
      throw new AgentError('E_IO', `cannot delete task ${id}: ${(e as Error).message}`, { file: dir }, { cause: e });
    }
  }

  /** Removes the task's checkpoint, so that its next run starts over. */
  async clearCheckpoint(id: string): Promise<void> {
    await rm(this.checkpointDir(id), { recursive: true, force: true });
  }

  /** Resolves when every pending write has landed. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.writes.values()]);
  }
}

function checkRecord(v: unknown, dirName: string): string | null {
  if (typeof v !== 'object' || v === null) return 'task.json does not hold an object';
  const r = v as Partial<Record<keyof TaskRecord, unknown>>;
  if (r.id !== dirName) return `task.json names id ${JSON.stringify(r.id)}, expected ${dirName}`;
  if (typeof r.spec !== 'object' || r.spec === null) return 'task.json has no spec';
  if (typeof r.progress !== 'object' || r.progress === null) return 'task.json has no progress';
  const state = r.state as { kind?: unknown } | undefined;
  if (typeof state !== 'object' || state === null || !TASK_STATE_KINDS.includes(state.kind as never)) return 'task.json has no valid state';
  return null;
}
