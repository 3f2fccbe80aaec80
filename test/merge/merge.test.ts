import { describe, expect, it } from 'vitest';
import { mergeToCqlRows } from '../../src/merge/merge.js';
import type { ColumnInfo, MergeOptions } from '../../src/merge/merge.js';
import { makeClusteringOrder } from '../../src/merge/clustering-order.js';
import { compareUnsigned } from '../../src/merge/bytes.js';
import { partitionerFromClass } from '../../src/merge/partitioner.js';
import { BoundKind, EMPTY_LIVENESS, EXPIRED_LIVENESS_TTL, LIVE, NO_DELETION_TIME } from '../../src/sstable/model.js';
import type { Cell, DeletionTime, EventBatches, Liveness, RangeMarker, Row, SSTableEvent } from '../../src/sstable/model.js';
import type { CqlRow } from '../../src/merge/rows.js';
import { isComplexValue } from '../../src/merge/rows.js';

// ---- builders -------------------------------------------------------------------------------------

const NOW = 1_700_000_000;
const PAST = NOW - 3600;
const murmur = partitionerFromClass('Murmur3Partitioner');

/** columns: 0 regular a, 1 regular b, 2 set<blob> s (multi-cell), 3 static st, 4 counter c */
const COLUMNS: ColumnInfo[] = [
  { isCounter: false, isMultiCell: false, isStatic: false },
  { isCounter: false, isMultiCell: false, isStatic: false },
  { isCounter: false, isMultiCell: true, isStatic: false },
  { isCounter: false, isMultiCell: false, isStatic: true },
  { isCounter: true, isMultiCell: false, isStatic: false },
];

function mergeCounters(a: Uint8Array, b: Uint8Array): Uint8Array {
  const m = new Map<number, number>();
  for (const x of [a, b]) for (let i = 0; i + 1 < x.length; i += 2) m.set(x[i] as number, Math.max(m.get(x[i] as number) ?? 0, x[i + 1] as number));
  return new Uint8Array([...m.entries()].sort((p, q) => p[0] - q[0]).flat());
}

function options(clusteringColumns = 1, extra: Partial<MergeOptions> = {}): MergeOptions {
  return {
    partitioner: murmur,
    clustering: makeClusteringOrder(new Array(clusteringColumns).fill(compareUnsigned)),
    columns: COLUMNS,
    nowInSec: NOW,
    mergeCounterContexts: mergeCounters,
    ...extra,
  };
}

const b = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const dt = (ts: number, ldt = PAST): DeletionTime => ({ markedForDeleteAt: BigInt(ts), localDeletionTime: ldt });
const lv = (ts: number, ttl = 0, exp = NO_DELETION_TIME): Liveness => ({ timestamp: BigInt(ts), ttl, localExpirationTime: exp });

function cell(column: number, ts: number, value: number[], o: { ttl?: number; ldt?: number; path?: number[] } = {}): Cell {
  return {
    column,
    path: o.path === undefined ? null : new Uint8Array(o.path),
    timestamp: BigInt(ts),
    ttl: o.ttl ?? 0,
    localDeletionTime: o.ldt ?? NO_DELETION_TIME,
    value: new Uint8Array(value),
  };
}
const tomb = (column: number, ts: number, path?: number[]): Cell => cell(column, ts, [], path === undefined ? { ldt: PAST } : { ldt: PAST, path });

function row(ck: number[], cells: Cell[], o: { liveness?: Liveness; deletion?: DeletionTime; complex?: [number, DeletionTime][] } = {}): Row {
  return {
    kind: 'row',
    isStatic: false,
    clustering: ck.map((x) => b(x)),
    liveness: o.liveness ?? EMPTY_LIVENESS,
    deletion: o.deletion ?? LIVE,
    cells,
    ...(o.complex === undefined ? {} : { complexDeletions: new Map(o.complex) }),
  };
}
const staticRow = (cells: Cell[]): Row => ({ kind: 'row', isStatic: true, clustering: [], liveness: EMPTY_LIVENESS, deletion: LIVE, cells });

