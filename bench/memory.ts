/**
 * `npm run bench:memory`: extract a table many times larger than the memory budget and report the
 * peak RSS of the extract process against the budget of docs/memory.md ("Extraction").
 *
 * The table is generated with the project's SSTable writer (format `me`, LZ4), streamed (the writer
 * never holds a partition): `--size` bytes of rows in total (default 2 GiB, uncompressed), one
 * partition of `--big-partition` bytes (default 500 MiB) among partitions of `--partition` bytes.
 * Rows are (k int, c int, v text) with ~1 KiB of pseudo-random hex text. Generation takes a while and
 * prints its progress; then `extract` runs as a child process (bench/extract.ts runExtractChild) to a
 * local temporary directory, and everything is removed unless --keep.
 *
 * Usage: npm run bench:memory [-- --size 2GiB --big-partition 500MiB --keep]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize } from '../src/cli/extract.js';
import { compareUnsigned } from '../src/merge/bytes.js';
import { murmur3Token } from '../src/merge/murmur3.js';
import { parseCqlSchema } from '../src/schema/cql-ddl.js';
import { buildWriterLayout } from '../src/sstable/writer/layout.js';
import { partitionKeyBytes, writeSSTable, type WritePartition, type WriteUnfiltered } from '../src/sstable/writer/index.js';
import { runExtractChild } from './extract.js';

const CQL = 'CREATE TABLE mem.big (k int, c int, v text, PRIMARY KEY (k, c));';
const VALUE_CHARS = 1000;
/** bytes a row takes, about (value + clustering + row header), for sizing only */
const ROW_BYTES = VALUE_CHARS + 24;
/** the extraction budget of docs/memory.md for the local sink (MB, 10^6 bytes... as RSS is reported) */
const BUDGET_MB = 200;

/** xorshift32: deterministic text without a per-row allocation beyond the string. */
function valueFor(k: number, c: number): string {
  let x = (k * 2654435761) ^ (c * 40503) ^ 0x9e3779b9;
  let s = '';
  while (s.length < VALUE_CHARS) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += (x >>> 0).toString(16).padStart(8, '0');
  }
  return s.slice(0, VALUE_CHARS);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '2GiB' }, 'big-partition': { type: 'string', default: '500MiB' }, partition: { type: 'string', default: '1MiB' },
      keep: { type: 'boolean', default: false }, dir: { type: 'string' },
    },
  });
  const total = parseSize(values.size, '--size');
  const big = Math.min(total, parseSize(values['big-partition'], '--big-partition'));
  const per = parseSize(values.partition, '--partition');
  const bigRows = Math.max(1, Math.floor(big / ROW_BYTES));
  const perRows = Math.max(1, Math.floor(per / ROW_BYTES));
  const smallPartitions = Math.max(0, Math.ceil((total - big) / ROW_BYTES / perRows));
  const schema = parseCqlSchema(CQL).tables[0];
  if (schema === undefined) throw new Error('schema did not parse');
  const layout = buildWriterLayout(schema);

  // partition keys 0..n in token order; key 0 is the big one
  const keys = Array.from({ length: smallPartitions + 1 }, (_, k) => {
    const bytes = partitionKeyBytes(layout, [k]);
    return { k, bytes, token: murmur3Token(bytes) };
  }).sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : compareUnsigned(a.bytes, b.bytes)));

  const work = values.dir ?? (await mkdtemp(join(tmpdir(), 'bench-memory-')));
  const tableDir = join(work, 'data', 'mem', 'big-0123456789abcdef0123456789abcdef');
  await mkdir(tableDir, { recursive: true });
  const schemaFile = join(work, 'schema.cql');
  await writeFile(schemaFile, CQL);
  console.log(`generating ${(total / 2 ** 30).toFixed(2)} GiB: 1 partition of ${bigRows} rows (~${(big / 2 ** 20).toFixed(0)} MiB) + ${smallPartitions} of ${perRows} rows, into ${tableDir}`);
  let written = 0;
  let lastPrint = Date.now();
  const t0 = Date.now();
  async function* rowsOf(k: number, n: number): AsyncGenerator<WriteUnfiltered> {
    for (let c = 0; c < n; c++) {
      yield { clustering: [c], liveness: { timestamp: 1_700_000_000_000_000n }, cells: { v: { value: valueFor(k, c) } } };
      written += ROW_BYTES;
      if (Date.now() - lastPrint > 5000) {
        lastPrint = Date.now();
        console.log(`  ${(written / 2 ** 20).toFixed(0)} MiB of ${(total / 2 ** 20).toFixed(0)} MiB (${((written / 2 ** 20) / ((Date.now() - t0) / 1000)).toFixed(1)} MiB/s)`);
      }
    }
  }
  async function* partitions(): AsyncGenerator<WritePartition> {
    for (const { k } of keys) yield { key: [k], rows: rowsOf(k, k === 0 ? bigRows : perRows) };
  }
  try {
    const w = await writeSSTable(tableDir, schema, partitions(), { generation: 1, compression: 'lz4', nowInSec: 1_700_000_000 });
    console.log(`wrote ${w.rows} rows in ${w.partitions} partitions, Data.db ${(w.dataLength / 2 ** 20).toFixed(0)} MiB uncompressed, in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const out = join(work, 'out');
    const r = await runExtractChild(['--data-dir', join(work, 'data'), '--keyspace', 'mem', '--schema', schemaFile, '--out', out, '--now', '2024-01-01T00:00:00Z']);
    if (r.code !== 0) {
      console.log(`extract failed (exit ${String(r.code)}):\n${r.stderr.slice(-2000)}`);
      return;
    }
    const peak = Math.max(r.maxRssKb, r.vmHwmKb) / 1024;
    console.log(`extract: ${r.seconds.toFixed(1)} s, peak RSS ${peak.toFixed(0)} MB (budget ${BUDGET_MB} MB, docs/memory.md) ${peak <= BUDGET_MB ? 'OK' : 'OVER BUDGET'}`);
    console.log(r.stderr.split('\n').filter((l) => /rows,|complete|INCOMPLETE/.test(l)).join('\n'));
  } finally {
    if (values.keep !== true && values.dir === undefined) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

await main();
