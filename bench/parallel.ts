/**
 * Parallel range decoding throughput, steady state: the mc-lz4-mixed bench table read as token ranges
 * by 1 and by 2 worker threads and consumed (counted, then dropped) in the main thread, with the
 * extraction's range size, batch size and batches in flight. The workers of each count are kept
 * across its passes (WorkerPool), as an extraction keeps them from table to table, so the timed passes
 * run warm code, like the reference figures of Cassandra's reader (median of passes after warm-up).
 * `npm run bench:extract` gives the other view: whole cold processes, startup and JIT warm-up included.
 *
 * `--format records` (the default) is the extract pipeline's path: ranges decoded, merged,
 * CSV-encoded and DynamoDB-checked in the workers (encode-batch.ts), handed over in task order; `csv`
 * and `json` are the text path of parallelTableText (the older string encoder). Prints MB/s of Data.db,
 * rows/s, the 2-worker speed-up and the peak RSS of the process (VmHWM of /proc/self/status: worker
 * threads share the process, so it includes them).
 *
 * Warm-up: 3 passes of each worker count before the 5 timed ones, as the reference figures time
 * passes 4–8. With one warm-up pass (`--warmup 1`, the method before session 7), each of 2 workers
 * had decoded half as much as the single worker, and the first round's ratio was below the run's
 * median in nearly every run (docs/extract.md, "Session 7"). The worker counts take turns pass by pass, so that the drifts of a
 * shared host hit them alike; the speed-up printed is the median of the per-round ratios, next to the
 * ratio of the medians. Both pools stay alive throughout, so the peak RSS printed covers 1 + 2 workers
 * (`npm run bench:extract` gives the RSS of an extraction).
 *
 * Usage: npm run build && tsc -p tsconfig.bench.json && node dist-bench/bench/parallel.js [--passes 5 --warmup 3 --workers 1,2 --ranges N --format records|csv|json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parallelTableRecords, parallelTableText } from '../src/cluster/parallel.js';
import { WorkerPool } from '../src/cluster/workers.js';
import { MAIN_RECLAIM_BYTES, rangeCountFor, WORKER_BATCH_BYTES, WORKER_MAX_IN_FLIGHT } from '../src/tasks/extract-read.js';
import { bufferReclaimer } from '../src/util/reclaim.js';
import { listSSTables } from '../src/sstable/io/descriptor.js';
import { applyV8Tuning, describeV8Tuning } from '../src/util/v8-tuning.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const benchDir = resolve(root, '..', 'shared', 'bench', 'mc-lz4-mixed', 'bench', 'events_mixed-61eac2c44d0411e8b3379579ee5f66fb');
const workerUrl = pathToFileURL(join(root, 'dist', 'cluster', 'workers-entry.js'));

const SCHEMA = `CREATE TABLE bench.events_mixed (
    id uuid, ts timestamp,
    title text, qty int, total bigint, price double, active boolean,
    tags set<text>, attrs map<text, int>, payload blob,
    PRIMARY KEY (id, ts));`;

function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? process.resourceUsage().maxRSS / 1024 : Number(m[1]) / 1024;
}

type Format = 'records' | 'csv' | 'json';

async function pass(schemaFile: string, workers: number, ranges: number, format: Format, pool: WorkerPool): Promise<{ seconds: number; rows: number; chars: number }> {
  const t0 = process.hrtime.bigint();
  let rows = 0;
  let chars = 0;
  // the extraction's settings (tasks/extract-read.ts): ranges of about 4 MiB of Data.db, 1 MiB batches, 32 in flight
  const req = {
    paths: [benchDir], schemaFile, nowInSec: Math.floor(Date.now() / 1000), workers, ranges, format: 'csv' as const,
    batchBytes: WORKER_BATCH_BYTES, maxInFlight: WORKER_MAX_IN_FLIGHT,
  };
  if (format === 'records') {
    const run = parallelTableRecords(req, { workerUrl, pool });
    // as an extraction's main thread does with the batches it has written (tasks/extract-read.ts)
    const reclaim = bufferReclaimer(MAIN_RECLAIM_BYTES);
    for await (const b of run) {
      rows += b.batch.count;
      chars += b.batch.bytes.length;
      reclaim(b.batch.bytes.byteLength);
    }
    if (run.summary().rows !== rows) throw new Error(`summary says ${run.summary().rows} rows, received ${rows}`);
  } else {
    const run = parallelTableText({ ...req, format }, { workerUrl, pool });
    for await (const b of run) {
      rows += b.ends.length;
      chars += b.text.length;
    }
    if (run.summary().rows !== rows) throw new Error(`summary says ${run.summary().rows} rows, received ${rows}`);
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, rows, chars };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

async function main(): Promise<void> {
  // first: the settings the agent's launcher applies (src/util/v8-tuning.ts), so that the figures are the agent's
  console.log(describeV8Tuning(applyV8Tuning()));
  const { values } = parseArgs({ options: { passes: { type: 'string', default: '5' }, warmup: { type: 'string', default: '3' }, workers: { type: 'string', default: '1,2' }, ranges: { type: 'string' }, format: { type: 'string', default: 'records' } } });
  if (!existsSync(benchDir)) {
    console.log(`mc-lz4-mixed: not found at ${benchDir}, skipped`);
    return;
  }
  if (!existsSync(fileURLToPath(workerUrl))) throw new Error(`${fileURLToPath(workerUrl)} is missing: run npm run build first`);
  const schemaFile = join(await mkdtemp(join(tmpdir(), 'ce-bench-')), 'schema.cql');
  await writeFile(schemaFile, SCHEMA);
  let dataBytes = 0;
  for (const d of await listSSTables(benchDir)) dataBytes += (await stat(d.dataPath)).size;
  const format: Format = values.format === 'json' ? 'json' : values.format === 'csv' ? 'csv' : 'records';
  const passes = Number(values.passes);
  const warmup = Number(values.warmup);
  if (!Number.isSafeInteger(warmup) || warmup < 1) throw new Error(`--warmup must be a positive integer, got ${values.warmup}`);
  // default: as many ranges as an extraction plans for this table (the larger count of the two, the same for both)
  const ranges = values.ranges === undefined ? Math.max(...values.workers.split(',').map((w) => rangeCountFor(dataBytes, Number(w)))) : Number(values.ranges);
  console.log(`parallel range decoding, mc-lz4-mixed (${(dataBytes / 1e6).toFixed(1)} MB Data.db), ${format} output, ${ranges} ranges (with 2 or more workers, the last one per worker cut in 4), median of ${passes} passes after ${warmup} warm-up passes, the worker counts taking turns, workers kept across passes (WorkerPool)`);
  // One pool per worker count, kept across its passes as an extraction keeps it across tables: the
  // warm-up passes start and warm the threads, the timed passes reuse them. The counts take turns pass
  // by pass, so that the host's speed drifts (±25% from minute to minute on the development machine)
  // hit them alike; the speed-up is the median of the ratios within each round.
  const lanes = values.workers.split(',').map(Number).map((workers) => ({ workers, pool: new WorkerPool(workerUrl), runs: [] as { seconds: number; rows: number }[] }));
  try {
    for (let i = 0; i < warmup; i++) for (const l of lanes) await pass(schemaFile, l.workers, ranges, format, l.pool);
    for (let i = 0; i < passes; i++) for (const l of lanes) l.runs.push(await pass(schemaFile, l.workers, ranges, format, l.pool));
  } finally {
    for (const l of lanes) await l.pool.close();
  }
  for (const { workers, runs } of lanes) {
    const sec = median(runs.map((r) => r.seconds));
    const rows = runs[0]?.rows ?? 0;
    console.log(`  ${workers} worker(s): ${sec.toFixed(3)} s, ${(dataBytes / 1e6 / sec).toFixed(1)} MB/s of Data.db, ${Math.round(rows / sec).toLocaleString('en-US')} rows/s (${rows} rows; passes ${runs.map((r) => r.seconds.toFixed(2)).join(' ')})`);
  }
  const one = lanes.find((l) => l.workers === 1)?.runs.map((r) => r.seconds);
  const two = lanes.find((l) => l.workers === 2)?.runs.map((r) => r.seconds);
  if (one !== undefined && two !== undefined) {
    const ratios = one.map((t, i) => t / (two[i] as number));
    console.log(`  speed-up with 2 workers: ${median(ratios).toFixed(2)}x, median of the rounds (${ratios.map((x) => x.toFixed(2)).join(' ')}); ratio of the medians ${(median(one) / median(two)).toFixed(2)}x (target >= 1.8x)`);
  }
  console.log(`peak RSS (VmHWM of this process: the main thread and every pool above, alive together; an extraction's is in bench:extract) ${peakRssMB().toFixed(0)} MB`);
}

await main();