function marker(kind: BoundKind, values: number[], close: DeletionTime | null, open: DeletionTime | null): RangeMarker {
  return { kind: 'marker', bound: { kind, values: values.map((x) => b(x)) }, close, open };
}
const openAt = (kind: BoundKind, values: number[], d: DeletionTime): RangeMarker => marker(kind, values, null, d);
const closeAt = (kind: BoundKind, values: number[], d: DeletionTime): RangeMarker => marker(kind, values, d, null);

function partition(key: number[], body: SSTableEvent[], deletion: DeletionTime = LIVE): SSTableEvent[] {
  return [{ kind: 'partition', key: new Uint8Array(key), deletion, position: 0 }, ...body, { kind: 'end' }];
}

/** A source from events, cut into batches of `size` events (Infinity: one batch). */
function source(events: SSTableEvent[], size = Infinity): EventBatches {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < events.length; i += size) yield events.slice(i, i + size);
    },
  };
}

async function collect(sources: EventBatches[], opts = options()): Promise<CqlRow[]> {
  const out: CqlRow[] = [];
  for await (const batch of mergeToCqlRows(sources, opts)) out.push(...batch);
  return out;
}

const hex = (x: Uint8Array | null): string | null => (x === null ? null : Buffer.from(x).toString('hex'));

/** CqlRows as plain data: [key, clustering, values] with hex bytes. */
function show(rows: CqlRow[]): unknown[] {
  return rows.map((r) => [
    hex(r.partitionKey),
    r.clustering.map(hex),
    r.values.map((v) => (v === null ? null : !isComplexValue(v) ? hex(v.value) : v.cells.map((c) => `${hex(c.path ?? new Uint8Array(0))}=${hex(c.value)}`))),
  ]);
}

async function run(sources: SSTableEvent[][], opts = options()): Promise<unknown[]> {
  return show(await collect(sources.map((s) => source(s)), opts));
}

// ---- tests ----------------------------------------------------------------------------------------

