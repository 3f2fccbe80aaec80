import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeClusteringOrder } from '../../../src/merge/clustering-order.js';
import { BoundKind, type Bound, type DeletionTime, type RangeMarker, type SSTableEvent } from '../../../src/sstable/model.js';
import { compareValues, native } from '../../../src/sstable/types/index.js';
import { RangeTracker } from '../../../src/sstable/v2/tombstones.js';

const order = makeClusteringOrder([compareValues(native('int'))]);
const int = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const del = (ts: number): DeletionTime => ({ markedForDeleteAt: BigInt(ts), localDeletionTime: 1000 + ts });
const start = (n: number, incl = true): Bound => ({ kind: incl ? BoundKind.INCL_START_BOUND : BoundKind.EXCL_START_BOUND, values: [int(n)] });
const end = (n: number, incl = true): Bound => ({ kind: incl ? BoundKind.INCL_END_BOUND : BoundKind.EXCL_END_BOUND, values: [int(n)] });

function markers(out: SSTableEvent[]): string[] {
  return out.map((e) => {
    if (e.kind !== 'marker') return e.kind;
    const v = e.bound.values[0];
    const at = v === null || v === undefined ? '-' : String(new DataView(v.buffer, v.byteOffset).getInt32(0));
    return `${BoundKind[e.bound.kind]}(${at}) ${e.close?.markedForDeleteAt ?? '-'}>${e.open?.markedForDeleteAt ?? '-'}`;
  });
}

describe('RangeTracker', () => {
  it('opens, closes and makes boundaries where deletions change', () => {
    const t = new RangeTracker(order);
    const out: SSTableEvent[] = [];
    t.add(start(1), end(5), del(10), false, out);
    t.add(start(3), end(8), del(20), false, out);
    t.beforeRow([int(4)], out);
    t.finish(out);
    expect(markers(out)).toEqual([
      'INCL_START_BOUND(1) ->10',
      'EXCL_END_INCL_START_BOUNDARY(3) 10>20',
      'INCL_END_BOUND(8) 20>-',
    ]);
  });

  it('takes the maximum where tombstones start at one bound, whatever their order (P12)', () => {
    const t = new RangeTracker(order);
    const out: SSTableEvent[] = [];
    t.add(start(1), end(1), del(3), false, out);
    t.add(start(1), end(10), del(5), false, out);
    t.finish(out);
    expect(markers(out)).toEqual(['INCL_START_BOUND(1) ->5', 'INCL_END_BOUND(10) 5>-']);
  });

  it('ignores repeats of open tombstones and clamps late starts to what was not emitted yet', () => {
    const t = new RangeTracker(order);
    const out: SSTableEvent[] = [];
    t.add(start(1), end(5), del(10), false, out);
    t.beforeRow([int(2)], out);
    out.push({ kind: 'end' });
    t.add(start(1), end(5), del(10), false, out); // repeated at an index block
    t.add(start(0), end(3), del(15), false, out); // late, newer: covers (2, 3]
    t.beforeRow([int(3)], out);
    t.finish(out);
    expect(markers(out)).toEqual([
      'INCL_START_BOUND(1) ->10',
      'end',
      'INCL_END_EXCL_START_BOUNDARY(2) 10>15',
      'INCL_END_EXCL_START_BOUNDARY(3) 15>10',
      'INCL_END_BOUND(5) 10>-',
    ]);
  });

  it('merges adjacent ranges of equal deletion and drops empty ones', () => {
    const t = new RangeTracker(order);
    const out: SSTableEvent[] = [];
    t.add(start(1), end(3, false), del(7), false, out);
    t.add(start(3), end(4), del(7), false, out);
    t.add(start(6), end(6, false), del(9), false, out);
    t.finish(out);
    expect(markers(out)).toEqual(['INCL_START_BOUND(1) ->7', 'INCL_END_BOUND(4) 7>-']);
  });

  it('property: the open deletion at every row is the max over covering tombstones; markers are well formed', () => {
    const tomb = fc.record({
      a: fc.integer({ min: 0, max: 20 }),
      len: fc.integer({ min: 0, max: 10 }),
      si: fc.boolean(),
      ei: fc.boolean(),
      ts: fc.integer({ min: 1, max: 6 }),
      early: fc.integer({ min: 0, max: 5 }),
      repeat: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(tomb, { maxLength: 12 }), (ts) => {
        const tombs = ts.map((x) => ({ s: start(x.a, x.si), e: end(x.a + x.len, x.ei), d: del(x.ts), x }));
        const covers = (t: (typeof tombs)[number], r: number): boolean =>
          order.compareBoundToClustering(t.s, [int(r)]) < 0 && order.compareBoundToClustering(t.e, [int(r)]) > 0;
        // arrival: before the first row the tombstone covers, `early` rows sooner; repeats arrive later on
        const arrivals = new Map<number, typeof tombs>();
        const at = (r: number): typeof tombs => arrivals.get(r) ?? (arrivals.set(r, []).get(r) as typeof tombs);
        for (const t of tombs) {
          let first = 0;
          while (first <= 31 && order.compareBoundToClustering(t.s, [int(first)]) > 0) first++;
          at(Math.max(0, first - t.x.early)).push(t);
          if (t.x.repeat > 0) at(first + t.x.repeat).push(t);
        }
        const tracker = new RangeTracker(order);
        const out: SSTableEvent[] = [];
        let open: DeletionTime | null = null;
        let consumed = 0;
        const follow = (): void => {
          for (; consumed < out.length; consumed++) {
            const m = out[consumed] as RangeMarker;
            expect(m.close).toEqual(open);
            expect(m.open).not.toEqual(m.close);
            if (consumed > 0) expect(order.compareBounds((out[consumed - 1] as RangeMarker).bound, m.bound)).toBeLessThan(0);
            open = m.open;
          }
        };
        for (let r = 0; r <= 31; r++) {
          for (const t of arrivals.get(r) ?? []) tracker.add(t.s, t.e, t.d, false, out);
          const from = out.length;
          tracker.beforeRow([int(r)], out);
          for (const m of out.slice(from)) {
            expect(order.compareBoundToClustering((m as RangeMarker).bound, [int(r)])).toBeLessThan(0);
            if (r > 0) expect(order.compareBoundToClustering((m as RangeMarker).bound, [int(r - 1)])).toBeGreaterThan(0);
          }
          follow();
          let want: bigint | null = null;
          for (const t of tombs) if (covers(t, r) && (want === null || t.d.markedForDeleteAt > want)) want = t.d.markedForDeleteAt;
          expect((open as DeletionTime | null)?.markedForDeleteAt ?? null).toBe(want);
        }
        tracker.finish(out);
        follow();
        expect(open).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
