/**
 * The `dump` contract, through the built CLI as scripts call it: JSON Lines on stdout and exit 0, or a
 * non-zero exit with one clear line on stderr that names the file.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'bin', 'cassandra-extractor.js');

interface Result { code: number; stdout: string; stderr: string }

async function dump(args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'dump', ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const SET = 'cassandra-legacy/mc/legacy_tables/legacy_mc_clust';
const SCHEMA = 'CREATE TABLE legacy_tables.legacy_mc_clust (pk text, ck text, val text, PRIMARY KEY (pk, ck))';

async function copySet(set: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-dump-'));
  const dst = join(dir, 'legacy_tables', 'legacy_mc_clust');
  await mkdir(dst, { recursive: true });
  for (const f of await readdir(fixturePath(set))) await copyFile(join(fixturePath(set), f), join(dst, f));
  return dst;
}

function expectOneLineError(r: Result, code: string, mentions: string[]): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(code);
  for (const m of mentions) expect(lines[0]).toContain(m);
}

describe.runIf(haveFixture('cassandra-legacy'))('cassandra-extractor dump', () => {
  let schemaFile = '';
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'main.js'))) await run('npx', ['tsc', '-p', join(root, 'tsconfig.build.json')], { cwd: root });
    schemaFile = join(await mkdtemp(join(tmpdir(), 'ce-schema-')), 'schema.cql');
    await writeFile(schemaFile, SCHEMA);
  }, 180_000);

  it('prints JSON Lines with every column and exits 0', async () => {
    const r = await dump([fixturePath(SET), '--schema', schemaFile]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(250);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['ck', 'pk', 'val']);
    expect(r.stderr).toBe('');
  });

  it('reads a 3.x table with no schema from its header (sstabledump names)', async () => {
    const r = await dump([fixturePath(SET)]);
    expect(r.code).toBe(0);
    const first = JSON.parse(r.stdout.split('\n')[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(['PartitionKey', 'clustering', 'val']);
  });

  it('selects a table of a data directory with --keyspace/--table', async () => {
    const dir = await copySet(SET);
    const dataDir = resolve(dir, '..', '..');
    const r = await dump([dataDir, '--keyspace', 'legacy_tables', '--table', 'legacy_mc_clust', '--schema', schemaFile]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(250);
    const missing = await dump([dataDir, '--keyspace', 'legacy_tables', '--table', 'nope']);
    expectOneLineError(missing, 'E_NOT_FOUND', ['legacy_tables.nope']);
    await rm(dataDir, { recursive: true });
  });

  it('a truncated Data.db fails naming the file', async () => {
    const dir = await copySet(SET);
    const data = join(dir, 'mc-1-big-Data.db');
    await truncate(data, 5000);
    expectOneLineError(await dump([dir, '--schema', schemaFile]), 'E_TRUNCATED', [data]);
  });

  it('a flipped byte inside a compressed chunk fails naming the file, chunk and offset', async () => {
    const dir = await copySet(SET);
    const data = join(dir, 'mc-1-big-Data.db');
    const bytes = await readFile(data);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(data, bytes);
    expectOneLineError(await dump([dir, '--schema', schemaFile]), 'E_CORRUPT_CHUNK', [data, 'chunk 0', 'offset']);
  });

  it('a missing CompressionInfo.db fails naming it', async () => {
    const dir = await copySet(SET);
    await rm(join(dir, 'mc-1-big-CompressionInfo.db'));
    expectOneLineError(await dump([dir, '--schema', schemaFile]), 'E_MISSING_COMPONENT', ['CompressionInfo.db']);
  });

  it('an unknown format version fails naming the file', async () => {
    const dir = await copySet(SET);
    for (const f of await readdir(dir)) await rename(join(dir, f), join(dir, f.replace(/^mc-/, 'na-')));
    expectOneLineError(await dump([dir, '--schema', schemaFile]), 'E_UNSUPPORTED_VERSION', ['na-1-big-Data.db']);
  });

  it('a type string in the header that cannot be parsed fails naming the file', async () => {
    const dir = await copySet(SET);
    const stats = join(dir, 'mc-1-big-Statistics.db');
    const bytes = await readFile(stats);
    const at = bytes.indexOf('marshal.UTF8Type');
    expect(at).toBeGreaterThan(0);
    bytes.write('marshal.UTF8Typ(', at, 'latin1');
    await writeFile(stats, bytes);
    expectOneLineError(await dump([dir]), 'E_BAD_TYPE', ['UTF8Typ(']);
  });

  it('a schema that does not match the data fails clearly', async () => {
    const bad = join(await mkdtemp(join(tmpdir(), 'ce-schema-')), 'bad.cql');
    await writeFile(bad, 'CREATE TABLE legacy_tables.legacy_mc_clust (pk text, ck text, other int, PRIMARY KEY (pk, ck))');
    expectOneLineError(await dump([fixturePath(SET), '--schema', bad]), 'E_SCHEMA', ['"val"', 'mc-1-big-Data.db']);
    const unparsable = join(await mkdtemp(join(tmpdir(), 'ce-schema-')), 'bad.cql');
    await writeFile(unparsable, 'CREATE TABLE legacy_tables.legacy_mc_clust (pk text PRIMARY KEY, v lisst<int>)');
    const r = await dump([fixturePath(SET), '--schema', unparsable]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(unparsable);
    expect(r.stderr).toContain('1:73');
  });

  it('usage errors exit 2', async () => {
    const r = await dump([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage');
  });
});
