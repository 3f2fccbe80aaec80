/**
 * The bundled CLI (written by scripts/bundle.mjs into dist/bundle/ in `npm run build`, here into a
 * directory of this file's own) and the launcher's choice between dist/bundle/ and dist/.
 *
 * - `extract` run from the bundle with 2 decoding workers: the workers start from the bundle's
 *   workers-entry.js, found beside the chunk that starts them, and the CSV they produce is byte for
 *   byte what the same bundle writes in its own thread; and no thread detaches an ArrayBuffer (V8's
 *   trace of its protector says so), which would slow every worker's typed-array code.
 * - every chunk of the bundle loads.
 * - bin/cassandra-extractor.js runs the bundle only when it is at least as new as dist/main.js, so a
 *   tree compiled again by `tsc` alone never runs an older bundle (checked on a stand-in tree).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { writeSSTable, type WritePartition } from '../../src/sstable/writer/index.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
/**
 * This file's own bundle, made by scripts/bundle.mjs from dist/ as `npm run build` makes dist/bundle/:
 * other test files compile dist/ and bundle it again while this one runs.
 */
const bundleDir = join(root, 'dist', `.bundle-test-${process.pid}`);
const bundleMain = join(bundleDir, 'main.js');
const CQL = 'CREATE TABLE ks.blobs (pk int PRIMARY KEY, b blob);';
/** random (incompressible) values: 320 x 16 KiB is above the 4 MiB under which a table is read in-thread */
const ROWS = 320;
const VALUE_BYTES = 16 << 10;

let dir = '';
let schemaFile = '';
let dataDir = '';

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'main.js'))) await run('npx', ['tsc', '-p', join(root, 'tsconfig.build.json')], { cwd: root }).catch(() => undefined);
  await run(process.execPath, [join(root, 'scripts', 'bundle.mjs'), bundleDir], { cwd: root });
  dir = await mkdtemp(join(tmpdir(), 'ce-bundle-'));
  schemaFile = join(dir, 'schema.cql');
  await writeFile(schemaFile, CQL);
  dataDir = join(dir, 'data');
  const tableDir = join(dataDir, 'ks', 'blobs');
  await mkdir(tableDir, { recursive: true });
  const int = (k: number): Uint8Array => new Uint8Array([k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255]);
  const keys = Array.from({ length: ROWS }, (_, i) => i).sort((a, b) => (murmur3Token(int(a)) < murmur3Token(int(b)) ? -1 : 1));
  const parts: WritePartition[] = keys.map((k) => ({ key: [k], rows: [{ clustering: [], liveness: { timestamp: 1000n }, cells: { b: { value: randomBytes(VALUE_BYTES) } } }] }));
  await writeSSTable(tableDir, parseCqlSchema(CQL).tables[0] as TableSchema, parts, { generation: 1, compression: 'lz4', nowInSec: 1_700_000_000 });
}, 180_000);

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
  await rm(bundleDir, { recursive: true, force: true });
});

/** `main(args)` of the bundle, in a process of its own (from a script file: workers inherit Node's options, and `-e`'s would fail in them). */
async function runBundle(args: string[], nodeOptions: string[] = []): Promise<{ stdout: string; stderr: string }> {
  const script = join(dir, 'run-bundle.mjs');
  await writeFile(script, `const m = await import(${JSON.stringify(pathToFileURL(bundleMain).href)});\nprocess.exitCode = await m.main(process.argv.slice(2));\n`);
  return run(process.execPath, [...nodeOptions, script, ...args], { maxBuffer: 16 << 20 });
}

/** What V8 prints (to stdout, from any thread) when a detach first invalidates its protector. */
const DETACH_TRACE = 'Invalidating protector cell ArrayBufferDetaching';

async function csvFiles(out: string): Promise<Map<string, Buffer>> {
  const tableOut = join(out, 'ks', 'blobs');
  const files = new Map<string, Buffer>();
  for (const f of (await readdir(tableOut)).sort()) files.set(f, await readFile(join(tableOut, f)));
  return files;
}

