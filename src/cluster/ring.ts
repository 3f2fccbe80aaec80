/**
 * The token ring and replica placement, computed offline from the nodes' own system tables, without
 * connecting to the cluster.
 *
 * Topology: each node's system.local (its tokens, host id, data center, rack, partitioner) and
 * system.peers (what it knows of the others), read with the built-in schemas. Replication: the
 * keyspace's row of system_schema.keyspaces (3.x) or system.schema_keyspaces (2.x).
 *
 * Placement follows Cassandra 3.11: the replicas of a token are found by walking the ring clockwise
 * from the first ring token >= it (TokenMetadata.firstTokenIndex / ringIterator), so the replicas of a
 * range (a, b] are those of b. SimpleStrategy takes the next distinct hosts; NetworkTopologyStrategy
 * (calculateNaturalEndpoints with DatacenterEndpoints) fills each data center in one pass, taking a new
 * rack whenever it can and a rack repeat only while rf − rackCount repeats remain.
 */
import { readSystemTable } from '../catalog/schema.js';
import { AgentError } from '../errors.js';
import type { JsonRow } from '../export/json-row.js';
import type { JsonValue } from '../sstable/types/model.js';
import { tokenSpace, unwrapRingRange, type TokenRange } from './ranges.js';

export interface RingNode {
  /** host id (UUID text), or the address when no host id is known */
  readonly id: string;
  readonly address: string | null;
  readonly dataCenter: string;
  readonly rack: string;
  readonly tokens: readonly bigint[];
}

export interface Ring {
  readonly partitioner: string;
  readonly nodes: readonly RingNode[];
  /** every node token, ascending, distinct */
  readonly tokens: readonly bigint[];
  /** owners[i] = index in `nodes` of the node owning tokens[i] */
  readonly owners: readonly number[];
}

export type Replication =
  | { readonly kind: 'simple'; readonly replicationFactor: number }
  | { readonly kind: 'network-topology'; readonly dataCenters: Readonly<Record<string, number>> }
  /** LocalStrategy (system keyspaces): every node holds its own data, nothing is replicated */
  | { readonly kind: 'local' }
  /** EverywhereStrategy (DSE): every node holds everything */
  | { readonly kind: 'everywhere' };

/** @throws AgentError E_BAD_ARGUMENT when two nodes claim one token or a token is not a number */
export function buildRing(nodes: readonly RingNode[], partitioner: string): Ring {
  const byToken = new Map<bigint, number>();
  nodes.forEach((n, i) => {
    for (const t of n.tokens) {
      const other = byToken.get(t);
      if (other !== undefined && other !== i) {
        throw new AgentError('E_BAD_ARGUMENT', `token ${t} is claimed by both ${nodes[other]?.id ?? '?'} and ${n.id}`);
      }
      byToken.set(t, i);
    }
  });
  const tokens = [...byToken.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { partitioner, nodes, tokens, owners: tokens.map((t) => byToken.get(t) as number) };
}

/** Index of the first ring token >= token, wrapping to 0 (TokenMetadata.firstTokenIndex, insertMin false). */
export function firstTokenIndex(ring: Ring, token: bigint): number {
  let lo = 0;
  let hi = ring.tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ring.tokens[mid] as bigint) < token) lo = mid + 1;
    else hi = mid;
  }
  return lo >= ring.tokens.length ? 0 : lo;
}

/** The replicas of a token, first (primary) replica first, as node indices. */
export function naturalReplicas(ring: Ring, replication: Replication, token: bigint): number[] {
  const n = ring.tokens.length;
  if (n === 0) return [];
  const start = firstTokenIndex(ring, token);
  const walk = (i: number): number => ring.owners[(start + i) % n] as number;
  switch (replication.kind) {
    case 'local':
    case 'everywhere': {
      const out: number[] = [];
      for (let i = 0; i < n; i++) if (!out.includes(walk(i))) out.push(walk(i));
      return replication.kind === 'local' ? out.slice(0, 1) : out;
    }
    case 'simple': {
      const out: number[] = [];
      for (let i = 0; i < n && out.length < replication.replicationFactor; i++) if (!out.includes(walk(i))) out.push(walk(i));
      return out;
    }
    case 'network-topology':
      return networkTopologyReplicas(ring, replication.dataCenters, n, walk);
  }
}

