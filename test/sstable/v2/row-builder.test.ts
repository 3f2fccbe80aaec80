import { describe, expect, it } from 'vitest';
import { LIVE, EMPTY_LIVENESS, ViewCell, type DeletionTime } from '../../../src/sstable/model.js';
import { RowBuilder, makeCell } from '../../../src/sstable/v2/row-builder.js';

const key = new Uint8Array([0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 9, 0]);
const del = (ts: bigint): DeletionTime => ({ markedForDeleteAt: ts, localDeletionTime: 100 });

describe('RowBuilder', () => {
  it('hands each row over as its own object: the next row never changes a taken one', () => {
    const b = new RowBuilder();
    b.start(key, 0, 10, [key.subarray(2, 10)], false);
    b.cells.push(makeCell(1, key, -1, 0, 5n, 0, 0, 2, 8, null));
    b.liveness = { timestamp: 5n, ttl: 0, localExpirationTime: 0x7fffffff };
    b.setComplexDeletion(3, del(4n));
    const first = b.take(false);

    b.start(key, 11, 21, [key.subarray(13, 21)], false);
    b.cells.push(makeCell(2, key, -1, 0, 6n, 0, 0, 13, 8, null));
    b.deletion = del(9n);
    b.setComplexDeletion(3, del(7n));
    const second = b.take(false);

    expect(first).not.toBe(second);
    expect(first.cells.map((c) => c.column)).toEqual([1]);
    expect(first.liveness.timestamp).toBe(5n);
    expect(first.deletion).toBe(LIVE);
    expect(first.complexDeletions?.get(3)?.markedForDeleteAt).toBe(4n);
    expect(first.clustering[0]).toEqual(key.subarray(2, 10));

    expect(second.cells.map((c) => c.column)).toEqual([2]);
    expect(second.cells[0]).toBeInstanceOf(ViewCell);
    expect(second.liveness).toBe(EMPTY_LIVENESS);
    expect(second.deletion.markedForDeleteAt).toBe(9n);
    expect(second.complexDeletions?.get(3)?.markedForDeleteAt).toBe(7n);
  });

  it('refuses writes between take and the next start, rather than losing them', () => {
    const b = new RowBuilder();
    b.start(key, 0, 10, [key.subarray(2, 10)], false);
    b.take(false);
    expect(() => b.cells.push(makeCell(1, key, -1, 0, 5n, 0, 0, 2, 8, null))).toThrow(TypeError);
    expect(() => {
      b.deletion = del(1n);
    }).toThrow(TypeError);
  });

  it('matches keys by bytes wherever they lie', () => {
    const b = new RowBuilder();
    b.start(key, 0, 10, [key.subarray(2, 10)], false);
    const other = new Uint8Array(40);
    other.set(key.subarray(0, 10), 17);
    const dv = new DataView(other.buffer);
    expect(b.hasKey(other, dv, 17, 27)).toBe(true);
    other[25] = 99;
    expect(b.hasKey(other, dv, 17, 27)).toBe(false);
    expect(b.hasKey(other, dv, 17, 26)).toBe(false);
  });
});
