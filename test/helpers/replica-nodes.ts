/**
 * Three "nodes" (three data directories written with the project's SSTable writer) holding diverged
 * copies of ks.t with RF 3, and each node's own system.local / system.peers / system_schema.keyspaces
 * (also written with the writer and the built-in schemas), from which the ring and the replication are
 * read. The expected rows of each replica mode are worked out by hand below.
 *
 * Ring: A @ -5e18, B @ 0, C @ 5e18 (one token each); NetworkTopologyStrategy {dc1: 3}, one rack, so
 * every node holds every key and the primary ranges are A: (5e18, -5e18] (wrapping), B: (-5e18, 0],
 * C: (0, 5e18]. Keys (int) and their Murmur3 tokens:
 *   1 -> -4069959284402364209 (primary B)    2 -> -3248873570005575792 (primary B)
 *   6 ->  2705480034054113608 (primary C)    9 ->  3728482343045213994 (primary C)
 *   3 ->  9010454139840013625 (primary A, wraps)
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ReplicaMode } from '../../src/cluster/replicas.js';
import type { JsonRow } from '../../src/export/json-row.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { findBuiltinTable } from '../../src/schema/builtin.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { writeSSTable, type WritePartition, type WriteRow } from '../../src/sstable/writer/index.js';

export const NOW = 1_700_000_000;
export const CQL = 'CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck));';
export const SCHEMA = parseCqlSchema(CQL).tables[0] as TableSchema;
const M3 = 'org.apache.cassandra.dht.Murmur3Partitioner';
const root = resolve(import.meta.dirname, '..', '..');

export interface NodeDef { name: string; hostId: string; address: string; token: string }
export const NODES: NodeDef[] = [
  { name: 'A', hostId: '00000000-0000-4000-8000-00000000000a', address: '127.0.0.1', token: '-5000000000000000000' },
  { name: 'B', hostId: '00000000-0000-4000-8000-00000000000b', address: '127.0.0.2', token: '0' },
  { name: 'C', hostId: '00000000-0000-4000-8000-00000000000c', address: '127.0.0.3', token: '5000000000000000000' },
];

const row = (ck: number, v: string, ts: bigint): WriteRow => ({ clustering: [ck], liveness: { timestamp: ts }, cells: { v: { value: v } } });
const del = (ts: bigint) => ({ markedForDeleteAt: ts, localDeletionTime: NOW - 10 });

/** What each node holds, per key (written in token order). */
export function nodeData(name: string): WritePartition[] {
  const parts: { key: number; part: WritePartition }[] = [];
  const add = (key: number, p: Omit<WritePartition, 'key'>): void => { parts.push({ key, part: { key: [key], ...p } }); };
  // key 1: everywhere, identical
  add(1, { rows: [row(1, 'one', 1000n)] });
  // key 2: everywhere at ts 1000; A alone also has the row's deletion at ts 3000
  add(2, { rows: name === 'A' ? [{ clustering: [1], deletion: del(3000n) }] : [row(1, 'two', 1000n)] });
  // key 6: the write reached A and B only (C, its primary replica, missed it)
  if (name !== 'C') add(6, { rows: [row(1, 'six', 1000n)] });
  // key 9: B alone has a partition deletion at ts 5000; C alone has a newer row (9, 2) at ts 6000
  if (name === 'B') add(9, { deletion: del(5000n) });
  else add(9, { rows: name === 'C' ? [row(1, 'nine', 1000n), row(2, 'nine2', 6000n)] : [row(1, 'nine', 1000n)] });
  // key 3: A and B have 'old' at ts 1000, C has 'new' at ts 2000
  add(3, { rows: [row(1, name === 'C' ? 'new' : 'old', 1000n + (name === 'C' ? 1000n : 0n))] });
  const tok = (k: number): bigint => murmur3Token(new Uint8Array([k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255]));
  return parts.sort((a, b) => (tok(a.key) < tok(b.key) ? -1 : 1)).map((p) => p.part);
}

function builtin(ks: string, t: string): TableSchema {
  const s = findBuiltinTable(ks, t, '3.x');
  if (s === undefined) throw new Error(`no built-in ${ks}.${t}`);
  return s;
}

const inetBytes = (a: string): Uint8Array => new Uint8Array(a.split('.').map(Number));