/** NetworkTopologyStrategy.calculateNaturalEndpoints (3.11, DatacenterEndpoints). */
function networkTopologyReplicas(ring: Ring, rfs: Readonly<Record<string, number>>, n: number, walk: (i: number) => number): number[] {
  interface Dc { rfLeft: number; repeats: number }
  const nodesPerDc = new Map<string, number>();
  const racksPerDc = new Map<string, Set<string>>();
  for (const node of ring.nodes) {
    if (node.tokens.length === 0) continue;
    nodesPerDc.set(node.dataCenter, (nodesPerDc.get(node.dataCenter) ?? 0) + 1);
    const racks = racksPerDc.get(node.dataCenter) ?? new Set<string>();
    racks.add(node.rack);
    racksPerDc.set(node.dataCenter, racks);
  }
  const dcs = new Map<string, Dc>();
  for (const [dc, rf] of Object.entries(rfs)) {
    const nodeCount = nodesPerDc.get(dc) ?? 0;
    if (rf <= 0 || nodeCount <= 0) continue;
    dcs.set(dc, { rfLeft: Math.min(rf, nodeCount), repeats: rf - (racksPerDc.get(dc)?.size ?? 0) });
  }
  let toFill = dcs.size;
  const replicas: number[] = [];
  const seenRacks = new Set<string>();
  for (let i = 0; i < n && toFill > 0; i++) {
    const ep = walk(i);
    const node = ring.nodes[ep] as RingNode;
    const dc = dcs.get(node.dataCenter);
    if (dc === undefined || dc.rfLeft === 0) continue;
    const location = JSON.stringify([node.dataCenter, node.rack]);
    if (!seenRacks.has(location)) {
      seenRacks.add(location);
      replicas.push(ep);
    } else {
      if (dc.repeats <= 0 || replicas.includes(ep)) continue;
      replicas.push(ep);
      dc.repeats--;
    }
    dc.rfLeft--;
    if (dc.rfLeft === 0) toFill--;
  }
  return replicas;
}

export interface RingRange {
  /** Cassandra's (previous token, token], possibly wrapping */
  readonly start: bigint;
  readonly end: bigint;
  /** node indices, the primary replica first */
  readonly replicas: readonly number[];
}

/** Every range between consecutive ring tokens with its replicas (AbstractReplicationStrategy.getRangeAddresses). */
export function ringRanges(ring: Ring, replication: Replication): RingRange[] {
  const n = ring.tokens.length;
  return ring.tokens.map((end, i) => ({
    start: ring.tokens[(i + n - 1) % n] as bigint,
    end,
    replicas: naturalReplicas(ring, replication, end),
  }));
}

/** The non-wrapping token ranges whose first replica is node `nodeIndex` (nodetool's "primary range"). */
export function primaryRanges(ring: Ring, replication: Replication, nodeIndex: number): TokenRange[] {
  const space = tokenSpace(ring.partitioner);
  if (space === null) throw new AgentError('E_BAD_ARGUMENT', `primary ranges need numeric tokens; ${ring.partitioner} is not supported`);
  const minToken = space.min - 1n;
  const out: TokenRange[] = [];
  for (const r of ringRanges(ring, replication)) if (r.replicas[0] === nodeIndex) out.push(...unwrapRingRange(r.start, r.end, minToken));
  return out;
}

/** `replication` of system_schema.keyspaces (class + options), or 2.x strategy_class + strategy_options. */
export function parseReplication(options: Readonly<Record<string, string>>): Replication {
  const cls = (options['class'] ?? '').replace(/^org\.apache\.cassandra\.locator\./, '');
  const count = (k: string, v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new AgentError('E_SCHEMA', `replication option ${k} is not a non-negative integer: ${v}`);
    return n;
  };
  switch (cls) {
    case 'SimpleStrategy':
      return { kind: 'simple', replicationFactor: count('replication_factor', options['replication_factor'] ?? '') };
    case 'NetworkTopologyStrategy': {
      const dataCenters: Record<string, number> = {};
      for (const [k, v] of Object.entries(options)) if (k !== 'class' && k !== 'replication_factor') dataCenters[k] = count(k, v);
      return { kind: 'network-topology', dataCenters };
    }
    case 'LocalStrategy':
      return { kind: 'local' };
    case 'EverywhereStrategy':
      return { kind: 'everywhere' };
    default:
      throw new AgentError('E_SCHEMA', `unsupported replication strategy '${options['class'] ?? ''}'`);
  }
}

