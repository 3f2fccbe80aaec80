/**
 * `cassandra-extractor extract --data-dir <dir>... [--keyspace k] [--table t]... [--schema f.cql]
 *    --out <dir | s3://bucket/prefix> [--chunk-size 64MiB] [--now ISO] [--resume <checkpoint file>]
 *    [--region r] [--endpoint url] [--profile p] [--sse AES256|aws:kms] [--sse-kms-key-id id]
 *    [--part-size 8MiB] [--queue-size 4] [--workers N] [--replica-mode merge|primary-range|all]
 *    [--max-read-mbps N] [--snapshot-tag tag] [--engine auto|ts] [--json]`
 *
 * Each --data-dir is one node's; `--data-dir a,b` names one node with two data directories. Several
 * nodes are replicas, read per --replica-mode. --workers (default: defaultWorkers; 0 = this thread)
 * decodes token ranges in worker threads; the output is the same whatever the count. --engine ts
 * reads every table on the TypeScript path instead of the WebAssembly module (the same output).
 *
 * Contract: progress on stderr (a redrawn bar on a TTY, plain lines otherwise), then a summary on
 * stderr; with --json the report (tasks/extract.ts ExtractReport) on stdout. Returns 0 when the export
 * is complete, 1 when a table failed or the run was interrupted (the checkpoint, if any, lets a rerun
 * with the same --resume continue); bad options throw AgentError E_BAD_ARGUMENT (main: exit 2).
 */
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { REPLICA_MODES, type ReplicaMode } from '../cluster/replicas.js';
import { AgentError } from '../errors.js';
import { openSink } from '../sink/from-url.js';
import type { S3SinkOptions } from '../sink/s3.js';
import type { Sink } from '../sink/sink.js';
import { FileCheckpointStore } from '../tasks/checkpoint.js';
import { classifyDataDir, listKeyspaces } from '../tasks/extract-plan.js';
import { runExtract, type ExtractReport } from '../tasks/extract.js';
import type { RowEngine } from '../wasm/engine.js';
import { parse, parseNow } from './args.js';
import { formatMB, groupDigits, progressView } from './progress.js';

export const EXTRACT_USAGE = `usage: cassandra-extractor extract --data-dir <dir>... [--keyspace k] [--table t]... [--schema f.cql]
         --out <dir | s3://bucket/prefix> [--chunk-size 64MiB] [--now ISO-8601] [--resume <checkpoint file>]
         [--region r] [--endpoint url] [--profile p] [--sse AES256|aws:kms] [--sse-kms-key-id id]
         [--part-size 8MiB] [--queue-size 4] [--workers N] [--replica-mode merge|primary-range|all]
         [--max-read-mbps N] [--snapshot-tag tag] [--engine auto|ts] [--json]`;

export interface ExtractIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** stderr is a terminal: draw the progress bar */
  readonly isTTY: boolean;
  /** Ctrl-C / SIGTERM: the run stops after cleaning up and the checkpoint stays resumable */
  readonly signal?: AbortSignal;
  /** "cassandra-extractor <version>", for manifest.json */
  readonly generator?: string;
}

const UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9,
};

/** "64MiB", "8M", "5242880", "1.5GiB", "100MB" -> bytes. @throws AgentError E_BAD_ARGUMENT */
export function parseSize(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  const n = m === null || unit === undefined ? NaN : Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n) || n < 1) throw new AgentError('E_BAD_ARGUMENT', `${option} expects a size such as 64MiB, 8M or 1048576, got "${text}"`);
  return n;
}

function parseCount(text: string, option: string, min = 1): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min) throw new AgentError('E_BAD_ARGUMENT', `${option} expects an integer >= ${min}, got "${text}"`);
  return n;
}

/**
 * Decoding workers when --workers is not given: one core stays with the main thread (LOAD files,
 * hashing, the sink). Below 4 cores, decoding in the main thread is as fast and uses less memory
 * (docs/extract.md "Throughput": 2 cores, 2 workers gave 1.0x the main thread's speed).
 */
export function defaultWorkers(cores: number): number {
  return cores >= 4 ? cores - 1 : 0;
}

function parseEngine(text: string): RowEngine {
  if (text !== 'auto' && text !== 'ts') throw new AgentError('E_BAD_ARGUMENT', `--engine takes auto or ts, got "${text}"`);
  return text;
}

