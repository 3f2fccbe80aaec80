/**
 * `npm run bench:csv`: decode + merge + CSV encode throughput on ../shared/bench/mc-lz4-mixed, for
 * four pipelines over the same rows: `rows` (decode + merge only), `old` (csvRowEncoder, csv.ts: JSON
 * values -> strings -> quoting) and `fast` (csvBatchEncoder, csv-fast.ts: bytes straight from the cell
 * buffers). Figures per pass: CPU seconds (the machine may be shared: CPU time is the stable figure),
 * wall seconds, rows/s and MB/s of on-disk Data.db (by CPU time), and the ratio to Cassandra's own
 * reader (83.3 MB/s, ../shared/bench/README.md; the extraction target is >= 0.7x).
 *
 * Method: files in the page cache, the modes interleaved pass by pass so that load changes hit them
 * alike, the first `warmup` rounds dropped, the median of the rest reported. The output of `fast` is
 * checked against `old` once (byte-identical) before timing.
 *
 * `full` is `fast` plus what extract-table.ts does per row after encoding: the DynamoDB pre-check
 * (rowCertainlyFine), and the JSON render + check of the rows it cannot clear. `--in-memory` decodes
 * the first `--held-rows` rows once, then times only the per-batch work of each mode over them,
 * repeated up to the set's row count (the encoder's cost without the decoder's noise).
 *
 * Usage: npm run bench:csv [-- --passes 5 --warmup 1 --modes rows,old,fast,full --in-memory --held-rows 100000]
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { csvRowEncoder } from '../src/export/csv.js';
import { csvBatchEncoder } from '../src/export/csv-fast.js';
import { resolveExportOptions } from '../src/export/options.js';
import type { CqlRow } from '../src/merge/rows.js';
import { batchEncoder } from '../src/tasks/encode-batch.js';
import { withInternalColumnOrder } from '../src/schema/column-order.js';
import { parseCqlSchema } from '../src/schema/cql-ddl.js';
import type { TableSchema } from '../src/schema/model.js';
import { listSSTables, type SSTableDescriptor } from '../src/sstable/io/descriptor.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../src/sstable/table.js';
import { applyV8Tuning, describeV8Tuning } from '../src/util/v8-tuning.js';

const here = dirname(fileURLToPath(import.meta.url));
/** the project root, from bench/ or from dist-bench/bench/ */
const projectRoot = existsSync(join(here, '..', 'package.json')) ? resolve(here, '..') : resolve(here, '..', '..');
const DIR = join(projectRoot, '..', 'shared', 'bench', 'mc-lz4-mixed', 'bench', 'events_mixed-61eac2c44d0411e8b3379579ee5f66fb');
const REF_MBPS = 83.3;
const TARGET_RATIO = 0.7;
const NOW_IN_SEC = 1_700_000_000;

const SCHEMA = `CREATE TABLE bench.events_mixed (
    id uuid, ts timestamp,
    title text, qty int, total bigint, price double, active boolean,
    tags set<text>, attrs map<text, int>, payload blob,
    PRIMARY KEY (id, ts))`;

type Mode = 'rows' | 'old' | 'fast' | 'full';
const MODES: readonly Mode[] = ['rows', 'old', 'fast', 'full'];

interface Pass {
  readonly cpu: number;
  readonly wall: number;
  readonly rows: number;
  readonly outBytes: number;
}

/** The per-batch work of a mode (none for `rows`): output units written. */
function batchWork(schema: TableSchema, mode: Mode): (batch: readonly CqlRow[]) => number {
  if (mode === 'old') {
    const old = csvRowEncoder(schema);
    return (batch) => {
      let n = 0;
      for (const r of batch) n += old(r).length;
      return n;
    };
  }
  if (mode === 'rows') return () => 0;
  const fast = csvBatchEncoder(schema);
  if (mode === 'fast') return (batch) => fast.encode(batch).length;
  // what an extraction does per batch (src/tasks/encode-batch.ts): encode, then the DynamoDB pre-check per row
  const full = batchEncoder(schema, resolveExportOptions());
  return (batch) => full.encode(batch).bytes.length;
}

async function pass(descs: readonly SSTableDescriptor[], schema: TableSchema, mode: Mode, cached: readonly (readonly CqlRow[])[] | null): Promise<Pass> {
  const tables: OpenedSSTable[] = [];
  try {
    if (cached === null) for (const d of descs) tables.push(await openSSTable(d, { index: false }));
    const work = batchWork(schema, mode);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let rows = 0;
    let outBytes = 0;
    const batches = cached ?? tableRows(tables, schema, { nowInSec: NOW_IN_SEC });
    for await (const batch of batches) {
      rows += batch.length;
      outBytes += work(batch);
    }
    const cpu = process.cpuUsage(cpu0);
    return { cpu: (cpu.user + cpu.system) / 1e6, wall: Number(process.hrtime.bigint() - t0) / 1e9, rows, outBytes };
  } finally {
    await closeAll(tables);
  }
}