describe('the bundled CLI', () => {
  it('extracts with 2 decoding workers started from the bundle, writing what the in-thread read writes', async () => {
    const common = ['extract', '--data-dir', dataDir, '--schema', schemaFile, '--out'];
    // workers inherit the flag: no thread may detach an ArrayBuffer (workers-entry.ts `post`)
    const byWorkers = await runBundle([...common, join(dir, 'out-w2'), '--workers', '2', '--now', '2024-01-01T00:00:00Z'], ['--trace-protector-invalidation']);
    expect(byWorkers.stderr).toMatch(/2 worker\(s\)/);
    expect(byWorkers.stdout).not.toContain(DETACH_TRACE);
    const inThread = await runBundle([...common, join(dir, 'out-w0'), '--workers', '0', '--now', '2024-01-01T00:00:00Z']);
    expect(inThread.stderr).toMatch(/in this thread/);
    const manifest = JSON.parse(await readFile(join(dir, 'out-w2', 'manifest.json'), 'utf8')) as { totals: { rows: number } };
    expect(manifest.totals.rows).toBe(ROWS);
    const w2 = await csvFiles(join(dir, 'out-w2'));
    const w0 = await csvFiles(join(dir, 'out-w0'));
    expect([...w2.keys()]).toEqual([...w0.keys()]);
    for (const [name, body] of w2) expect(body.equals(w0.get(name) ?? Buffer.alloc(0)), name).toBe(true);
    // every row: its key and its 16 KiB value as hex
    const text = [...w2.values()].map((b) => b.toString('utf8')).join('');
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(ROWS);
    expect(text.length).toBeGreaterThan(ROWS * VALUE_BYTES * 2);
  }, 120_000);
});

describe('the bundle', () => {
  it('loads every chunk (each subcommand\'s code and its npm packages resolve from the bundle\'s directory)', async () => {
    const chunks = (await readdir(bundleDir)).filter((f) => f.endsWith('.js') && f !== 'workers-entry.js');
    expect(chunks.length).toBeGreaterThan(5);
    const script = join(dir, 'load-chunks.mjs');
    const urls = chunks.map((f) => pathToFileURL(join(bundleDir, f)).href);
    await writeFile(script, `for (const u of ${JSON.stringify(urls)}) await import(u);\nprocess.stdout.write('loaded ' + ${urls.length});\n`);
    const { stdout } = await run(process.execPath, [script]);
    expect(stdout).toBe(`loaded ${urls.length}`);
  });
});

describe('bin/cassandra-extractor.js', () => {
  /** A stand-in tree: the real launcher, and modules that say whether they are dist/'s or the bundle's. */
  async function standIn(): Promise<string> {
    const tree = await mkdtemp(join(tmpdir(), 'ce-launcher-'));
    await mkdir(join(tree, 'bin'));
    await mkdir(join(tree, 'dist', 'util'), { recursive: true });
    await mkdir(join(tree, 'dist', 'bundle'));
    await copyFile(join(root, 'bin', 'cassandra-extractor.js'), join(tree, 'bin', 'cassandra-extractor.js'));
    const main = (from: string): string => `export async function main() { process.stdout.write(${JSON.stringify(from)}); return 0; }\n`;
    const tuning = 'export function applyV8Tuning() {}\n';
    await writeFile(join(tree, 'dist', 'main.js'), main('dist'));
    await writeFile(join(tree, 'dist', 'util', 'v8-tuning.js'), tuning);
    await writeFile(join(tree, 'dist', 'bundle', 'main.js'), main('bundle'));
    await writeFile(join(tree, 'dist', 'bundle', 'v8-tuning.js'), tuning);
    return tree;
  }
  const ranFrom = async (tree: string): Promise<string> => (await run(process.execPath, [join(tree, 'bin', 'cassandra-extractor.js')])).stdout;

  it('runs the bundle when it is as new as dist/main.js or newer, and dist/ when the bundle is older or missing', async () => {
    const tree = await standIn();
    try {
      const at = (s: number): Date => new Date(1_700_000_000_000 + s * 1000);
      await utimes(join(tree, 'dist', 'main.js'), at(0), at(0));
      await utimes(join(tree, 'dist', 'bundle', 'main.js'), at(10), at(10));
      expect(await ranFrom(tree)).toBe('bundle');
      await utimes(join(tree, 'dist', 'bundle', 'main.js'), at(0), at(0));
      expect(await ranFrom(tree)).toBe('bundle');
      // dist/ compiled again after the bundle was made
      await utimes(join(tree, 'dist', 'main.js'), at(20), at(20));
      expect(await ranFrom(tree)).toBe('dist');
      await rm(join(tree, 'dist', 'bundle'), { recursive: true });
      expect(await ranFrom(tree)).toBe('dist');
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });
});