function parseReplicaMode(text: string): ReplicaMode {
  const mode = REPLICA_MODES.find((m) => m === text);
  if (mode === undefined) throw new AgentError('E_BAD_ARGUMENT', `--replica-mode takes ${REPLICA_MODES.join(', ')}, got "${text}"`);
  return mode;
}

function parseMBps(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new AgentError('E_BAD_ARGUMENT', `--max-read-mbps expects a positive number of MB/s, got "${text}"`);
  return n;
}

/** The one keyspace to extract when none is named. @throws AgentError E_BAD_ARGUMENT / E_NOT_FOUND */
export async function pickKeyspace(dataDirs: readonly string[]): Promise<string> {
  const roots = [];
  for (const d of dataDirs) roots.push(await classifyDataDir(d));
  const { user } = await listKeyspaces(roots);
  if (user.length === 1) return user[0] as string;
  if (user.length === 0) throw new AgentError('E_NOT_FOUND', `no keyspace other than the system ones under ${dataDirs.join(', ')}`);
  throw new AgentError('E_BAD_ARGUMENT', `the data directories hold several keyspaces (${user.join(', ')}); choose one with --keyspace`);
}

function summary(r: ExtractReport): string {
  const lines: string[] = [];
  for (const t of r.tables) {
    const what = t.state === 'errored' ? `FAILED: ${t.error?.message ?? ''} [${t.error?.code ?? ''}]` : t.state === 'loaded' ? `${groupDigits(t.rows)} rows, ${t.files.length} file(s), ${formatMB(t.bytes)}${t.resumed ? ' (from the checkpoint)' : ''}` : 'not extracted (interrupted)';
    lines.push(`  ${t.keyspace}.${t.table}: ${what}`);
    if (t.problemRows > 0) lines.push(`    ${t.problemRows} row(s) DynamoDB cannot take (${Object.entries(t.problems).map(([k, v]) => `${k} ${v}`).join(', ')}): kept in the CSV, listed in ${t.problemFiles.map((f) => f.key).join(', ')}`);
  }
  for (const s of r.skipped) lines.push(`  skipped ${r.keyspace}.${s.table}: ${s.reason}`);
  const sec = r.elapsedMs / 1000;
  const rate = sec > 0 ? ` (${(r.dataBytes / 1e6 / sec).toFixed(1)} MB/s of Data.db, ${groupDigits(Math.round(r.rows / sec))} rows/s)` : '';
  lines.push(`${groupDigits(r.rows)} rows, ${formatMB(r.csvBytes)} of CSV in ${sec.toFixed(1)} s${rate}`);
  const rd = r.read;
  lines.push(`read: replica mode ${rd.replicaMode} over ${rd.nodes.length} node(s), ${rd.workers === 0 ? 'in this thread' : `${rd.workers} worker(s)`}${rd.snapshotTag === null ? '' : `, snapshot ${rd.snapshotTag}`}${rd.bandwidthMBps === null ? '' : `, at most ${rd.bandwidthMBps} MB/s per node`}`);
  if (r.complete) lines.push(`complete: ${r.root}/manifest.json and ${r.root}/dms/`);
  else if (r.aborted) lines.push('interrupted: run the same command again with the same --resume file to continue');
  else lines.push(`INCOMPLETE (no manifest written):\n${r.errorSummary}`);
  return `${lines.join('\n')}\n`;
}

