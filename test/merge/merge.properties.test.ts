/**
 * Properties of mergeToCqlRows over random, well-formed event streams: the result depends neither on
 * the order of the sources, nor on duplicated sources, nor on how the streams are cut into batches.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeToCqlRows } from '../../src/merge/merge.js';
import type { ColumnInfo, MergeOptions } from '../../src/merge/merge.js';
import { makeClusteringOrder } from '../../src/merge/clustering-order.js';
import { compareUnsigned } from '../../src/merge/bytes.js';
import { partitionerFromClass } from '../../src/merge/partitioner.js';
import { BoundKind, EMPTY_LIVENESS, LIVE, NO_DELETION_TIME } from '../../src/sstable/model.js';
import type { Cell, DeletionTime, EventBatches, RangeMarker, Row, SSTableEvent } from '../../src/sstable/model.js';
import type { CqlRow } from '../../src/merge/rows.js';
import { isComplexValue } from '../../src/merge/rows.js';

const NOW = 1_000_000;
const partitioner = partitionerFromClass('Murmur3Partitioner');
const order = makeClusteringOrder([compareUnsigned]);
/** 0, 1 regular; 2 set (multi-cell); 3 static; 4 counter */
const COLUMNS: ColumnInfo[] = [
  { isCounter: false, isMultiCell: false, isStatic: false },
  { isCounter: false, isMultiCell: false, isStatic: false },
  { isCounter: false, isMultiCell: true, isStatic: false },
  { isCounter: false, isMultiCell: false, isStatic: true },
  { isCounter: true, isMultiCell: false, isStatic: false },
];
/** commutative, associative and idempotent, like CounterContext.merge over global shards */
function mergeCounters(a: Uint8Array, b: Uint8Array): Uint8Array {
  const m = new Map<number, number>();
  for (const x of [a, b]) for (let i = 0; i + 1 < x.length; i += 2) m.set(x[i] as number, Math.max(m.get(x[i] as number) ?? 0, x[i + 1] as number));
  return new Uint8Array([...m.entries()].sort((p, q) => p[0] - q[0]).flat());
}
const OPTS: MergeOptions = { partitioner, clustering: order, columns: COLUMNS, nowInSec: NOW, mergeCounterContexts: mergeCounters };

// ---- arbitraries ----------------------------------------------------------------------------------

const ts = fc.integer({ min: 0, max: 6 }).map(BigInt);
const deletion: fc.Arbitrary<DeletionTime> = fc.option(ts, { freq: 3 }).map((t) => (t === null ? LIVE : { markedForDeleteAt: t, localDeletionTime: NOW - 5 }));
const value = fc.constantFrom([0x00], [0x7f], [0x80], [0x01, 0x02], []).map((v) => new Uint8Array(v));

function cellArb(column: number, path: Uint8Array | null): fc.Arbitrary<Cell> {
  return fc.record({ timestamp: ts, kind: fc.constantFrom('live', 'live', 'tomb', 'exp'), value, ldt: fc.integer({ min: NOW - 1, max: NOW + 1 }) }).map((r) => ({
    column,
    path,
    timestamp: r.timestamp,
    ttl: r.kind === 'exp' ? 10 : 0,
    localDeletionTime: r.kind === 'live' ? NO_DELETION_TIME : r.ldt,
    value: r.kind === 'tomb' ? new Uint8Array(0) : r.value,
  }));
}

const counterCell: fc.Arbitrary<Cell> = fc.record({ timestamp: ts, tomb: fc.boolean(), shard: fc.integer({ min: 1, max: 3 }), count: fc.integer({ min: 1, max: 9 }) }).map((r) => ({
  column: 4,
  path: null,
  timestamp: r.timestamp,
  ttl: 0,
  localDeletionTime: r.tomb ? NOW - 5 : NO_DELETION_TIME,
  value: r.tomb ? new Uint8Array(0) : new Uint8Array([r.shard, r.count]),
}));

const setCells: fc.Arbitrary<Cell[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })
  .chain((paths) => fc.tuple(...[...paths].sort((x, y) => x - y).map((p) => cellArb(2, new Uint8Array([p])))));

const liveness = fc.oneof(
  fc.constant(EMPTY_LIVENESS),
  ts.map((t) => ({ timestamp: t, ttl: 0, localExpirationTime: NO_DELETION_TIME })),
  fc.tuple(ts, fc.integer({ min: NOW - 1, max: NOW + 1 })).map(([t, e]) => ({ timestamp: t, ttl: 10, localExpirationTime: e })),
);

