/**
 * A deterministic stand-in for the extraction pipeline: each table becomes `parts` LOAD files under
 * <localDir>/<keyspace>/<table>/, each part recorded in the checkpoint directory once written, so a
 * resumed run skips them exactly as the real checkpoint does. Options inject a delay, a full disk at
 * a given part, or a failure.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentError } from '../../src/errors.js';
import type { ExtractFn, ExtractJob } from '../../src/tasks/runner-port.js';

export interface FakeOptions {
  parts?: number;
  delayMs?: number;
  /** throw ENOSPC instead of writing this part (1-based), once */
  diskFullAtPart?: number;
  /** throw this error at the first part */
  failWith?: Error;
  /** records every job started */
  jobs?: ExtractJob[];
}

export const ROWS_PER_PART = 10;

export function partContent(table: string, i: number): string {
  const lines: string[] = [];
  for (let r = 0; r < ROWS_PER_PART; r++) lines.push(`${table},${i},${r}`);
  return `${lines.join('\n')}\n`;
}

export function fakeExtract(opts: FakeOptions = {}): ExtractFn {
  const parts = opts.parts ?? 3;
  let diskFullPending = opts.diskFullAtPart;
  return async (job, run) => {
    opts.jobs?.push(job);
    await mkdir(job.checkpointDir, { recursive: true });
    const done = new Set(await readdir(job.checkpointDir));
    for (const table of job.tables) {
      const dir = join(job.localDir, job.keyspace, table);
      await mkdir(dir, { recursive: true });
      for (let i = 1; i <= parts; i++) {
        const mark = `${table}.${i}.done`;
        if (done.has(mark)) continue;
        if (opts.failWith !== undefined) throw opts.failWith;
        if (run.signal.aborted) throw new AgentError('E_ABORTED', 'aborted');
        await sleep(opts.delayMs ?? 0);
        if (run.signal.aborted) throw new AgentError('E_ABORTED', 'aborted');
        if (diskFullPending === i) {
          diskFullPending = undefined;
          const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
          e.code = 'ENOSPC';
          throw e;
        }
        await writeFile(join(dir, `LOAD${String(i).padStart(8, '0')}.csv`), partContent(table, i));
        await writeFile(join(job.checkpointDir, mark), '');
        run.log('info', `${table}: wrote part ${i}`);
        run.onProgress({ table, state: i === parts ? 'loaded' : 'loading', rows: i * ROWS_PER_PART, bytes: i * 100, files: i, percent: (i / parts) * 100 });
      }
      run.onProgress({ table, state: 'loaded', rows: parts * ROWS_PER_PART, bytes: parts * 100, files: parts, percent: 100 });
    }
    return { complete: true, errors: [] };
  };
}
