/**
 * The row a 2.x partition is assembling (partition.ts), and the cells and rows it emits. Everything here runs
 * per atom or per row, so it avoids allocations a row does not keep.
 */
import {
  sortCellsByColumn, ViewCell, EMPTY_LIVENESS, LIVE,
  type Cell, type ClusteringValues, type ComplexDeletions, type DeletionTime, type Liveness, type Row,
} from '../model.js';
import { supersedes } from './tombstones.js';

const EMPTY = new Uint8Array(0);

/**
 * ComplexDeletions holding up to two columns in fields (a CQL row has few collections; arrays or a Map
 * would cost several allocations per row), more in an array.
 */
export class FewDeletions implements ComplexDeletions {
  private c0 = -1;
  private d0: DeletionTime = LIVE;
  private c1 = -1;
  private d1: DeletionTime = LIVE;
  private more: [number, DeletionTime][] | null = null;

  /** Records `del` for `column` unless the one it has supersedes it (DeletionTime.supersedes). */
  merge(column: number, del: DeletionTime): void {
    if (this.c0 === column) {
      if (supersedes(del, this.d0)) this.d0 = del;
    } else if (this.c1 === column) {
      if (supersedes(del, this.d1)) this.d1 = del;
    } else if (this.c0 < 0) {
      this.c0 = column;
      this.d0 = del;
    } else if (this.c1 < 0) {
      this.c1 = column;
      this.d1 = del;
    } else {
      const more = (this.more ??= []);
      for (const e of more) {
        if (e[0] === column) {
          if (supersedes(del, e[1])) e[1] = del;
          return;
        }
      }
      more.push([column, del]);
    }
  }

  get(column: number): DeletionTime | undefined {
    if (this.c0 === column) return this.d0;
    if (this.c1 === column) return this.d1;
    if (this.more !== null) for (const e of this.more) if (e[0] === column) return e[1];
    return undefined;
  }

  keys(): Iterable<number> {
    return this.entries().map((e) => e[0]);
  }

  [Symbol.iterator](): Iterator<[number, DeletionTime]> {
    return this.entries()[Symbol.iterator]();
  }

  /** in insertion order, as a Map would give them */
  private entries(): [number, DeletionTime][] {
    const out: [number, DeletionTime][] = [];
    if (this.c0 >= 0) out.push([this.c0, this.d0]);
    if (this.c1 >= 0) out.push([this.c1, this.d1]);
    if (this.more !== null) out.push(...this.more);
    return out;
  }
}

/** The row under construction: a Row whose fields the builder still sets. */
interface RowInProgress {
  readonly kind: 'row';
  readonly isStatic: boolean;
  readonly clustering: ClusteringValues;
  liveness: Liveness;
  deletion: DeletionTime;
  readonly cells: Cell[];
  complexDeletions: FewDeletions | undefined;
}

/** A row with no cells yet; one object shape for every row keeps the merge's property accesses monomorphic. */
function newRow(clustering: ClusteringValues, isStatic: boolean): RowInProgress {
  return { kind: 'row', isStatic, clustering, liveness: EMPTY_LIVENESS, deletion: LIVE, cells: [], complexDeletions: undefined };
}

/** The builder's row between `take` and `start`: frozen (its cells too), so that a stray write throws. */
const TAKEN: RowInProgress = newRow([], false);
Object.freeze(TAKEN.cells);
Object.freeze(TAKEN.clustering);
Object.freeze(TAKEN);

/**
 * The row being built. One instance is reused from row to row (reset by `start`); `take` hands its content
 * over as an immutable Row. `keyBuf[keyStart, keyEnd)` are the bytes naming its clustering
 * (CompositeScan.key, or the raw name of a non-compound table).
 *
 * The builder lives long and so in the old generation, where every store of a young object pays the
 * write barrier's slow path. The row's own fields are therefore set on a new object made by `start`
 * (young, like what is stored in it), which `take` hands over as the Row: one such store per row
 * instead of one per field.
 */
export class RowBuilder {
  keyBuf: Uint8Array = EMPTY;
  keyStart = 0;
  keyEnd = 0;
  /** the key's bytes as big-endian i32 words (the last partial word left out), for hasKey */
  private words = new Int32Array(8);
  private wordCount = 0;
  private r: RowInProgress = newRow([], false);

  get clustering(): ClusteringValues {
    return this.r.clustering;
  }

  get isStatic(): boolean {
    return this.r.isStatic;
  }

  get cells(): Cell[] {
    return this.r.cells;
  }

  get liveness(): Liveness {
    return this.r.liveness;
  }

  set liveness(l: Liveness) {
    this.r.liveness = l;
  }

  get deletion(): DeletionTime {
    return this.r.deletion;
  }

  set deletion(d: DeletionTime) {
    this.r.deletion = d;
  }

  start(keyBuf: Uint8Array, keyStart: number, keyEnd: number, clustering: ClusteringValues, isStatic: boolean): void {
    this.keyBuf = keyBuf;
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    const wc = (keyEnd - keyStart) >> 2;
    if (wc > this.words.length) this.words = new Int32Array(wc);
    for (let w = 0, p = keyStart; w < wc; w++, p += 4) {
      this.words[w] = ((keyBuf[p] as number) << 24) | ((keyBuf[p + 1] as number) << 16) | ((keyBuf[p + 2] as number) << 8) | (keyBuf[p + 3] as number);
    }
    this.wordCount = wc;
    this.r = newRow(clustering, isStatic);
  }

  /**
   * buf[start, end) are this row's key bytes; `dv` is a DataView of exactly `buf`. Runs for every atom,
   * hence the word compares.
   */
  hasKey(buf: Uint8Array, dv: DataView, start: number, end: number): boolean {
    const n = this.keyEnd - this.keyStart;
    if (n !== end - start) return false;
    const words = this.words;
    const wc = this.wordCount;
    let p = start;
    for (let w = 0; w < wc; w++, p += 4) if (dv.getInt32(p) !== words[w]) return false;
    const k = this.keyBuf;
    for (let i = this.keyStart + (wc << 2); p < end; i++, p++) if (k[i] !== buf[p]) return false;
    return true;
  }

  setComplexDeletion(column: number, del: DeletionTime): void {
    const r = this.r;
    (r.complexDeletions ??= new FewDeletions()).merge(column, del);
  }

  /** The row, its cells re-sorted by column ordinal when the name order differs (`needSort`). */
  take(needSort: boolean): Row {
    const r = this.r;
    this.r = TAKEN;
    if (needSort) sortCellsByColumn(r.cells);
    return r;
  }
}

/**
 * A cell whose name component (path) and value stay unsliced in the chunk buffer (ViewCell); counter
 * cells, rare, carry their last-delete timestamp in a plain object.
 */
export function makeCell(column: number, buf: Uint8Array, pOff: number, pLen: number, timestamp: bigint, ttl: number, localDeletionTime: number, vOff: number, vLen: number, lastDelete: bigint | null): Cell {
  if (lastDelete === null) return new ViewCell(column, timestamp, ttl, localDeletionTime, buf, vOff, vLen, pOff, pLen);
  const path = pOff < 0 ? null : buf.subarray(pOff, pOff + pLen);
  return { column, path, timestamp, ttl, localDeletionTime, value: buf.subarray(vOff, vOff + vLen), counterLastDelete: lastDelete };
}
