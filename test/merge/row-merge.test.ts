/**
 * writeMergedRow on collections whose cells are still in their chunks (ViewCell), as replicas give
 * them: sources holding the same paths take the aligned path (k-th cells together), others the sort
 * by path; both must give the cells a sort by path and a reconcile would.
 */
import { describe, expect, it } from 'vitest';
import { I64_MIN } from '../../src/sstable/model.js';
import { EMPTY_LIVENESS, LIVE, NO_DELETION_TIME, ViewCell, type Cell, type Row } from '../../src/sstable/model.js';
import { compareUnsigned } from '../../src/merge/bytes.js';
import { writeMergedRow, writeSingleRow, type RowContext } from '../../src/merge/row-merge.js';
import { isComplexValue, type LiveValue } from '../../src/merge/rows.js';

const NOW = 1_700_000_000;
const ctx: RowContext = {
  nowInSec: NOW,
  multiCell: new Uint8Array([1]),
  counter: new Uint8Array([0]),
  mergeCounterContexts: () => new Uint8Array(0),
  pathComparators: [compareUnsigned],
};

/** Set cells (path = element, value empty) laid out in one buffer after `pad` other bytes, as a decoder leaves them. */
function setCells(elements: readonly number[], ts: bigint, pad: number, ldt = NO_DELETION_TIME): ViewCell[] {
  const buf = new Uint8Array(pad + 2 * elements.length).fill(0xee);
  return elements.map((e, i) => {
    const at = pad + 2 * i;
    buf[at] = 0x10;
    buf[at + 1] = e;
    return new ViewCell(0, ts, 0, ldt, buf, at + 2, 0, at, 2);
  });
}

const row = (cells: readonly Cell[], collectionDeletedAt: bigint | null = null): Row => ({
  kind: 'row', isStatic: false, clustering: [], liveness: EMPTY_LIVENESS, deletion: LIVE, cells,
  ...(collectionDeletedAt === null ? {} : { complexDeletions: new Map([[0, { markedForDeleteAt: collectionDeletedAt, localDeletionTime: NOW - 5 }]]) }),
});

function merged(...sources: Cell[][]): { element: number; ts: bigint }[] {
  const values: (LiveValue | null)[] = [null];
  writeMergedRow(sources.map((cells) => row(cells)), sources.length, I64_MIN, ctx, values);
  const v = values[0];
  if (v === null || v === undefined) return [];
  if (!isComplexValue(v)) throw new Error('expected a collection');
  return v.cells.map((c) => ({ element: (c.path as Uint8Array)[1] as number, ts: c.timestamp }));
}

describe('writeMergedRow, collections in their chunks', () => {
  it('replicas with the same paths: each element once, the newest version', () => {
    expect(merged(setCells([1, 2, 3], 5n, 3), setCells([1, 2, 3], 7n, 11), setCells([1, 2, 3], 6n, 0))).toEqual([
      { element: 1, ts: 7n }, { element: 2, ts: 7n }, { element: 3, ts: 7n },
    ]);
  });

  it('as many cells but other paths: the union in path order', () => {
    // the same padding in both buffers: only the path bytes themselves tell the cells apart
    expect(merged(setCells([1, 3], 5n, 4), setCells([2, 3], 6n, 4))).toEqual([
      { element: 1, ts: 5n }, { element: 2, ts: 6n }, { element: 3, ts: 6n },
    ]);
  });

  it('the same cells under a collection deletion on one replica only: the deletion applies', () => {
    const values = (first: Row, second: Row): LiveValue | null | undefined => {
      const out: (LiveValue | null)[] = [null];
      writeMergedRow([first, second], 2, I64_MIN, ctx, out);
      return out[0];
    };
    // the collection was overwritten at 8 on one replica (its tombstone at 8 - 1 shadows the cells at 5)
    expect(values(row(setCells([1, 2], 5n, 0)), row(setCells([1, 2], 5n, 3), 7n))).toBeNull();
    expect(values(row(setCells([1, 2], 5n, 3), 7n), row(setCells([1, 2], 5n, 0)))).toBeNull();
    expect(values(row(setCells([1, 2], 5n, 3), 7n), row(setCells([1, 2], 5n, 0), 7n))).toBeNull();
  });

  it('equal counter cells are merged, not taken from one replica', () => {
    const counters: RowContext = { ...ctx, multiCell: new Uint8Array([0]), counter: new Uint8Array([1]), mergeCounterContexts: (a, b) => new Uint8Array([...a, ...b]) };
    const cell = (): ViewCell => new ViewCell(0, 5n, 0, NO_DELETION_TIME, new Uint8Array([9, 7]), 1, 1, -1, 0);
    const out: (LiveValue | null)[] = [null];
    writeMergedRow([row([cell()]), row([cell()])], 2, I64_MIN, counters, out);
    const v = out[0];
    if (v === null || v === undefined || isComplexValue(v)) throw new Error('expected a counter cell');
    expect([...v.value]).toEqual([7, 7]);
  });

  it('an element deleted on one replica only is gone when the tombstone is newer', () => {
    const deleted = setCells([2], 9n, 0, NOW - 10);
    const a = setCells([1, 2], 5n, 2);
    const b = [...setCells([1], 5n, 6), ...deleted];
    expect(merged(a, b)).toEqual([{ element: 1, ts: 5n }]);
    expect(merged(b, a)).toEqual([{ element: 1, ts: 5n }]);
  });
});