/**
 * The first `limit` rows of the set (whole batches), decoded once, repeated to the set's row count
 * (for --in-memory: the encoders timed without the decoder, on a heap small enough that its major
 * GCs do not dominate).
 */
async function heldBatches(descs: readonly SSTableDescriptor[], schema: TableSchema, limit: number): Promise<(readonly CqlRow[])[]> {
  const tables: OpenedSSTable[] = [];
  const held: CqlRow[][] = [];
  let total = 0;
  let heldRows = 0;
  try {
    for (const d of descs) tables.push(await openSSTable(d, { index: false }));
    for await (const batch of tableRows(tables, schema, { nowInSec: NOW_IN_SEC })) {
      total += batch.length;
      if (heldRows < limit) {
        held.push([...batch]);
        heldRows += batch.length;
      }
    }
    const out: (readonly CqlRow[])[] = [];
    for (let n = 0; n < total; n += heldRows) out.push(...held);
    return out;
  } finally {
    await closeAll(tables);
  }
}

/** Byte-identical output of both encoders on the whole set (a bench must not time a wrong encoder). */
async function verify(descs: readonly SSTableDescriptor[], schema: TableSchema): Promise<void> {
  const tables: OpenedSSTable[] = [];
  const te = new TextEncoder();
  try {
    for (const d of descs) tables.push(await openSSTable(d, { index: false }));
    const old = csvRowEncoder(schema);
    const fast = csvBatchEncoder(schema);
    for await (const batch of tableRows(tables, schema, { nowInSec: NOW_IN_SEC })) {
      if (!Buffer.from(fast.encode(batch)).equals(te.encode(batch.map(old).join('')))) throw new Error('csvBatchEncoder output differs from csvRowEncoder');
    }
    if (JSON.stringify(fast.stats) !== JSON.stringify(old.stats)) throw new Error('csvBatchEncoder stats differ from csvRowEncoder');
  } finally {
    await closeAll(tables);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  // first: the settings the agent's launcher applies (src/util/v8-tuning.ts), so that the figures are the agent's
  console.log(describeV8Tuning(applyV8Tuning()));
  const { values } = parseArgs({ options: { passes: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' }, modes: { type: 'string', default: MODES.join(',') }, 'no-verify': { type: 'boolean', default: false }, 'in-memory': { type: 'boolean', default: false }, 'held-rows': { type: 'string', default: '100000' } } });
  const passes = Number(values.passes);
  const warmup = Number(values.warmup);
  const modes = values.modes.split(',').filter((m): m is Mode => (MODES as readonly string[]).includes(m));
  if (!existsSync(DIR)) {
    console.log(`bench set not found at ${DIR}`);
    return;
  }
  const descs = await listSSTables(DIR);
  let dataBytes = 0;
  for (const d of descs) dataBytes += (await stat(d.dataPath)).size;
  const schema = withInternalColumnOrder(parseCqlSchema(SCHEMA).tables[0] ?? (() => { throw new Error('bench schema did not parse'); })());
  console.log(`CSV encode benchmark, mc-lz4-mixed (node ${process.version}, ${passes} rounds, first ${warmup} warm-up, median of the rest)`);
  if (values['no-verify'] !== true && (modes.includes('fast') || modes.includes('full'))) {
    await verify(descs, schema);
    console.log('fast output verified byte-identical to csvRowEncoder');
  }
  const cached = values['in-memory'] === true ? await heldBatches(descs, schema, Number(values['held-rows'])) : null;
  if (cached !== null) console.log(`--in-memory: the first ${values['held-rows']} rows decoded once before timing and repeated; figures are the per-batch work alone`);
  const results = new Map<Mode, Pass[]>(modes.map((m) => [m, []]));
  for (let i = 0; i < passes; i++) for (const m of modes) results.get(m)?.push(await pass(descs, schema, m, cached));
  const rowsCpu = results.has('rows') ? median((results.get('rows') ?? []).slice(warmup).map((p) => p.cpu)) : undefined;
  console.log(`Data.db ${(dataBytes / 1e6).toFixed(1)} MB`);
  for (const m of modes) {
    const all = results.get(m) ?? [];
    const measured = all.slice(warmup);
    const cpu = median(measured.map((p) => p.cpu));
    const wall = median(measured.map((p) => p.wall));
    const last = all[all.length - 1] as Pass;
    const mbps = dataBytes / 1e6 / cpu;
    const encode = rowsCpu === undefined || m === 'rows' ? '' : `, encoder ~${(cpu - rowsCpu).toFixed(2)} s CPU`;
    console.log(`  ${m.padEnd(4)}: ${cpu.toFixed(3)} s CPU, ${wall.toFixed(3)} s wall${encode}; ${Math.round(last.rows / cpu).toLocaleString('en-US')} rows/s, ${mbps.toFixed(1)} MB/s of Data.db `
      + `(${(mbps / REF_MBPS).toFixed(2)}x Cassandra's reader, target ${TARGET_RATIO}x); ${last.rows} rows, ${(last.outBytes / 1e6).toFixed(1)} M output units `
      + `(CPU passes: ${all.map((p) => p.cpu.toFixed(2)).join(' ')})`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

await main();
