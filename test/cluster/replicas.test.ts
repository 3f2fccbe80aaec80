/**
 * Replica modes over three diverged nodes (test/helpers/replica-nodes.ts describes them and the
 * expected rows of each mode), in process and in workers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parallelTableLines, sequentialTableRows, type TableReadRequest } from '../../src/cluster/parallel.js';
import type { ReplicaMode } from '../../src/cluster/replicas.js';
import { readKeyspaceReplication, readNodeTopology, ringFromTopologies, type Ring, type Replication } from '../../src/cluster/ring.js';
import { jsonRowRenderer, type JsonRow } from '../../src/export/json-row.js';
import { CQL, EXPECTED, NODES, NOW, SCHEMA, ensureDist, key, sorted, writeReplicaNodes } from '../helpers/replica-nodes.js';

describe('replica modes over three diverged nodes', () => {
  let base = '';
  let schemaFile = '';
  let ring: Ring;
  let replication: Replication;
  const dirs: string[] = [];

  beforeAll(async () => {
    const built = ensureDist();
    base = await mkdtemp(join(tmpdir(), 'ce-replicas-'));
    schemaFile = join(base, 'schema.cql');
    await writeFile(schemaFile, CQL);
    dirs.push(...(await writeReplicaNodes(base)));
    const topologies = await Promise.all(dirs.map((d) => readNodeTopology(d, NOW)));
    ring = ringFromTopologies(topologies);
    const rep = await readKeyspaceReplication(dirs[0] as string, 'ks', NOW);
    if (rep === null) throw new Error('ks not found in system_schema.keyspaces');
    replication = rep;
    await built;
  }, 180_000);

  afterAll(async () => {
    if (base !== '') await rm(base, { recursive: true, force: true });
  });

  const request = (mode: ReplicaMode, ranges: number): TableReadRequest => ({
    nodes: NODES.map((n, i) => ({ node: n.hostId, paths: [dirs[i] as string] })),
    keyspace: 'ks', table: 't', nowInSec: NOW, ranges, split: 'even', replicaMode: mode, placement: { ring, replication },
  });

  it('reads the ring and the replication from the nodes\' own system tables', () => {
    expect(ring.tokens).toEqual([-5000000000000000000n, 0n, 5000000000000000000n]);
    expect(ring.nodes.map((n) => n.id).sort()).toEqual(NODES.map((n) => n.hostId));
    expect(replication).toEqual({ kind: 'network-topology', dataCenters: { dc1: 3 } });
  });

  for (const mode of ['merge', 'primary-range', 'all'] as const) {
    it(`${mode}: in process, with 1 and 7 ranges`, async () => {
      const render = jsonRowRenderer(SCHEMA);
      for (const ranges of [1, 7]) {
        const rows: JsonRow[] = [];
        for await (const b of sequentialTableRows(request(mode, ranges), SCHEMA)) rows.push(...b.map(render));
        if (mode === 'merge' && ranges === 1) expect(rows).toEqual(EXPECTED.merge);
        expect(sorted(rows)).toEqual(sorted(EXPECTED[mode]));
      }
    });

    it(`${mode}: in 2 workers, and the run says which mode ran`, async () => {
      const run = parallelTableLines({ ...request(mode, 5), schemaFile, workers: 2, format: 'json' });
      const lines: string[] = [];
      for await (const b of run) lines.push(...b);
      expect(lines.map((l) => key(JSON.parse(l) as JsonRow)).sort()).toEqual(sorted(EXPECTED[mode]));
      expect(run.summary().mode).toBe(mode);
      expect(run.summary().rows).toBe(EXPECTED[mode].length);
    });
  }

  it('primary-range refuses a node the ring does not know', async () => {
    const req = { ...request('primary-range', 1), nodes: [{ node: 'stranger', paths: [dirs[0] as string] }] };
    await expect(async () => { for await (const _ of sequentialTableRows(req, SCHEMA)) void _; }).rejects.toThrow(/not in the ring/);
  });
});
