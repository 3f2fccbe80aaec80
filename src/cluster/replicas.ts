/**
 * Reading one table spread over several nodes (replication factor > 1), in one of three modes:
 *
 * - `merge` (default): every node's SSTables in one k-way merge, reconciled as Cassandra reconciles
 *   replicas on read (§9): each live row once, with its newest value; a deletion on any replica shadows
 *   older data on all of them.
 * - `primary-range`: each node contributes only the token ranges it is the first replica for (its
 *   "primary ranges", as `nodetool repair -pr` uses them), read from its own SSTables only. Faster (no
 *   cross-node merge, each row decoded once) but it trusts that replicas agree (repaired data).
 * - `all`: every node's rows, each node merged only with itself: rows appear once per replica holding
 *   them, with that replica's view of the values.
 *
 * The plan (which SSTable groups read which token ranges) is pure: planReplicaRead. Workers
 * (parallel.ts) and the in-process reader (replicaRows) both run it.
 */
import { AgentError } from '../errors.js';
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import type { OpenedSSTable, TableReadOptions } from '../sstable/table.js';
import { coalesce, FULL_RING, intersectRanges, type TokenRange } from './ranges.js';
import { openSeekers, rangeRows } from './range-reader.js';
import { primaryRanges, type Replication, type Ring } from './ring.js';

export type ReplicaMode = 'merge' | 'primary-range' | 'all';

export const REPLICA_MODES: readonly ReplicaMode[] = ['merge', 'primary-range', 'all'];

/** One unit of work: the SSTables of the nodes in `groups[group]`, merged, over one token range. */
export interface ReadTask {
  readonly group: number;
  readonly range: TokenRange;
}

export interface ReplicaPlan {
  readonly mode: ReplicaMode;
  /** node indices (into the caller's node list) whose SSTables are merged together */
  readonly groups: readonly (readonly number[])[];
  /** in group order, ranges ascending within a group */
  readonly tasks: readonly ReadTask[];
}

export interface Placement {
  readonly ring: Ring;
  readonly replication: Replication;
}

/**
 * @param nodeIds per node, its id in the ring (host id); needed for `primary-range` only
 * @param ranges the planned ranges covering the ring (ranges.ts)
 * @throws AgentError E_BAD_ARGUMENT for `primary-range` without a placement or with a node the ring lacks
 */
export function planReplicaRead(mode: ReplicaMode, nodeIds: readonly string[], ranges: readonly TokenRange[], placement?: Placement): ReplicaPlan {
  const each = nodeIds.map((_, i) => [i]);
  switch (mode) {
    case 'merge':
      return { mode, groups: [nodeIds.map((_, i) => i)], tasks: ranges.map((range) => ({ group: 0, range })) };
    case 'all':
      return { mode, groups: each, tasks: each.flatMap((_, group) => ranges.map((range) => ({ group, range }))) };
    case 'primary-range': {
      if (placement === undefined) throw new AgentError('E_BAD_ARGUMENT', 'replica mode primary-range needs the ring and the keyspace replication');
      const { ring, replication } = placement;
      const tasks: ReadTask[] = [];
      nodeIds.forEach((id, group) => {
        const index = ring.nodes.findIndex((n) => n.id === id);
        if (index < 0) throw new AgentError('E_BAD_ARGUMENT', `node ${id} is not in the ring (known: ${ring.nodes.map((n) => n.id).join(', ')})`, { host: id });
        const own = coalesce(primaryRanges(ring, replication, index));
        for (const range of intersectRanges(own, ranges)) tasks.push({ group, range });
      });
      return { mode, groups: each, tasks };
    }
  }
}

export interface NodeSSTables {
  /** the node's id in the ring (host id), or any name for `merge` and `all` */
  readonly node: string;
  readonly sstables: readonly OpenedSSTable[];
}

export interface ReplicaReadOptions extends TableReadOptions {
  readonly mode: ReplicaMode;
  /** default: the whole ring as one range */
  readonly ranges?: readonly TokenRange[];
  /** required for `primary-range` */
  readonly placement?: Placement;
}

/**
 * The rows of a table held by several nodes, in one process, task after task (see planReplicaRead).
 * The caller owns the OpenedSSTables (opens and closes them).
 */
export async function* replicaRows(nodes: readonly NodeSSTables[], schema: TableSchema, opts: ReplicaReadOptions): AsyncGenerator<CqlRow[]> {
  const plan = planReplicaRead(opts.mode, nodes.map((n) => n.node), opts.ranges ?? [FULL_RING], opts.placement);
  const seekers = await Promise.all(nodes.map((n) => openSeekers(n.sstables)));
  for (const task of plan.tasks) {
    const group = (plan.groups[task.group] ?? []).flatMap((i) => seekers[i] ?? []);
    if (group.length === 0) continue;
    yield* rangeRows(group, schema, task.range, opts);
  }
}
