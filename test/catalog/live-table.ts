/**
 * Test helpers: a table directory of several SSTables written with the project's writer, standing in for
 * a live node's table whose SSTables compaction rewrites and deletes.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonRowRenderer } from '../../src/export/json-row.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import type { CqlRow } from '../../src/merge/rows.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { writeSSTable, type WriteOptions, type WritePartition } from '../../src/sstable/writer/index.js';

export const NOW = 1_700_000_000;
export const M3 = 'org.apache.cassandra.dht.Murmur3Partitioner';
export const SCHEMA = parseCqlSchema('CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck));').tables[0] as TableSchema;

const intBytes = (k: number): Uint8Array => new Uint8Array([k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255]);

/** Partitions of `keys` in token order (the writer's order), two rows each, written at `ts`. */
export function partitions(keys: readonly number[], tag: string, ts: bigint): WritePartition[] {
  return [...keys]
    .map((k) => ({ k, token: murmur3Token(intBytes(k)) }))
    .sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0))
    .map(({ k }) => ({
      key: [k],
      rows: [0, 1].map((ck) => ({ clustering: [ck], liveness: { timestamp: ts }, cells: { v: { value: `${tag}-${k}-${ck}` } } })),
    }));
}

/** Keys held by generation g of `generations`: each key in all but one of them, so the merge has work. */
export function keysOf(g: number, generations: number, count: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++) if (k % generations !== g - 1 || generations === 1) out.push(k);
  return out;
}

const COMPRESSION: Pick<WriteOptions, 'compression' | 'chunkLength'>[] = [
  { compression: 'lz4', chunkLength: 4096 },
  { compression: 'none' },
  { compression: 'lz4' },
];

/** Writes generations 1..n of ks.t into `dir` (created), mixing LZ4 with small chunks, uncompressed and LZ4. */
export async function writeGenerations(dir: string, n: number, keyCount: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let g = 1; g <= n; g++) {
    const c = COMPRESSION[(g - 1) % COMPRESSION.length] ?? { compression: 'lz4' };
    await writeSSTable(dir, SCHEMA, partitions(keysOf(g, n, keyCount), `g${g}`, 1000n * BigInt(g)), { generation: g, nowInSec: NOW, ...c });
  }
}

/** What compaction does to `gens`: writes their merge as `into`, then deletes their files. */
export async function compact(dir: string, gens: readonly number[], into: number, keyCount: number, all: number): Promise<void> {
  // The newest generation wins every cell it holds; rebuild exactly what the merge of `gens` holds.
  const holder = new Map<number, number>();
  for (const g of [...gens].sort((a, b) => a - b)) for (const k of keysOf(g, all, keyCount)) holder.set(k, g);
  const byGen = new Map<number, number[]>();
  for (const [k, g] of holder) byGen.set(g, [...(byGen.get(g) ?? []), k]);
  const parts = [...byGen].flatMap(([g, ks]) => partitions(ks, `g${g}`, 1000n * BigInt(g)).map((p) => ({ p, token: murmur3Token(intBytes((p.key as number[])[0] as number)) })));
  parts.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  await writeSSTable(dir, SCHEMA, parts.map((x) => x.p), { generation: into, nowInSec: NOW, compression: 'lz4' });
  await deleteGenerations(dir, gens);
}

export async function deleteGenerations(dir: string, gens: readonly number[]): Promise<void> {
  for (const name of await readdir(dir)) {
    if (gens.some((g) => name.startsWith(`me-${g}-big-`))) await rm(join(dir, name));
  }
}

/** Rows rendered as JSON lines, for exact comparison. */
export async function renderRows(batches: AsyncIterable<CqlRow[]>): Promise<string[]> {
  const render = jsonRowRenderer(SCHEMA);
  const out: string[] = [];
  for await (const b of batches) for (const r of b) out.push(JSON.stringify(render(r), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return out;
}

/** Open descriptors of this process that point into `dir` (Linux /proc), deleted files included. */
export async function openFdsUnder(dir: string): Promise<string[]> {
  const { readlink } = await import('node:fs/promises');
  const out: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    if (target.startsWith(dir)) out.push(target);
  }
  return out;
}