export interface NodeTopology {
  /** this node, from its system.local */
  readonly self: RingNode;
  /** the other nodes, from its system.peers */
  readonly peers: readonly RingNode[];
  readonly partitioner: string;
}

/**
 * Reads a node's system.local and system.peers from its data directory.
 * @throws AgentError E_NOT_FOUND when system.local is absent or empty
 */
export async function readNodeTopology(dataDir: string, nowInSec: number): Promise<NodeTopology> {
  const local = (await readSystemRows(dataDir, 'system', 'local', nowInSec))?.[0];
  if (local === undefined) throw new AgentError('E_NOT_FOUND', `no system.local row under ${dataDir}`, { file: dataDir });
  const peers = (await readSystemRows(dataDir, 'system', 'peers', nowInSec)) ?? [];
  const address = text(local['broadcast_address']) ?? text(local['listen_address']);
  return {
    self: nodeFromRow(local, address),
    peers: peers.map((p) => nodeFromRow(p, text(p['peer']))),
    partitioner: text(local['partitioner']) ?? 'org.apache.cassandra.dht.Murmur3Partitioner',
  };
}

/**
 * One ring from several nodes' views: a node's own system.local wins over what peers say of it; peers
 * fill in nodes whose files were not given.
 * @throws AgentError E_SCHEMA when the nodes disagree on the partitioner
 */
export function ringFromTopologies(views: readonly NodeTopology[]): Ring {
  const partitioners = new Set(views.map((v) => v.partitioner));
  if (partitioners.size !== 1) throw new AgentError('E_SCHEMA', `the nodes report different partitioners: ${[...partitioners].join(', ') || 'none'}`);
  const nodes = new Map<string, RingNode>();
  for (const v of views) for (const p of v.peers) if (!nodes.has(p.id)) nodes.set(p.id, p);
  for (const v of views) nodes.set(v.self.id, v.self);
  return buildRing([...nodes.values()].filter((n) => n.tokens.length > 0), [...partitioners][0] as string);
}

/** The keyspace's replication from the node's schema tables, or null when the keyspace is not listed. */
export async function readKeyspaceReplication(dataDir: string, keyspace: string, nowInSec: number): Promise<Replication | null> {
  const rows = await readSystemRows(dataDir, 'system_schema', 'keyspaces', nowInSec);
  if (rows !== null) {
    const row = rows.find((r) => r['keyspace_name'] === keyspace);
    return row === undefined ? null : parseReplication(Object.fromEntries(pairs(row['replication'])));
  }
  const legacy = await readSystemRows(dataDir, 'system', 'schema_keyspaces', nowInSec);
  const row = legacy?.find((r) => r['keyspace_name'] === keyspace);
  if (row === undefined) return null;
  // 2.x: strategy_options is a JSON object of strings (CFMetaData / KSMetaData.toSchema)
  const options = JSON.parse(text(row['strategy_options']) ?? '{}') as Record<string, string>;
  return parseReplication({ ...options, class: text(row['strategy_class']) ?? '' });
}

function nodeFromRow(row: JsonRow, address: string | null): RingNode {
  const id = text(row['host_id']) ?? address;
  if (id === null) throw new AgentError('E_SCHEMA', 'a system.local/peers row has neither host_id nor address');
  const tokens = Array.isArray(row['tokens']) ? row['tokens'].map((t) => parseToken(String(t))) : [];
  return { id, address, dataCenter: text(row['data_center']) ?? '', rack: text(row['rack']) ?? '', tokens };
}

function parseToken(s: string): bigint {
  if (!/^-?\d+$/.test(s)) throw new AgentError('E_BAD_ARGUMENT', `token '${s}' is not a number (ByteOrderedPartitioner rings are not supported)`);
  return BigInt(s);
}

function text(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

/** A map rendered by the dump conventions: an array of [key, value] pairs. */
function pairs(v: JsonValue | undefined): [string, string][] {
  if (!Array.isArray(v)) return [];
  const out: [string, string][] = [];
  for (const p of v) if (Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string') out.push([p[0], p[1]]);
  return out;
}

/** Rows of a system table of a data directory (catalog/schema.ts); null when the table is absent. */
const readSystemRows = readSystemTable;
