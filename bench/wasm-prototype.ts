/**
 * `npm run bench:wasm-prototype`: what the per-row work of an extraction costs as WebAssembly. The
 * prototype bench/wasm-prototype/proto.c (the 3.x fast path and the CSV encoder for the bench table
 * only; not part of the agent) is compiled with clang, run on the decompressed Data.db of
 * ../shared/bench/mc-lz4-mixed, and its output compared byte for byte with the CSV records the
 * project's own pipeline makes of the same file (tableRows + csvBatchEncoder, in this process).
 *
 * Prints: the time of the LZ4 decompression (the project's DataSource, every chunk's checksum
 * checked), of the TypeScript decode + encode, and of each WebAssembly pass, with MB/s of on-disk
 * Data.db and the ratio to Cassandra's reader (83.3 MB/s, ../shared/bench/README.md). The first pass
 * is one long call in V8's baseline wasm code (Liftoff; V8 does not move a running wasm call onto the
 * optimised code), and touches the output memory for the first time; later passes are the steady
 * state, as in the reference figures (median of passes 4-8).
 *
 * Then `--passes` whole processes (children run with `--stream-child`): Node starts, opens the
 * SSTable, sends each decompressed chunk through the prototype (feed(), behind the unconsumed tail of
 * the chunk before), and writes and hashes the records in one file; timed from spawn to exit, their
 * SHA-256 checked against the project's records. Not an extraction (no LOAD files, manifest, DMS
 * JSON, CSV figures or DynamoDB checks), but the same reading, decoding, encoding, writing and
 * hashing of every byte.
 *
 * Needs clang and lld (Debian packages clang, lld: wasm32 target and wasm-ld); without them, says so
 * and exits 0. docs/extract.md, "Session 11", has the figures and what they mean for issue 4.
 *
 * Usage: npm run bench:wasm-prototype [-- --passes 5]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MC_SCHEMA, MC_TABLE_DIR, NOW_IN_SEC, PROJECT_ROOT, REF_MBPS } from './bench-set.js';
import { csvBatchEncoder } from '../src/export/csv-fast.js';
import { resolveExportOptions } from '../src/export/options.js';
import { parseCqlSchema } from '../src/schema/cql-ddl.js';
import { listSSTables } from '../src/sstable/io/descriptor.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../src/sstable/table.js';

const DIR = MC_TABLE_DIR;
const SOURCE = join(PROJECT_ROOT, 'bench', 'wasm-prototype', 'proto.c');
const SCHEMA = MC_SCHEMA;
const PAGE = 65536;

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  readonly Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
  instantiate(bytes: Uint8Array, imports: { env: { memory: WasmMemory } }): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Proto {
  readonly run: (data: number, length: number, out: number) => number;
  readonly feed: (data: number, length: number, out: number, final: number) => number;
  readonly consumed: () => number;
  readonly init: () => void;
  readonly outLength: () => number;
}

function isProto(x: Record<string, unknown>): x is Record<string, unknown> & Proto {
  return typeof x.run === 'function' && typeof x.feed === 'function' && typeof x.consumed === 'function' && typeof x.init === 'function' && typeof x.outLength === 'function';
}

async function instantiate(module: Uint8Array, bytes: number): Promise<{ proto: Proto; memory: WasmMemory }> {
  const pages = Math.ceil(bytes / PAGE);
  const memory = new wasmApi.Memory({ initial: pages, maximum: pages });
  const { instance } = await wasmApi.instantiate(module, { env: { memory } });
  const proto = instance.exports;
  if (!isProto(proto)) throw new Error('proto.wasm lacks its exports');
  proto.init();
  return { proto, memory };
}

/**
 * A whole-process run's child (`--stream-child <wasm> --out <file>`): a process as an extraction
 * would run it with the prototype in place of the TypeScript decoder and encoder: Node starts, the SSTable is opened, each decompressed chunk
 * goes through the wasm (behind the unconsumed tail of the previous one), and the records are written
 * to `out` and hashed (SHA-256, as the local sink does). Prints the digest.
 */
