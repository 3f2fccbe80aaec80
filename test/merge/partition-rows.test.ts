/**
 * PartitionRows: live static values repeated on every row of their partition, the static-only row when
 * nothing else of the partition is live, and nothing carried from one partition to the next (§9.3).
 */
import { describe, expect, it } from 'vitest';
import { PartitionRows } from '../../src/merge/partition-rows.js';
import type { CqlRow } from '../../src/merge/rows.js';
import { ViewCell } from '../../src/sstable/model.js';

const cell = (column: number, byte: number): ViewCell => new ViewCell(column, 1n, 0, 0x7fffffff, new Uint8Array([byte]), 0, 1, -1, 0);
const ck = (b: number): Uint8Array => new Uint8Array([b]);
const shape = (rows: CqlRow[]): unknown[] =>
  rows.map((r) => ({ key: [...r.partitionKey], clustering: r.clustering.map((c) => (c === null ? null : [...c])), values: r.values.map((v) => (v instanceof ViewCell ? v.buf[v.valueOffset] : v)) }));

describe('PartitionRows', () => {
  it('repeats the static values on every row, and yields a static-only row only when no row came', () => {
    const p = new PartitionRows(3, 1);
    const out: CqlRow[] = [];
    p.start(new Uint8Array([1]));
    const s = p.values();
    s[0] = cell(0, 7);
    p.statics(s, true);
    const a = p.values();
    a[2] = cell(2, 9);
    p.emit(out, [ck(1)], a);
    p.end(out);
    // a partition with live statics only
    p.start(new Uint8Array([2]));
    const s2 = p.values();
    s2[0] = cell(0, 5);
    p.statics(s2, true);
    p.end(out);
    // a partition without statics: nothing carried over from the last one
    p.start(new Uint8Array([3]));
    const b = p.values();
    b[1] = cell(1, 4);
    p.emit(out, [ck(2)], b);
    p.end(out);
    // statics that are not live yield no row
    p.start(new Uint8Array([4]));
    p.statics(p.values(), false);
    p.end(out);
    expect(shape(out)).toEqual([
      { key: [1], clustering: [[1]], values: [7, null, 9] },
      { key: [2], clustering: [null], values: [5, null, null] },
      { key: [3], clustering: [[2]], values: [null, 4, null] },
    ]);
  });

  it('hands out a fresh values array each time', () => {
    const p = new PartitionRows(2, 0);
    const a = p.values();
    a[0] = cell(0, 1);
    expect(p.values()).toEqual([null, null]);
  });
});
