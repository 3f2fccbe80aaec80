/**
 * One table, end to end: records (a RecordStream: rows -> CSV records + DynamoDB limit problems,
 * encode-batch.ts, in this thread or in decoding workers) -> problems logged, the row kept
 * (extract-problems.ts) -> LOAD parts (chunker) -> sink, one part at a time.
 * After each LOAD file the checkpoint is saved; a resume skips the rows of the completed files and
 * continues with the next file number (checkpoint.ts says why that is exact).
 *
 * Memory: the record source's budget (docs/memory.md) + one batch of records + one CSV piece of the
 * part being written + what the sink holds (S3: queueSize × partSize); at most one part in flight.
 */
import { AgentError } from '../errors.js';
import { csvParts, loadFileName, type IndexedRecords, type PartSummary } from '../export/chunker.js';
import type { CsvStats } from '../export/csv.js';
import { tablePath } from '../export/dms-json.js';
import type { DynamoProblemCode } from '../export/dynamo-limits.js';
import type { Sink } from '../sink/sink.js';
import { throwIfAborted } from '../util/abort.js';
import type { ProblemFile, TableCheckpoint } from './checkpoint.js';
import { ProblemLog, problemFileKey } from './extract-problems.js';
import type { ProgressTracker } from './extract-progress.js';
import type { RecordSourceFactory, TableInput } from './extract-source.js';

export interface TableJob {
  /** "<keyspace>.<table>" */
  readonly name: string;
  readonly input: TableInput;
  readonly sink: Sink;
  readonly nowInSec: number;
  readonly signal?: AbortSignal;
  /** what an earlier run completed (not `done`) */
  readonly resumeFrom: TableCheckpoint | undefined;
  readonly records: RecordSourceFactory;
  readonly progress: ProgressTracker;
  readonly saveCheckpoint: (t: TableCheckpoint) => Promise<void>;
}

export interface TableResult {
  readonly files: readonly PartSummary[];
  readonly stats: CsvStats;
  readonly problems: Readonly<Partial<Record<DynamoProblemCode, number>>>;
  readonly problemRows: number;
  readonly problemFiles: readonly ProblemFile[];
}

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** @throws AgentError from any stage (with the file or object named), E_ABORTED when cancelled */
export async function extractTable(job: TableJob): Promise<TableResult> {
  const { schema, options: o } = job.input;
  const { sink, signal } = job;
  const files: PartSummary[] = [...(job.resumeFrom?.files ?? [])];
  const problemFiles: ProblemFile[] = [...(job.resumeFrom?.problemFiles ?? [])];
  const rowsDone = job.resumeFrom?.rowsDone ?? 0;
  const folder = tablePath(schema);
  const problems = new ProblemLog(rowsDone);
  const source = job.records(job.input, {
    nowInSec: job.nowInSec,
    ...(signal === undefined ? {} : { signal }),
    onDataBytes: (n) => job.progress.dataBytes(job.name, n),
  });

  // Every row is encoded and checked, also the rows a resume skips: the CSV stats (ColumnLength) and
  // problem counts then cover the whole table, exactly as in one uninterrupted run.
  let index = 0;
  async function* records(): AsyncGenerator<IndexedRecords> {
    for await (const b of source) {
      throwIfAborted(signal, `extraction of ${job.name}`);
      if (b.count === 0) continue;
      for (const p of b.problems) problems.record(index + p.at, p.key, p.problems);
      job.progress.rows(job.name, b.count);
      const skip = Math.min(b.count, Math.max(0, rowsDone - index));
      index += b.count;
      if (skip === b.count) continue;
      if (skip === 0) {
        yield { bytes: b.bytes, ends: b.ends, count: b.count };
        continue;
      }
      const keepFrom = b.ends[skip - 1] as number;
      const own = b.ends.slice(skip, b.count);
      for (let i = 0; i < own.length; i++) own[i] = (own[i] as number) - keepFrom;
      yield { bytes: b.bytes.subarray(keepFrom), ends: own, count: own.length };
    }
  }

  const first = files.length;
  const chunk = { ...o.chunk, emptyTableFile: first === 0 && o.chunk.emptyTableFile };
  let done = rowsDone;
  // the sink hashes what it stores (PutResult.sha256): that digest goes into the manifest
  for await (const part of csvParts(records(), chunk)) {
    const name = loadFileName(part.index + first, o.chunk.counter);
    const put = await sink.put(folder + name, part.body, { contentType: CSV_CONTENT_TYPE }, signal === undefined ? {} : { signal });
    const s = part.summary();
    if (put.bytes !== s.bytes) {
      throw new AgentError('E_VERIFY', `${folder + name}: the sink received ${put.bytes} bytes, the chunker produced ${s.bytes}`, { file: put.location });
    }
    done += s.rows;
    const p = problems.takeUpTo(done, name);
    if (p.rows > 0) {
      const key = problemFileKey(schema, name);
      await sink.put(key, Buffer.from(p.text, 'utf8'), { contentType: 'application/x-ndjson' }, signal === undefined ? {} : { signal });
      problemFiles.push({ key, rows: p.rows });
    }
    files.push({ name, rows: s.rows, bytes: s.bytes, sha256: put.sha256 });
    job.progress.file(job.name, s.bytes);
    await job.saveCheckpoint({ files: [...files], rowsDone: done, problemFiles: [...problemFiles] });
  }
  if (index < rowsDone) {
    throw new AgentError('E_SCHEMA', `${job.name} now has ${index} rows, but the checkpoint says ${rowsDone} were already written: the data changed since the first run; delete the checkpoint and the output, then start over`);
  }
  return { files, stats: source.stats(), problems: { ...problems.counts }, problemRows: problems.problemRows, problemFiles };
}