describe('mergeToCqlRows: single source', () => {
  it('emits live rows with their values and repeats statics on every row', async () => {
    const s = partition([1], [staticRow([cell(3, 1, [9])]), row([1], [cell(0, 1, [0xa])], { liveness: lv(1) }), row([2], [cell(1, 1, [0xb])])]);
    expect(await run([s])).toEqual([
      ['01', ['01'], ['0a', null, null, '09', null]],
      ['01', ['02'], [null, '0b', null, '09', null]],
    ]);
  });

  it('keeps a row that has only live liveness (all columns null) and drops a row without anything live', async () => {
    const s = partition([1], [row([1], [], { liveness: lv(5) }), row([2], [tomb(0, 5)]), row([3], [cell(0, 1, [1], { ttl: 10, ldt: NOW - 1 })])]);
    expect(await run([s])).toEqual([['01', ['01'], [null, null, null, null, null]]]);
  });

  it('treats TTL rows and cells as live strictly before their expiration time', async () => {
    const s = partition([1], [
      row([1], [], { liveness: lv(5, 100, NOW + 1) }),
      row([2], [], { liveness: lv(5, 100, NOW) }),
      row([3], [cell(0, 1, [7], { ttl: 100, ldt: NOW + 1 }), cell(1, 1, [8], { ttl: 100, ldt: NOW })]),
    ]);
    expect(await run([s])).toEqual([
      ['01', ['01'], [null, null, null, null, null]],
      ['01', ['03'], ['07', null, null, null, null]],
    ]);
  });

  it('yields one row with null clustering for a partition with live statics only, and nothing for an empty one', async () => {
    const s = [
      ...partition([1], [staticRow([cell(3, 1, [9])]), row([1], [tomb(0, 2)])]),
      ...partition([2], [staticRow([tomb(3, 1)])]),
    ];
    expect(await run([s], options(2))).toEqual([['01', [null, null], [null, null, null, '09', null]]]);
  });

  it('gives tables without clustering columns clustering []', async () => {
    const s = partition([1], [row([], [cell(0, 1, [1])])]);
    expect(await run([s], options(0))).toEqual([['01', [], ['01', null, null, null, null]]]);
  });

  it('applies the partition deletion to rows and statics, but not to newer data', async () => {
    const s = partition([1], [staticRow([cell(3, 10, [9])]), row([1], [cell(0, 10, [1]), cell(1, 11, [2])], { liveness: lv(10) })], dt(10));
    expect(await run([s])).toEqual([['01', ['01'], [null, '02', null, null, null]]]);
  });

  it('applies row deletions and complex deletions', async () => {
    const s = partition([1], [
      row([1], [cell(0, 5, [1]), cell(1, 6, [2])], { liveness: lv(5), deletion: dt(5) }),
      row([2], [cell(2, 4, [], { path: [1] }), cell(2, 6, [], { path: [2] })], { complex: [[2, dt(5)]] }),
    ]);
    expect(await run([s])).toEqual([
      ['01', ['01'], [null, '02', null, null, null]],
      ['01', ['02'], [null, null, ['02='], null, null]],
    ]);
  });

  it('acts on expired liveness (materialized views) as a primary-key deletion at its timestamp', async () => {
    const s = partition([1], [row([1], [cell(0, 5, [1]), cell(1, 6, [2])], { liveness: lv(5, EXPIRED_LIVENESS_TTL, NOW) })]);
    expect(await run([s])).toEqual([['01', ['01'], [null, '02', null, null, null]]]);
  });

  it('applies range tombstones, including boundaries and BOTTOM/TOP bounds, never to statics', async () => {
    const s = partition([1], [
      staticRow([cell(3, 1, [9])]),
      openAt(BoundKind.INCL_START_BOUND, [], dt(5)),
      row([1], [cell(0, 5, [1])]),
      row([2], [cell(0, 6, [2])]),
      marker(BoundKind.EXCL_END_INCL_START_BOUNDARY, [3], dt(5), dt(8)),
      row([3], [cell(0, 7, [3])]),
      row([4], [cell(0, 9, [4])]),
      closeAt(BoundKind.INCL_END_BOUND, [4], dt(8)),
      row([5], [cell(0, 1, [5])]),
    ], dt(0));
    expect(await run([s])).toEqual([
      ['01', ['02'], ['02', null, null, '09', null]],
      ['01', ['04'], ['04', null, null, '09', null]],
      ['01', ['05'], ['05', null, null, '09', null]],
    ]);
  });

  it('yields nothing for no sources or empty streams', async () => {
    expect(await run([])).toEqual([]);
    expect(await run([[], []])).toEqual([]);
  });

  it('rejects a broken event grammar with E_BAD_FORMAT', async () => {
    await expect(run([[{ kind: 'end' }]])).rejects.toMatchObject({ code: 'E_BAD_FORMAT' });
    await expect(run([partition([1], []).slice(0, 1)])).rejects.toMatchObject({ code: 'E_BAD_FORMAT' });
  });

  it('rejects a cell of an unknown column with E_SCHEMA', async () => {
    await expect(run([partition([1], [row([1], [cell(9, 1, [1])])])])).rejects.toMatchObject({ code: 'E_SCHEMA' });
  });
});