describe('writeSingleRow collections', () => {
  const two: RowContext = { ...ctx, multiCell: new Uint8Array([1, 0, 1]), counter: new Uint8Array(3), pathComparators: [compareUnsigned, undefined, compareUnsigned] };
  const simple = (col: number, ts: bigint): ViewCell => new ViewCell(col, ts, 0, NO_DELETION_TIME, new Uint8Array([4, 2]), 0, 2, -1, 0);
  const atColumn = (col: number, cells: ViewCell[]): ViewCell[] => cells.map((c) => new ViewCell(col, c.timestamp, c.ttl, c.localDeletionTime, c.buf, c.valueOffset, c.valueLength, c.pathOffset, c.pathLength));
  const elements = (v: LiveValue | null | undefined): number[] | null => {
    if (v === null || v === undefined) return null;
    if (!isComplexValue(v)) throw new Error('expected a collection');
    return v.cells.map((c) => (c.path as Uint8Array)[1] as number);
  };

  it('keeps exactly the live elements of each collection, whatever follows them', () => {
    for (const n of [1, 2, 3, 4, 5, 9]) {
      const all = Array.from({ length: n }, (_, i) => i + 1);
      const first = setCells(all, 5n, 1);
      const third = atColumn(2, setCells(all, 6n, 3));
      const cells: Cell[] = [...first, simple(1, 5n), ...third];
      const values: (LiveValue | null)[] = [null, null, null];
      expect(writeSingleRow(row(cells), I64_MIN, two, values)).toBe(true);
      expect(elements(values[0])).toEqual(all);
      expect(elements(values[2])).toEqual(all);
      // the lists are the row's own, sized to their cells
      const v = values[0];
      if (v === null || v === undefined || !isComplexValue(v)) throw new Error('expected a collection');
      const list = v.cells;
      expect(list).not.toBe(cells);
      expect(list.length).toBe(n);
      expect((values[1] as Cell).column).toBe(1);
    }
  });

  it('drops deleted, expired and shadowed elements, and an all-dead collection', () => {
    const live = setCells([1, 3], 5n, 0);
    const tombstone = setCells([2], 5n, 4, NOW - 10)[0] as ViewCell;
    const first = live[0] as ViewCell;
    const expired = new ViewCell(0, 5n, 10, NOW - 1, first.buf, 0, 0, first.pathOffset, 2);
    const cells: Cell[] = [first, tombstone, live[1] as Cell, ...atColumn(2, setCells([7], 3n, 0))];
    let values: (LiveValue | null)[] = [null, null, null];
    writeSingleRow(row(cells), I64_MIN, two, values);
    expect(elements(values[0])).toEqual([1, 3]);
    expect(elements(values[2])).toEqual([7]);
    // a deletion at 4 over the row shadows column 2's element (timestamp 3); column 0 holds an expired cell only
    values = [null, null, null];
    const withExpired: Cell[] = [expired, ...atColumn(2, setCells([7], 3n, 0))];
    expect(writeSingleRow(row(withExpired), 4n, two, values)).toBe(false);
    expect(values).toEqual([null, null, null]);
  });
});