const rowArb = (ck: number): fc.Arbitrary<Row> =>
  fc.record({
    liveness,
    deletion,
    a: fc.option(cellArb(0, null)),
    b: fc.option(cellArb(1, null)),
    s: setCells,
    sdel: fc.option(deletion),
    c: fc.option(counterCell),
  }).map((r) => ({
    kind: 'row',
    isStatic: false,
    clustering: [new Uint8Array([ck])],
    liveness: r.liveness,
    deletion: r.deletion,
    cells: [r.a, r.b, ...r.s, r.c].filter((x): x is Cell => x !== null),
    ...(r.sdel === null ? {} : { complexDeletions: new Map([[2, r.sdel]]) }),
  }));

const staticArb: fc.Arbitrary<Row | null> = fc.option(cellArb(3, null).map((c) => ({ kind: 'row', isStatic: true, clustering: [], liveness: EMPTY_LIVENESS, deletion: LIVE, cells: [c] })));

/** up to two ranges over points -1 (BOTTOM/TOP) .. 8; adjacent ranges share a boundary marker */
const rangesArb: fc.Arbitrary<RangeMarker[]> = fc
  .record({ points: fc.uniqueArray(fc.integer({ min: -1, max: 8 }), { maxLength: 4 }), incl: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), adjacent: fc.boolean(), d1: ts, d2: ts })
  .map(({ points, incl, adjacent, d1, d2 }) => {
    const p = [...points].sort((x, y) => x - y);
    const dts = [d1, d2].map((t) => ({ markedForDeleteAt: t, localDeletionTime: NOW - 5 }));
    const vals = (x: number, isEnd: boolean): Uint8Array[] => (x === -1 ? [] : [new Uint8Array([isEnd ? x : x])]);
    const startKind = (inc: boolean): BoundKind => (inc ? BoundKind.INCL_START_BOUND : BoundKind.EXCL_START_BOUND);
    const endKind = (inc: boolean): BoundKind => (inc ? BoundKind.INCL_END_BOUND : BoundKind.EXCL_END_BOUND);
    const out: RangeMarker[] = [];
    if (p.length < 2) return out;
    const [s1, e1] = p as [number, number];
    const endTop = (x: number): Uint8Array[] => (x === 8 ? [] : vals(x, true));
    const startBottom = (x: number): Uint8Array[] => (x === -1 ? [] : vals(x, false));
    out.push({ kind: 'marker', bound: { kind: startKind(incl[0] as boolean), values: startBottom(s1) }, close: null, open: dts[0] as DeletionTime });
    if (adjacent && p.length >= 3 && e1 !== 8) {
      const e2 = p[2] as number;
      const kind = incl[1] ? BoundKind.INCL_END_EXCL_START_BOUNDARY : BoundKind.EXCL_END_INCL_START_BOUNDARY;
      out.push({ kind: 'marker', bound: { kind, values: [new Uint8Array([e1])] }, close: dts[0] as DeletionTime, open: dts[1] as DeletionTime });
      out.push({ kind: 'marker', bound: { kind: endKind(incl[2] as boolean), values: endTop(e2) }, close: dts[1] as DeletionTime, open: null });
      return out;
    }
    out.push({ kind: 'marker', bound: { kind: endKind(incl[1] as boolean), values: endTop(e1) }, close: dts[0] as DeletionTime, open: null });
    if (p.length === 4 && e1 !== 8) {
      const [, , s2, e2] = p as [number, number, number, number];
      out.push({ kind: 'marker', bound: { kind: startKind(incl[2] as boolean), values: startBottom(s2) }, close: null, open: dts[1] as DeletionTime });
      out.push({ kind: 'marker', bound: { kind: endKind(incl[3] as boolean), values: endTop(e2) }, close: dts[1] as DeletionTime, open: null });
    }
    return out;
  });

const KEYS = [[1], [2], [3], [0x80], [0, 0, 0, 1]].map((k) => new Uint8Array(k));

function compareEvents(x: Row | RangeMarker, y: Row | RangeMarker): number {
  if (x.kind === 'row') return y.kind === 'row' ? order.compare(x.clustering, y.clustering) : -order.compareBoundToClustering(y.bound, x.clustering);
  return y.kind === 'row' ? order.compareBoundToClustering(x.bound, y.clustering) : order.compareBounds(x.bound, y.bound);
}