describe('mergeToCqlRows: several sources', () => {
  it('merges partitions in token order', async () => {
    const keys = [[0, 0, 0, 1], [0x61], [0xff, 0x80], [2], [3, 4]];
    const sorted = [...keys].sort((x, y) => murmur.compareKeys(b(...x), b(...y)));
    const sources = keys.map((k) => partition(k, [row([1], [cell(0, 1, [1])])]));
    const out = await run(sources);
    expect(out.map((r) => (r as unknown[])[0])).toEqual(sorted.map((k) => hex(b(...k))));
  });

  it('reconciles cells: higher timestamp, then tombstone/expiring, then signed value', async () => {
    const s1 = partition([1], [row([1], [cell(0, 5, [1]), cell(1, 5, [0x80])]), row([2], [cell(0, 5, [1])])]);
    const s2 = partition([1], [row([1], [cell(0, 4, [2]), cell(1, 5, [0x7f])]), row([2], [tomb(0, 5)])]);
    expect(await run([s1, s2])).toEqual([['01', ['01'], ['01', '7f', null, null, null]]]);
    expect(await run([s2, s1])).toEqual([['01', ['01'], ['01', '7f', null, null, null]]]);
  });

  it('shadows cells of one source with a row deletion, partition deletion or range tombstone of another', async () => {
    const data = partition([1], [row([1], [cell(0, 5, [1])]), row([2], [cell(0, 5, [2])]), row([3], [cell(0, 5, [3])]), row([4], [cell(0, 6, [4])])]);
    const rowDel = partition([1], [row([1], [], { deletion: dt(5) })]);
    const rangeDel = partition([1], [openAt(BoundKind.EXCL_START_BOUND, [1], dt(5)), closeAt(BoundKind.INCL_END_BOUND, [2], dt(5))]);
    expect(await run([data, rowDel, rangeDel])).toEqual([
      ['01', ['03'], ['03', null, null, null, null]],
      ['01', ['04'], ['04', null, null, null, null]],
    ]);
    const partDel = partition([1], [], dt(5));
    expect(await run([partDel, data])).toEqual([['01', ['04'], ['04', null, null, null, null]]]);
  });

  it('takes the highest of overlapping range tombstones across sources, around boundaries', async () => {
    const a = partition([1], [
      openAt(BoundKind.INCL_START_BOUND, [1], dt(3)),
      marker(BoundKind.INCL_END_EXCL_START_BOUNDARY, [3], dt(3), dt(7)),
      closeAt(BoundKind.EXCL_END_BOUND, [6], dt(7)),
    ]);
    const bsrc = partition([1], [openAt(BoundKind.INCL_START_BOUND, [2], dt(5)), closeAt(BoundKind.INCL_END_BOUND, [4], dt(5))]);
    const rows = partition([1], [1, 2, 3, 4, 5, 6].map((k) => row([k], [cell(0, 4, [k]), cell(1, 6, [k])])));
    expect(await run([a, bsrc, rows])).toEqual([
      ['01', ['01'], ['01', '01', null, null, null]],
      ['01', ['02'], [null, '02', null, null, null]],
      ['01', ['03'], [null, '03', null, null, null]],
      // 4 and 5 lie in (3, 6) deleted at 7; 6 is excluded by the EXCL_END bound
      ['01', ['06'], ['06', '06', null, null, null]],
    ]);
  });

  it('merges row liveness with supersedes and lets a newer liveness survive an older row deletion', async () => {
    const a = partition([1], [row([1], [], { liveness: lv(3) })]);
    const d = partition([1], [row([1], [], { deletion: dt(4) })]);
    const c = partition([1], [row([1], [], { liveness: lv(5, 10, NOW - 1) })]);
    expect(await run([a, d])).toEqual([]);
    expect(await run([a, c])).toEqual([]); // the newer TTL'd liveness wins and is expired
    expect(await run([c, partition([1], [row([1], [], { liveness: lv(6) })]), d])).toEqual([['01', ['01'], [null, null, null, null, null]]]);
  });

  it('merges collection cells by path, with complex deletions from any source', async () => {
    const a = partition([1], [row([1], [cell(2, 5, [], { path: [1] }), cell(2, 5, [], { path: [3] })])]);
    const c = partition([1], [row([1], [cell(2, 7, [], { path: [2] }), tomb(2, 8, [3])], { complex: [[2, dt(4)]] })]);
    const d = partition([1], [row([1], [cell(2, 3, [], { path: [0] })])]);
    expect(await run([a, c, d])).toEqual([['01', ['01'], [null, null, ['01=', '02='], null, null]]]);
    const clear = partition([1], [row([1], [], { complex: [[2, dt(6)]] })]);
    expect(await run([a, c, d, clear])).toEqual([['01', ['01'], [null, null, ['02='], null, null]]]);
  });

  it('orders merged collection paths by the given path comparator', async () => {
    const a = partition([1], [row([1], [cell(2, 5, [], { path: [3] }), cell(2, 5, [], { path: [1] })])]);
    const c = partition([1], [row([1], [cell(2, 5, [], { path: [2] })])]);
    const reversed = (x: Uint8Array, y: Uint8Array): number => compareUnsigned(y, x);
    const opts = options(1, { pathComparators: [undefined, undefined, reversed] });
    expect(await run([a, c], opts)).toEqual([['01', ['01'], [null, null, ['03=', '02=', '01='], null, null]]]);
  });

  it('merges counters: contexts merge, a tombstone beats live cells, deletions shadow first', async () => {
    const a = partition([1], [row([1], [cell(4, 5, [1, 3])]), row([2], [cell(4, 5, [1, 3])]), row([3], [cell(4, 20, [1, 3])])]);
    const c = partition([1], [row([1], [cell(4, 9, [2, 4])]), row([2], [tomb(4, 1)]), row([3], [tomb(4, 5)], { deletion: dt(10) })]);
    expect(await run([a, c])).toEqual([
      ['01', ['01'], [null, null, null, null, '01030204']],
      ['01', ['03'], [null, null, null, null, '0103']],
    ]);
  });

  it('merges static rows of several sources and keeps a static-only partition', async () => {
    const a = partition([1], [staticRow([cell(3, 1, [1])])]);
    const c = partition([1], [staticRow([cell(3, 2, [2])]), row([1], [tomb(0, 1)])]);
    expect(await run([a, c])).toEqual([['01', [null], [null, null, null, '02', null]]]);
    const rangeOnly = partition([1], [openAt(BoundKind.INCL_START_BOUND, [], dt(9)), closeAt(BoundKind.INCL_END_BOUND, [], dt(9))]);
    expect(await run([a, rangeOnly])).toEqual([['01', [null], [null, null, null, '01', null]]]);
  });

  it('lets a newer expired cell hide an older live one (expired cells act as tombstones)', async () => {
    const live = partition([1], [row([1], [cell(0, 5, [1]), cell(1, 5, [2])])]);
    const expired = partition([1], [row([1], [cell(0, 6, [9], { ttl: 10, ldt: NOW - 1 }), cell(1, 6, [9], { ttl: 10, ldt: NOW + 1 })])]);
    expect(await run([live, expired])).toEqual([['01', ['01'], [null, '09', null, null, null]]]);
  });

  it('prefers the expired-liveness marker on a timestamp tie, deleting the row', async () => {
    const a = partition([1], [row([1], [cell(0, 5, [1])], { liveness: lv(5) })]);
    const mv = partition([1], [row([1], [], { liveness: lv(5, EXPIRED_LIVENESS_TTL, NOW) })]);
    expect(await run([a, mv])).toEqual([]);
    expect(await run([mv, a])).toEqual([]);
  });

  it('handles partially overlapping sources that end at different points', async () => {
    const keys = [[1], [2], [3], [4], [5], [6]].sort((x, y) => murmur.compareKeys(b(...x), b(...y)));
    const one = keys.slice(0, 4).flatMap((k) => partition(k, [row([1], [cell(0, 1, [1])])]));
    const two = keys.slice(2).flatMap((k) => partition(k, [row([2], [cell(0, 1, [2])])]));
    const out = await collect([source(one, 3), source(two, 2)]);
    expect(out.map((r) => `${hex(r.partitionKey)}/${hex(r.clustering[0] ?? null)}`)).toEqual([
      ...keys.slice(0, 2).map((k) => `${hex(b(...k))}/01`),
      ...keys.slice(2, 4).flatMap((k) => [`${hex(b(...k))}/01`, `${hex(b(...k))}/02`]),
      ...keys.slice(4).map((k) => `${hex(b(...k))}/02`),
    ]);
  });

  it('hands out bounded batches, in order, for a large partition in one input batch', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row([i >> 8, i & 255], [cell(0, 1, [1])]));
    const sizes: number[] = [];
    let last = -1;
    for await (const batch of mergeToCqlRows([source(partition([1], rows))], options(2))) {
      sizes.push(batch.length);
      for (const r of batch) {
        const n = ((r.clustering[0] as Uint8Array)[0] as number) * 256 + ((r.clustering[1] as Uint8Array)[0] as number);
        expect(n).toBe(last + 1);
        last = n;
      }
    }
    expect(last).toBe(4999);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
  });

  it('closes every source when the consumer stops early, and honours an aborted signal', async () => {
    let closed = 0;
    const tracked = (events: SSTableEvent[]): EventBatches => ({
      async *[Symbol.asyncIterator]() {
        try {
          for (const e of events) yield [e];
        } finally {
          closed++;
        }
      },
    });
    const many = (k: number): SSTableEvent[] => partition([k], [row([1], [cell(0, 1, [1])])]);
    for await (const batch of mergeToCqlRows([tracked([...many(1), ...many(2)]), tracked(many(3))], options())) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(closed).toBe(2);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(collect([source(many(1))], options(1, { signal: ac.signal }))).rejects.toThrow('stop');
  });
});