async function streamChild(wasmPath: string, out: string): Promise<void> {
  const { proto, memory } = await instantiate(readFileSync(wasmPath), 24 << 20);
  const inAt = 1 << 20;
  const outAt = 8 << 20;
  const tables: OpenedSSTable[] = [];
  const fd = openSync(out, 'w');
  const hash = createHash('sha256');
  try {
    for (const d of await listSSTables(DIR)) tables.push(await openSSTable(d, { index: false }));
    const table = tables[0];
    if (table === undefined) throw new Error('no SSTable');
    let tail = 0;
    const step = (final: number): void => {
      const rows = proto.feed(inAt, tail, outAt, final);
      if (rows < 0) throw new Error(`the prototype declined the file (code ${rows})`);
      const n = proto.outLength();
      const records = new Uint8Array(memory.buffer, outAt, n);
      hash.update(records);
      writeSync(fd, records);
      const used = proto.consumed();
      new Uint8Array(memory.buffer).copyWithin(inAt, inAt + used, inAt + tail);
      tail -= used;
    };
    for await (const chunk of table.data.chunks({ start: 0, verify: true })) {
      if (tail + chunk.bytes.length > outAt - inAt) throw new Error('a structure larger than the prototype\'s window');
      new Uint8Array(memory.buffer, inAt + tail, chunk.bytes.length).set(chunk.bytes);
      tail += chunk.bytes.length;
      step(0);
    }
    step(1);
    console.log(`SHA256=${hash.digest('hex')}`);
  } finally {
    closeSync(fd);
    await closeAll(tables);
  }
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function compile(dir: string): Promise<Uint8Array | null> {
  const wasm = join(dir, 'proto.wasm');
  const r = spawnSync('clang', ['--target=wasm32', '-O2', '-mbulk-memory', '-nostdlib', '-Wl,--no-entry', '-Wl,--import-memory',
    '-Wl,--export=run', '-Wl,--export=feed', '-Wl,--export=consumed', '-Wl,--export=init', '-Wl,--export=outLength', '-Wl,--stack-first', '-o', wasm, SOURCE], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    console.log(`wasm prototype bench: clang could not build ${SOURCE} for wasm32 (Debian packages clang and lld): ${r.error?.message ?? r.stderr.trim().slice(0, 300)}; skipped`);
    return null;
  }
  return readFileSync(wasm);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { passes: { type: 'string', default: '5' }, 'stream-child': { type: 'string' }, out: { type: 'string' } } });
  if (values['stream-child'] !== undefined) {
    await streamChild(values['stream-child'], values.out ?? '/dev/null');
    return;
  }
  if (!existsSync(DIR)) {
    console.log(`wasm prototype bench: ${DIR} not found, skipped`);
    return;
  }
  const tmp = await mkdtemp(join(tmpdir(), 'wasm-proto-'));
  const tables: OpenedSSTable[] = [];
  try {
    const module = await compile(tmp);
    if (module === null) return;
    const schema = parseCqlSchema(SCHEMA).tables[0];
    if (schema === undefined) throw new Error('bench schema did not parse');
    const descs = await listSSTables(DIR);
    for (const d of descs) tables.push(await openSSTable(d, { index: false }));
    const table = tables[0];
    if (table === undefined || tables.length !== 1) throw new Error('the bench table should be one SSTable');
    const onDisk = (await stat(table.data.path)).size;

    let t0 = process.hrtime.bigint();
    const data = Buffer.alloc(table.data.uncompressedLength);
    let filled = 0;
    for await (const chunk of table.data.chunks({ start: 0, verify: true })) {
      data.set(chunk.bytes, filled);
      filled += chunk.bytes.length;
    }
    const lz4 = seconds(t0);

    t0 = process.hrtime.bigint();
    const encoder = csvBatchEncoder(schema, resolveExportOptions());
    const parts: Uint8Array[] = [];
    for await (const batch of tableRows(tables, schema, { nowInSec: NOW_IN_SEC })) parts.push(encoder.encode(batch));
    const tsPass = seconds(t0);
    const expected = Buffer.concat(parts);

    const dataAt = 16 * PAGE * 16;
    const outAt = dataAt + Math.ceil(filled / PAGE) * PAGE;
    const { proto, memory } = await instantiate(module, outAt + expected.length + (1 << 20));
    new Uint8Array(memory.buffer, dataAt, filled).set(data.subarray(0, filled));

    console.log(`WebAssembly prototype, mc-lz4-mixed (node ${process.version}; ${(onDisk / 1e6).toFixed(1)} MB on disk, ${(filled / 1e6).toFixed(1)} MB decompressed)`);
    console.log(`  LZ4 + checksums (DataSource.chunks): ${lz4.toFixed(3)} s`);
    console.log(`  TypeScript decode + CSV encode (tableRows + csvBatchEncoder, cold, in this process): ${tsPass.toFixed(3)} s, ${expected.length} bytes of CSV`);
    const passes = Number(values.passes);
    const times: number[] = [];
    for (let p = 0; p < passes; p++) {
      t0 = process.hrtime.bigint();
      const rows = proto.run(dataAt, filled, outAt);
      const t = seconds(t0);
      times.push(t);
      if (rows < 0) throw new Error(`the prototype declined the file (code ${rows})`);
      const mbps = onDisk / 1e6 / t;
      console.log(`  wasm pass ${p + 1}: ${t.toFixed(3)} s, ${rows} rows, ${mbps.toFixed(1)} MB/s of Data.db (${(mbps / REF_MBPS).toFixed(2)}x Cassandra's reader, without LZ4)`);
    }
    const out = Buffer.from(memory.buffer, outAt, proto.outLength());
    console.log(out.equals(expected) ? '  output: byte-identical to the project\'s CSV records' : '  output: DIFFERS from the project\'s CSV records');
    // the first pass runs in V8's baseline wasm code (see above): the best of the others, if any
    const best = Math.min(...(times.length > 1 ? times.slice(1) : times));
    console.log(`  best steady pass + LZ4: ${(best + lz4).toFixed(3)} s, ${(onDisk / 1e6 / (best + lz4) / REF_MBPS).toFixed(2)}x Cassandra's reader (one thread, no file writes)`);

    // a whole process, chunk by chunk, writing and hashing its records
    const digest = createHash('sha256').update(expected).digest('hex');
    for (let r = 0; r < Number(values.passes); r++) {
      const file = join(tmp, 'records.csv');
      t0 = process.hrtime.bigint();
      const child = spawnSync(process.execPath, ['--no-liftoff', fileURLToPath(import.meta.url), '--stream-child', join(tmp, 'proto.wasm'), '--out', file], { encoding: 'utf8' });
      const t = seconds(t0);
      if (child.status !== 0) throw new Error(`stream child failed: ${child.stderr.slice(-600)}`);
      const same = child.stdout.includes(`SHA256=${digest}`);
      console.log(`  whole process (node start, LZ4 per chunk, wasm, write + SHA-256 of one file): ${t.toFixed(3)} s, ${(onDisk / 1e6 / t / REF_MBPS).toFixed(2)}x Cassandra's reader; records ${same ? 'identical' : 'DIFFER'}`);
      await rm(file, { force: true });
    }
  } finally {
    await closeAll(tables);
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
