/**
 * `npm run bench:instructions`: machine instructions per row of the decoder and of the CSV encoder on
 * ../shared/bench/mc-lz4-mixed, counted by valgrind's callgrind. Unlike times, these counts do not move
 * with the host's load (times on the shared 2-core hosts drift by a quarter within minutes), so a
 * change to the per-row code can be judged by one run of each build (docs/extract.md, "Session 11").
 * They say nothing of cache misses, start-up or compile time: the whole-process figures stay those of
 * bench/extract.ts.
 *
 * Method: this script runs itself as a child under `valgrind --tool=callgrind --instr-atstart=no`.
 * The child warms the code up, then switches counting on (`callgrind_control -i on <pid>`) around `n`
 * repetitions of the work and off after them. Two children, n = LOW and n = HIGH: the difference of
 * their counts over the HIGH - LOW extra repetitions is the per-row figure, free of what the switching
 * itself costs. V8 compiles on the child's main thread (--no-concurrent-recompilation), so that no
 * background compile job lands inside the counted window by chance; repeated runs give the same
 * figure to a few instructions per row.
 *
 * Modes (`--modes`, default all):
 * - decode: the first BATCHES batches of live rows of the file, decoded from the start each time;
 * - encode: csvBatchEncoder (export/csv-fast.ts) over those rows, held in memory;
 * - records: the worker's per-row work, decode + batchEncoder (tasks/encode-batch.ts).
 *
 * Usage: npm run bench:instructions [-- --modes decode,encode,records]
 * Needs valgrind (Debian package `valgrind`); without it, says so and exits 0.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MC_SCHEMA, MC_TABLE_DIR, NOW_IN_SEC } from './bench-set.js';
import { csvBatchEncoder } from '../src/export/csv-fast.js';
import { resolveExportOptions } from '../src/export/options.js';
import type { CqlRow } from '../src/merge/rows.js';
import { parseCqlSchema } from '../src/schema/cql-ddl.js';
import type { TableSchema } from '../src/schema/model.js';
import { listSSTables } from '../src/sstable/io/descriptor.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../src/sstable/table.js';
import { batchEncoder } from '../src/tasks/encode-batch.js';
import { applyV8Tuning } from '../src/util/v8-tuning.js';

const DIR = MC_TABLE_DIR;
const SCHEMA = MC_SCHEMA;
/** decoder batches of rows per repetition (128 rows each) */
const BATCHES = 16;
const WARMUP = 150;
const LOW = 10;
const HIGH = 40;

type Mode = 'decode' | 'encode' | 'records';
const MODES: readonly Mode[] = ['decode', 'encode', 'records'];

async function firstRows(tables: readonly OpenedSSTable[], schema: TableSchema): Promise<CqlRow[][]> {
  const held: CqlRow[][] = [];
  for await (const batch of tableRows(tables, schema, { nowInSec: NOW_IN_SEC })) {
    held.push([...batch]);
    if (held.length >= BATCHES) break;
  }
  return held;
}

/** One repetition of a mode's work; its row count. */
async function work(mode: Mode, tables: readonly OpenedSSTable[], schema: TableSchema, held: readonly CqlRow[][]): Promise<() => Promise<number>> {
  if (mode === 'encode') {
    const enc = csvBatchEncoder(schema, resolveExportOptions());
    const ends = new Uint32Array(1 << 16);
    return async () => {
      let rows = 0;
      for (const b of held) {
        enc.append(b, ends, 0);
        rows += b.length;
      }
      enc.take();
      return rows;
    };
  }
  const records = mode === 'records' ? batchEncoder(schema, resolveExportOptions()) : null;
  return async () => {
    let rows = 0;
    let n = 0;
    for await (const batch of tableRows(tables, schema, { nowInSec: NOW_IN_SEC })) {
      records?.append(batch);
      rows += batch.length;
      if (++n >= BATCHES) break;
    }
    records?.take();
    return rows;
  };
}

/** The child: warm up, then count `reps` repetitions; prints the rows counted. */
async function child(mode: Mode, reps: number): Promise<void> {
  applyV8Tuning();
  const schema = parseCqlSchema(SCHEMA).tables[0];
  if (schema === undefined) throw new Error('bench schema did not parse');
  const tables: OpenedSSTable[] = [];
  try {
    for (const d of await listSSTables(DIR)) tables.push(await openSSTable(d, { index: false }));
    const run = await work(mode, tables, schema, await firstRows(tables, schema));
    for (let i = 0; i < WARMUP; i++) await run();
    execFileSync('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore' });
    let rows = 0;
    for (let i = 0; i < reps; i++) rows += await run();
    execFileSync('callgrind_control', ['-i', 'off', String(process.pid)], { stdio: 'ignore' });
    console.log(`ROWS=${rows}`);
  } finally {
    await closeAll(tables);
  }
}

/** Instructions counted by callgrind in a child doing `reps` repetitions, and its rows. */
function counted(mode: Mode, reps: number): { instructions: number; rows: number } {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all', '--callgrind-out-file=/dev/null',
    process.execPath, '--no-concurrent-recompilation', fileURLToPath(import.meta.url), '--child', mode, '--reps', String(reps)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const collected = /Collected : (\d+)/.exec(r.stderr);
  const rows = /ROWS=(\d+)/.exec(r.stdout);
  if (r.status !== 0 || collected === null || rows === null) throw new Error(`callgrind child (${mode}, ${reps}) failed: ${r.stderr.slice(-800)}`);
  return { instructions: Number(collected[1]), rows: Number(rows[1]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { modes: { type: 'string', default: MODES.join(',') }, child: { type: 'string' }, reps: { type: 'string', default: '10' } } });
  if (values.child !== undefined) {
    const mode = MODES.find((m) => m === values.child);
    if (mode === undefined) throw new Error(`unknown mode ${values.child}`);
    await child(mode, Number(values.reps));
    return;
  }
  if (!existsSync(DIR)) {
    console.log(`instructions bench: ${DIR} not found, skipped`);
    return;
  }
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.log('instructions bench: valgrind not found (Debian package valgrind), skipped');
    return;
  }
  const modes = (values.modes ?? '').split(',').filter((m): m is Mode => (MODES as readonly string[]).includes(m));
  console.log(`Instructions per row, mc-lz4-mixed (node ${process.version}, callgrind; ${HIGH} - ${LOW} repetitions of ${BATCHES} decoder batches)`);
  for (const mode of modes) {
    const low = counted(mode, LOW);
    const high = counted(mode, HIGH);
    const perRow = (high.instructions - low.instructions) / (high.rows - low.rows);
    console.log(`  ${mode.padEnd(7)}: ${Math.round(perRow).toLocaleString('en-US')} instructions/row (${(high.rows - low.rows).toLocaleString('en-US')} rows counted)`);
  }
}

await main();
