/** Ring and replica placement on hand-built rings (3.11 SimpleStrategy / NetworkTopologyStrategy), and a real node's system tables. */
import { describe, expect, it } from 'vitest';
import { coalesce, FULL_RING } from '../../src/cluster/ranges.js';
import {
  buildRing, naturalReplicas, parseReplication, primaryRanges, readKeyspaceReplication, readNodeTopology, ringFromTopologies, ringRanges,
  type RingNode,
} from '../../src/cluster/ring.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

const M3 = 'org.apache.cassandra.dht.Murmur3Partitioner';
const node = (id: string, dc: string, rack: string, ...tokens: bigint[]): RingNode => ({ id, address: null, dataCenter: dc, rack, tokens });
const ids = (nodes: readonly RingNode[], replicas: number[]): string[] => replicas.map((i) => nodes[i]?.id ?? '?');

describe('SimpleStrategy', () => {
  const nodes = [node('A', 'dc1', 'r1', 10n), node('B', 'dc1', 'r1', 20n, 35n), node('C', 'dc1', 'r1', 30n), node('D', 'dc1', 'r1', 40n)];
  const ring = buildRing(nodes, M3);
  const rf2 = parseReplication({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '2' });

  it('starts at the first ring token >= the token and takes the next distinct hosts', () => {
    expect(ids(nodes, naturalReplicas(ring, rf2, 15n))).toEqual(['B', 'C']);
    expect(ids(nodes, naturalReplicas(ring, rf2, 20n))).toEqual(['B', 'C']);
    // 31 -> B(35), then D(40)
    expect(ids(nodes, naturalReplicas(ring, rf2, 31n))).toEqual(['B', 'D']);
    // past the last token: wraps to A
    expect(ids(nodes, naturalReplicas(ring, rf2, 41n))).toEqual(['A', 'B']);
    expect(ids(nodes, naturalReplicas(ring, { kind: 'simple', replicationFactor: 9 }, 0n))).toEqual(['A', 'B', 'C', 'D']);
  });

  it('ring ranges end at each token; primary ranges unwrap the wrapping one', () => {
    expect(ringRanges(ring, rf2).map((r) => [r.start, r.end, ids(nodes, [...r.replicas])])).toEqual([
      [40n, 10n, ['A', 'B']], [10n, 20n, ['B', 'C']], [20n, 30n, ['C', 'B']], [30n, 35n, ['B', 'D']], [35n, 40n, ['D', 'A']],
    ]);
    expect(primaryRanges(ring, rf2, 0)).toEqual([{ start: null, end: 10n }, { start: 40n, end: null }]);
    expect(primaryRanges(ring, rf2, 1)).toEqual([{ start: 10n, end: 20n }, { start: 30n, end: 35n }]);
  });

  it('a one-token ring owns everything', () => {
    const one = buildRing([node('A', 'dc1', 'r1', 5n)], M3);
    expect(primaryRanges(one, rf2, 0)).toEqual([FULL_RING]);
  });

  it('rejects a token claimed twice', () => {
    expect(() => buildRing([node('A', 'd', 'r', 1n), node('B', 'd', 'r', 1n)], M3)).toThrow(/claimed/);
  });
});

describe('NetworkTopologyStrategy (3.11 calculateNaturalEndpoints)', () => {
  // dc1: A r1 @0, B r1 @10, C r2 @20; dc2: D @5, E @25
  const nodes = [node('A', 'dc1', 'r1', 0n), node('B', 'dc1', 'r1', 10n), node('C', 'dc1', 'r2', 20n), node('D', 'dc2', 'r1', 5n), node('E', 'dc2', 'r1', 25n)];
  const ring = buildRing(nodes, M3);

  it('takes a new rack over a repeat while racks remain', () => {
    const nts = parseReplication({ class: 'NetworkTopologyStrategy', dc1: '2', dc2: '1' });
    // walk from A: A (dc1 r1), D (dc2, done), B (dc1 r1 again, rf - racks = 0 repeats: skipped), C (dc1 r2)
    expect(ids(nodes, naturalReplicas(ring, nts, -5n))).toEqual(['A', 'D', 'C']);
    // walk from C: C (r2), E (dc2), A (r1)
    expect(ids(nodes, naturalReplicas(ring, nts, 15n))).toEqual(['C', 'E', 'A']);
  });

  it('fills rf − racks repeats with the first nodes met (3.11 order, not the older skipped-list order)', () => {
    const nts = parseReplication({ class: 'NetworkTopologyStrategy', dc1: '3', dc2: '0' });
    expect(ids(nodes, naturalReplicas(ring, nts, -5n))).toEqual(['A', 'B', 'C']);
    expect(ids(nodes, naturalReplicas(ring, nts, 11n))).toEqual(['C', 'A', 'B']);
  });

  it('caps a data center at its node count, skips unknown data centers', () => {
    const nts = parseReplication({ class: 'NetworkTopologyStrategy', dc2: '5', dc9: '3' });
    expect(ids(nodes, naturalReplicas(ring, nts, 6n))).toEqual(['E', 'D']);
  });

  it('primary ranges belong to the first replica, which may be in another data center only if it has replicas there', () => {
    const dc2Only = parseReplication({ class: 'NetworkTopologyStrategy', dc2: '1' });
    // every range's first replica is the next dc2 node: D owns (25, 5], E owns (5, 25]
    expect(coalesce(primaryRanges(ring, dc2Only, 3))).toEqual([{ start: null, end: 5n }, { start: 25n, end: null }]);
    expect(primaryRanges(ring, dc2Only, 4)).toEqual([{ start: 5n, end: 10n }, { start: 10n, end: 20n }, { start: 20n, end: 25n }]);
    expect(coalesce(primaryRanges(ring, dc2Only, 4))).toEqual([{ start: 5n, end: 25n }]);
    expect(primaryRanges(ring, dc2Only, 0)).toEqual([]);
  });

  it('rejects unknown strategies and bad factors', () => {
    expect(() => parseReplication({ class: 'OldNetworkTopologyStrategy' })).toThrow(/unsupported/);
    expect(() => parseReplication({ class: 'SimpleStrategy', replication_factor: 'x' })).toThrow(/integer/);
  });
});

describe.runIf(haveFixture('pcass-me', 'data'))('a real node (Cassandra 3.0 data directory)', () => {
  const dataDir = fixturePath('pcass-me', 'data');
  it('reads tokens, data center and rack from system.local', async () => {
    const topo = await readNodeTopology(dataDir, 1_700_000_000);
    expect(topo.partitioner).toBe(M3);
    expect(topo.self.dataCenter).toBe('datacenter1');
    expect(topo.self.rack).toBe('rack1');
    expect(topo.self.tokens).toHaveLength(256);
    const ring = ringFromTopologies([topo]);
    expect(ring.tokens).toHaveLength(256);
    const rf1 = { kind: 'simple', replicationFactor: 1 } as const;
    expect(primaryRanges(ring, rf1, 0).length).toBe(257);
  });

  it('reads keyspace replication from system_schema.keyspaces', async () => {
    expect(await readKeyspaceReplication(dataDir, 'system_auth', 1_700_000_000)).toEqual({ kind: 'simple', replicationFactor: 1 });
    expect(await readKeyspaceReplication(dataDir, 'no_such_keyspace', 1_700_000_000)).toBeNull();
  });
});