export async function runExtractCli(argv: string[], io: ExtractIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    'data-dir': { type: 'string', multiple: true },
    keyspace: { type: 'string' },
    table: { type: 'string', multiple: true },
    schema: { type: 'string' },
    out: { type: 'string' },
    'chunk-size': { type: 'string' },
    now: { type: 'string' },
    resume: { type: 'string' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
    profile: { type: 'string' },
    sse: { type: 'string' },
    'sse-kms-key-id': { type: 'string' },
    'part-size': { type: 'string' },
    'queue-size': { type: 'string' },
    workers: { type: 'string' },
    'replica-mode': { type: 'string' },
    'max-read-mbps': { type: 'string' },
    'snapshot-tag': { type: 'string' },
    engine: { type: 'string' },
    json: { type: 'boolean' },
  });
  const dataDirs = values['data-dir'] ?? [];
  if (positionals.length > 0) throw new AgentError('E_BAD_ARGUMENT', `unexpected argument "${positionals[0] ?? ''}"\n${EXTRACT_USAGE}`);
  if (dataDirs.length === 0 || values.out === undefined) throw new AgentError('E_BAD_ARGUMENT', `--data-dir and --out are required\n${EXTRACT_USAGE}`);
  const sse = values.sse;
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') throw new AgentError('E_BAD_ARGUMENT', `--sse takes AES256 (SSE-S3) or aws:kms (SSE-KMS), got "${sse}"`);
  const s3: Omit<S3SinkOptions, 'bucket' | 'prefix'> = {
    ...(values.region === undefined ? {} : { region: values.region }),
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
    ...(sse === undefined ? {} : { sse }),
    ...(values['sse-kms-key-id'] === undefined ? {} : { sseKmsKeyId: values['sse-kms-key-id'] }),
    ...(values['part-size'] === undefined ? {} : { partSize: parseSize(values['part-size'], '--part-size') }),
    ...(values['queue-size'] === undefined ? {} : { queueSize: parseCount(values['queue-size'], '--queue-size') }),
  };
  const isS3 = /^s3:\/\//i.test(values.out);
  if (!isS3 && Object.keys(s3).length > 0) throw new AgentError('E_BAD_ARGUMENT', '--region, --endpoint, --profile, --sse, --part-size and --queue-size apply to an s3:// --out only');
  const chunkSizeBytes = values['chunk-size'] === undefined ? undefined : parseSize(values['chunk-size'], '--chunk-size');
  const nowInSec = parseNow(values.now);
  const nodes = dataDirs.map((d) => ({ name: d, dataDirs: d.split(',').filter((x) => x !== '') }));
  const flatDirs = nodes.flatMap((n) => n.dataDirs);
  const keyspace = values.keyspace ?? (await pickKeyspace(flatDirs));
  const read = {
    workers: values.workers === undefined ? defaultWorkers(availableParallelism()) : parseCount(values.workers, '--workers', 0),
    ...(values['replica-mode'] === undefined ? {} : { replicaMode: parseReplicaMode(values['replica-mode']) }),
    ...(values['max-read-mbps'] === undefined ? {} : { bandwidthMBps: parseMBps(values['max-read-mbps']) }),
    ...(values['snapshot-tag'] === undefined ? {} : { snapshotTag: values['snapshot-tag'] }),
    ...(values.engine === undefined ? {} : { engine: parseEngine(values.engine) }),
  };

  const sink: Sink = await openSink(values.out, s3);
  const view = progressView(io.stderr, { tty: io.isTTY });
  let report: ExtractReport;
  try {
    report = await runExtract(
      {
        nodes, keyspace, sink, nowInSec, read,
        ...(values.table === undefined ? {} : { tables: values.table }),
        ...(values.schema === undefined ? {} : { schemaFile: values.schema }),
        ...(chunkSizeBytes === undefined ? {} : { chunkSizeBytes }),
        ...(io.generator === undefined ? {} : { generator: io.generator }),
      },
      {
        onProgress: (p) => view.update(p),
        progressIntervalMs: io.isTTY ? 200 : 1000,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        ...(values.resume === undefined ? {} : { checkpoint: new FileCheckpointStore(values.resume) }),
      },
    );
  } finally {
    view.finish();
    await sink.close();
  }
  io.stderr.write(summary(report));
  if (values.json === true) io.stdout.write(`${JSON.stringify(report)}\n`);
  return report.complete ? 0 : 1;
}

/**
 * The process edge of `extract` (called by main.ts): wires stdout/stderr and turns the first SIGINT
 * or SIGTERM into a cancellation (puts are abandoned cleanly, multipart uploads aborted).
 */
export async function runExtractCommand(argv: string[], generator?: string): Promise<number> {
  const ac = new AbortController();
  const stop = (): void => ac.abort(new AgentError('E_ABORTED', 'interrupted by a signal'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runExtractCli(argv, {
      stdout: process.stdout, stderr: process.stderr, isTTY: process.stderr.isTTY === true, signal: ac.signal,
      ...(generator === undefined ? {} : { generator }),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