const partitionArb = (key: Uint8Array): fc.Arbitrary<SSTableEvent[]> =>
  fc.record({
    deletion,
    statik: staticArb,
    rows: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }).chain((cks) => fc.tuple(...cks.map(rowArb))),
    ranges: rangesArb,
  }).map(({ deletion: d, statik, rows, ranges }) => {
    const body = [...rows, ...ranges].sort(compareEvents);
    return [{ kind: 'partition', key, deletion: d, position: 0 }, ...(statik === null ? [] : [statik]), ...body, { kind: 'end' }];
  });

const sourceArb: fc.Arbitrary<SSTableEvent[]> = fc
  .subarray(KEYS)
  .chain((keys) => fc.tuple(...[...keys].sort((x, y) => partitioner.compareKeys(x, y)).map(partitionArb)))
  .map((parts) => parts.flat());

// ---- helpers --------------------------------------------------------------------------------------

function asSource(events: SSTableEvent[], size = Infinity): EventBatches {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < events.length; i += size) yield events.slice(i, i + size);
    },
  };
}

const hex = (x: Uint8Array | null): string | null => (x === null ? null : Buffer.from(x).toString('hex'));

async function merged(sources: EventBatches[]): Promise<unknown[]> {
  const out: CqlRow[] = [];
  for await (const batch of mergeToCqlRows(sources, OPTS)) out.push(...batch);
  return out.map((r) => [
    hex(r.partitionKey),
    r.clustering.map(hex),
    r.values.map((v) => (v === null ? null : !isComplexValue(v) ? hex(v.value) : v.cells.map((c) => `${hex(c.path ?? new Uint8Array(0))}=${hex(c.value)}`))),
  ]);
}

// ---- properties -----------------------------------------------------------------------------------

describe('mergeToCqlRows properties', () => {
  it('does not depend on the order of the sources', async () => {
    const arb = fc.array(sourceArb, { minLength: 1, maxLength: 4 }).chain((srcs) => fc.tuple(fc.constant(srcs), fc.shuffledSubarray(srcs, { minLength: srcs.length, maxLength: srcs.length })));
    await fc.assert(fc.asyncProperty(arb, async ([srcs, shuffled]) => {
      expect(await merged(shuffled.map((s) => asSource(s)))).toEqual(await merged(srcs.map((s) => asSource(s))));
    }), { numRuns: 300 });
  });

  it('merging a source with itself changes nothing', async () => {
    await fc.assert(fc.asyncProperty(fc.array(sourceArb, { minLength: 1, maxLength: 3 }), async (srcs) => {
      const once = await merged(srcs.map((s) => asSource(s)));
      expect(await merged([...srcs, ...srcs].map((s) => asSource(s)))).toEqual(once);
      for (const s of srcs) expect(await merged([asSource(s), asSource(s)])).toEqual(await merged([asSource(s)]));
    }), { numRuns: 200 });
  });

  it('splitting the batches differently changes nothing', async () => {
    const arb = fc.array(fc.tuple(sourceArb, fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 3 });
    await fc.assert(fc.asyncProperty(arb, async (srcs) => {
      expect(await merged(srcs.map(([s, n]) => asSource(s, n)))).toEqual(await merged(srcs.map(([s]) => asSource(s))));
    }), { numRuns: 200 });
  });

  it('emits partitions in token order and rows in clustering order', async () => {
    await fc.assert(fc.asyncProperty(fc.array(sourceArb, { minLength: 1, maxLength: 3 }), async (srcs) => {
      const out: CqlRow[] = [];
      for await (const batch of mergeToCqlRows(srcs.map((s) => asSource(s, 2)), OPTS)) out.push(...batch);
      for (let i = 1; i < out.length; i++) {
        const p = out[i - 1] as CqlRow;
        const q = out[i] as CqlRow;
        const k = partitioner.compareKeys(p.partitionKey, q.partitionKey);
        expect(k).toBeLessThanOrEqual(0);
        if (k === 0) expect(order.compare(p.clustering.map((x) => x ?? new Uint8Array(0)), q.clustering.map((x) => x ?? new Uint8Array(0)))).toBeLessThan(0);
      }
    }), { numRuns: 100 });
  });
});