export async function writeSystemTables(dataDir: string, self: NodeDef): Promise<void> {
  const at = async (ks: string, t: string, parts: WritePartition[]): Promise<void> => {
    const dir = join(dataDir, ks, t);
    await mkdir(dir, { recursive: true });
    await writeSSTable(dir, builtin(ks, t), parts, { generation: 1, compression: 'lz4', nowInSec: NOW });
  };
  const info = (n: NodeDef): Record<string, { value: string | string[] }> => ({
    host_id: { value: n.hostId }, data_center: { value: 'dc1' }, rack: { value: 'r1' }, tokens: { value: [n.token] },
  });
  await at('system', 'local', [{
    key: ['local'],
    rows: [{ clustering: [], liveness: { timestamp: 1n }, cells: { ...info(self), partitioner: { value: M3 }, broadcast_address: { value: self.address } } }],
  }]);
  const peers = NODES.filter((n) => n !== self)
    .map((n) => ({ key: inetBytes(n.address), rows: [{ clustering: [], liveness: { timestamp: 1n }, cells: info(n) }] }))
    .sort((a, b) => (murmur3Token(a.key) < murmur3Token(b.key) ? -1 : 1));
  await at('system', 'peers', peers);
  await at('system_schema', 'keyspaces', [{
    key: ['ks'],
    rows: [{ clustering: [], liveness: { timestamp: 1n }, cells: { durable_writes: { value: true }, replication: { value: [['class', 'org.apache.cassandra.locator.NetworkTopologyStrategy'], ['dc1', '3']] } } }],
  }]);
}

/** The compiled worker must exist and be newer than the cluster sources (workers run dist/). */
export async function ensureDist(): Promise<void> {
  const entry = join(root, 'dist', 'cluster', 'workers-entry.js');
  const newest = Math.max(...readdirSync(join(root, 'src', 'cluster')).map((f) => statSync(join(root, 'src', 'cluster', f)).mtimeMs));
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest) return;
  await promisify(execFile)('npx', ['tsc', '-p', join(root, 'tsconfig.build.json')], { cwd: root }).catch(() => undefined);
  if (!existsSync(entry)) throw new Error('dist/cluster/workers-entry.js was not built');
}

export const key = (r: JsonRow): string => JSON.stringify(r);
export const sorted = (rows: JsonRow[]): string[] => rows.map(key).sort();

// Worked out by hand from nodeData (see the header for the primary replicas).
const r = (pk: number, ck: number, v: string): JsonRow => ({ pk, ck, v });
export const EXPECTED: Record<ReplicaMode, JsonRow[]> = {
  // token order: 1, 2 (deleted on A at 3000 > 1000: gone), 6, 9 (B's partition deletion at 5000 shadows (9,1); (9,2) at 6000 survives), 3 (newest: C)
  merge: [r(1, 1, 'one'), r(6, 1, 'six'), r(9, 2, 'nine2'), r(3, 1, 'new')],
  // A: 3 (its 'old'); B: 1, 2 (B lacks A's deletion); C: 9 both rows (C lacks B's deletion), 6 is lost (C missed it)
  'primary-range': [r(1, 1, 'one'), r(2, 1, 'two'), r(9, 1, 'nine'), r(9, 2, 'nine2'), r(3, 1, 'old')],
  // every node on its own
  all: [
    r(1, 1, 'one'), r(6, 1, 'six'), r(9, 1, 'nine'), r(3, 1, 'old'),
    r(1, 1, 'one'), r(2, 1, 'two'), r(6, 1, 'six'), r(3, 1, 'old'),
    r(1, 1, 'one'), r(2, 1, 'two'), r(9, 1, 'nine'), r(9, 2, 'nine2'), r(3, 1, 'new'),
  ],
};

/** Writes the three nodes under `base` (`<base>/<name>/data`); returns their data directories. */
export async function writeReplicaNodes(base: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const n of NODES) {
    const dataDir = join(base, n.name, 'data');
    const tableDir = join(dataDir, 'ks', 't');
    await mkdir(tableDir, { recursive: true });
    await writeSSTable(tableDir, SCHEMA, nodeData(n.name), { generation: 1, compression: 'lz4', nowInSec: NOW });
    await writeSystemTables(dataDir, n);
    dirs.push(dataDir);
  }
  return dirs;
}
