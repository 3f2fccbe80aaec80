/**
 * Counter contexts (doc §8.5; Cassandra 3.11 `db/context/CounterContext`): the value of a counter
 * cell on disk, and the merge applied when the same counter cell comes from several sstables.
 */
import { AgentError } from '../../errors.js';
import { i16, i64 } from './bytes.js';

const SHARD = 32;
const ID = 16;

type ShardKind = 'global' | 'local' | 'remote';

interface Shard {
  readonly offset: number;
  readonly kind: ShardKind;
  readonly clock: bigint;
  readonly count: bigint;
}

/** Byte length of the header (count + entries); validates that the body is whole shards. */
function headerLength(ctx: Uint8Array): number {
  if (ctx.length < 2) throw new AgentError('E_BAD_FORMAT', `counter context of ${ctx.length} bytes (expected at least 2)`);
  const n = Math.abs(i16(ctx, 0));
  const h = 2 + 2 * n;
  if (h > ctx.length || (ctx.length - h) % SHARD !== 0) {
    throw new AgentError('E_BAD_FORMAT', `counter context of ${ctx.length} bytes does not hold ${n} header entries and whole 32-byte shards`);
  }
  if ((ctx.length - h) / SHARD < n) {
    throw new AgentError('E_BAD_FORMAT', `counter context names ${n} header entries but holds ${(ctx.length - h) / SHARD} shards`);
  }
  return h;
}

/** The counter's value: the sum of all shard counts, wrapping at 64 bits like Java's `long`. */
export function counterContextValue(ctx: Uint8Array): bigint {
  let total = 0n;
  for (let o = headerLength(ctx); o < ctx.length; o += SHARD) total += i64(ctx, o + ID + 8);
  return BigInt.asIntN(64, total);
}

/**
 * The shards with their kinds, read like `CounterContext.ContextState`: header entries are consumed in
 * order, and body shard #i is global when the next entry is i - 32768, local when it is i, remote
 * otherwise.
 */
function shards(ctx: Uint8Array): Shard[] {
  const h = headerLength(ctx);
  const out: Shard[] = [];
  let entry = 2;
  for (let o = h, i = 0; o < ctx.length; o += SHARD, i++) {
    let kind: ShardKind = 'remote';
    if (entry < h) {
      const e = i16(ctx, entry);
      if (e === i - 32768) kind = 'global';
      else if (e === i) kind = 'local';
    }
    if (kind !== 'remote') entry += 2;
    out.push({ offset: o, kind, clock: i64(ctx, o + ID), count: i64(ctx, o + ID + 8) });
  }
  return out;
}

function compareIds(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < ID; i++) {
    const d = (a[ao + i] ?? 0) - (b[bo + i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

type Relationship = 'gt' | 'lt' | 'eq' | 'disjoint';

const byCount = (l: Shard, r: Shard): Relationship => (l.count > r.count ? 'gt' : l.count === r.count ? 'eq' : 'lt');

/** `CounterContext.compare` for two shards with the same counter id (the §8.5 merge table). */
function relate(l: Shard, r: Shard): Relationship {
  if (l.kind === 'global' || r.kind === 'global') {
    if (l.kind !== r.kind) return l.kind === 'global' ? 'gt' : 'lt';
    if (l.clock === r.clock) return byCount(l, r);
    return l.clock > r.clock ? 'gt' : 'lt';
  }
  if (l.kind === 'local' || r.kind === 'local') {
    if (l.kind === r.kind) return 'disjoint';
    return l.kind === 'local' ? 'gt' : 'lt';
  }
  if (l.clock === r.clock) return byCount(l, r);
  // legacy remote shards: a negative clock marks a deleted shard and wins over positive clocks
  const lc = l.clock;
  const rc = r.clock;
  return (lc >= 0n && rc > 0n && lc >= rc) || (lc < 0n && (rc > 0n || lc < rc)) ? 'gt' : 'lt';
}

interface OutShard {
  readonly src: Uint8Array;
  readonly offset: number;
  readonly kind: ShardKind;
  readonly clock: bigint;
  readonly count: bigint;
}

/**
 * Merges two counter contexts as `CounterContext.merge` does: shards paired by counter id (unsigned
 * byte order), the winner per pair chosen by the §8.5 table, local+local summed. When one side
 * already dominates every pair (a superset), it is returned unchanged, as Cassandra does.
 */
export function mergeCounterContexts(a: Uint8Array, b: Uint8Array): Uint8Array {
  const left = shards(a);
  const right = shards(b);
  let leftSuper = true;
  let rightSuper = true;
  const merged: OutShard[] = [];
  const take = (src: Uint8Array, s: Shard): void => {
    merged.push({ src, offset: s.offset, kind: s.kind, clock: s.clock, count: s.count });
  };
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const l = left[i] as Shard;
    const r = right[j] as Shard;
    const c = compareIds(a, l.offset, b, r.offset);
    if (c === 0) {
      const rel = relate(l, r);
      if (rel === 'gt') {
        rightSuper = false;
        take(a, l);
      } else if (rel === 'lt') {
        leftSuper = false;
        take(b, r);
      } else if (rel === 'eq') {
        take(b, r);
      } else {
        leftSuper = rightSuper = false;
        merged.push({ src: a, offset: l.offset, kind: 'local', clock: BigInt.asIntN(64, l.clock + r.clock), count: BigInt.asIntN(64, l.count + r.count) });
      }
      i++;
      j++;
    } else if (c > 0) {
      leftSuper = false;
      take(b, r);
      j++;
    } else {
      rightSuper = false;
      take(a, l);
      i++;
    }
  }
  if (i < left.length) rightSuper = false;
  else if (j < right.length) leftSuper = false;
  if (leftSuper) return a;
  if (rightSuper) return b;
  for (; i < left.length; i++) take(a, left[i] as Shard);
  for (; j < right.length; j++) take(b, right[j] as Shard);
  return writeContext(merged);
}

function writeContext(merged: readonly OutShard[]): Uint8Array {
  const headed = merged.filter((s) => s.kind !== 'remote').length;
  const h = 2 + 2 * headed;
  const out = new Uint8Array(h + merged.length * SHARD);
  const dv = new DataView(out.buffer);
  dv.setInt16(0, headed);
  let entry = 2;
  merged.forEach((s, idx) => {
    const o = h + idx * SHARD;
    out.set(s.src.subarray(s.offset, s.offset + ID), o);
    dv.setBigInt64(o + ID, s.clock);
    dv.setBigInt64(o + ID + 8, s.count);
    if (s.kind !== 'remote') {
      dv.setInt16(entry, s.kind === 'global' ? idx - 32768 : idx);
      entry += 2;
    }
  });
  return out;
}
