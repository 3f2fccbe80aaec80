/**
 * One CQL row from the versions of one clustering (or static) row found in the sources: deletions are
 * applied, cells reconciled, and the live values written out (§9.2, §9.3). Rows arrive with their cells
 * sorted by column ordinal, then path.
 */
import { AgentError } from '../errors.js';
import { EXPIRED_LIVENESS_TTL, I64_MIN, ViewCell } from '../sstable/model.js';
import type { Cell, Liveness, Row } from '../sstable/model.js';
import type { LiveValue } from './rows.js';
import { bytesEqual, compareSignedRanges, compareUnsigned } from './bytes.js';
import type { ValueComparator } from './clustering-order.js';
import { cellIsLive, livenessIsLive, livenessSupersedes, resolveCounter, resolveRegular } from './reconcile.js';
import type { CounterMerge } from './reconcile.js';

export interface RowContext {
  readonly nowInSec: number;
  /** per column ordinal: 1 = multi-cell (non-frozen collection or UDT) */
  readonly multiCell: Uint8Array;
  /** per column ordinal: 1 = counter */
  readonly counter: Uint8Array;
  readonly mergeCounterContexts: CounterMerge;
  /** per column ordinal: the cell-path order of a multi-cell column; unsigned bytes when absent */
  readonly pathComparators: readonly (ValueComparator | undefined)[] | undefined;
}

type ComplexCell = Cell;

const EMPTY = new Uint8Array(0);

function unknownColumn(col: number): AgentError {
  return new AgentError('E_SCHEMA', `cell names column ordinal ${col}, which the table schema does not have`);
}

/**
 * The deletion that applies to the row's cells once the row's liveness is known; liveness whose TTL is
 * EXPIRED_LIVENESS_TTL (materialized views) acts as a primary-key deletion at its timestamp.
 */
function livenessDeletion(l: Liveness, del: bigint): bigint {
  return l.ttl === EXPIRED_LIVENESS_TTL && l.timestamp > del ? l.timestamp : del;
}

/**
 * Writes the live values of one row into `values` (indexed by column ordinal). `outerDel` is the
 * markedForDeleteAt of the deletions covering the row from outside (partition, range tombstones).
 * Returns whether the row exists: live liveness or at least one live cell.
 */
export function writeSingleRow(row: Row, outerDel: bigint, ctx: RowContext, values: (LiveValue | null)[]): boolean {
  const now = ctx.nowInSec;
  let del = row.deletion.markedForDeleteAt > outerDel ? row.deletion.markedForDeleteAt : outerDel;
  const lv = row.liveness;
  del = livenessDeletion(lv, del);
  let exists = lv.timestamp > del && livenessIsLive(lv, now);
  // most rows have no deletion over them: skip the per-cell BigInt comparison then
  const deleted = del !== I64_MIN;
  const cells = row.cells;
  const n = cells.length;
  const multi = ctx.multiCell;
  let i = 0;
  while (i < n) {
    const cell = cells[i] as Cell;
    const col = cell.column;
    const kind = multi[col];
    if (kind === undefined) throw unknownColumn(col);
    if (kind === 0) {
      i++;
      if ((!deleted || cell.timestamp > del) && cellIsLive(cell, now)) {
        values[col] = cell;
        exists = true;
      }
      continue;
    }
    let cdel = del;
    const cd = row.complexDeletions?.get(col);
    if (cd !== undefined && cd.markedForDeleteAt > cdel) cdel = cd.markedForDeleteAt;
    // the column's cells are cells[start, i); usually all live, and then copied at their exact size
    const start = i;
    let liveCount = 0;
    for (; i < n; i++) {
      const c = cells[i] as Cell;
      if (c.column !== col) break;
      if (c.timestamp > cdel && cellIsLive(c, now)) liveCount++;
    }
    if (liveCount > 0) {
      values[col] = { kind: 'complex', cells: liveCount === i - start ? cellSpan(cells, start, i) : liveCells(cells, start, i, cdel, now) };
      exists = true;
    }
  }
  return exists;
}

/**
 * list[start, end) as a list of its own, at its exact size (a list grown by push holds 17 slots for one
 * cell); literals for the short ones (inline allocation, no builtin call).
 */
export function cellSpan(list: readonly Cell[], start: number, end: number): Cell[] {
  switch (end - start) {
    case 1: return [list[start] as Cell];
    case 2: return [list[start] as Cell, list[start + 1] as Cell];
    case 3: return [list[start] as Cell, list[start + 1] as Cell, list[start + 2] as Cell];
    case 4: return [list[start] as Cell, list[start + 1] as Cell, list[start + 2] as Cell, list[start + 3] as Cell];
    default: return list.slice(start, end);
  }
}

/** The cells of cells[start, end) above `cdel` and live. */
function liveCells(cells: readonly Cell[], start: number, end: number, cdel: bigint, now: number): ComplexCell[] {
  const live: ComplexCell[] = [];
  for (let k = start; k < end; k++) {
    const c = cells[k] as Cell;
    if (c.timestamp > cdel && cellIsLive(c, now)) live.push(c);
  }
  return live;
}

/**
 * writeSingleRow for the versions rows[0..n) of one row from different sources: liveness by
 * LivenessInfo.supersedes, deletions by max markedForDeleteAt, cells by (column, path) through the
 * reconcile rules after shadowing. Paths of a multi-cell column are ordered by ctx.pathComparators
 * (unsigned bytes by default) when more than one source has cells for it.
 */
export function writeMergedRow(rows: readonly Row[], n: number, outerDel: bigint, ctx: RowContext, values: (LiveValue | null)[]): boolean {
  const now = ctx.nowInSec;
  const first = rows[0] as Row;
  let lv = first.liveness;
  let del = outerDel;
  for (let j = 0; j < n; j++) {
    const r = rows[j] as Row;
    if (j > 0 && livenessSupersedes(r.liveness, lv)) lv = r.liveness;
    if (r.deletion.markedForDeleteAt > del) del = r.deletion.markedForDeleteAt;
  }
  del = livenessDeletion(lv, del);
  let exists = lv.timestamp > del && livenessIsLive(lv, now);

  const pos = new Array<number>(n).fill(0);
  for (;;) {
    let col = -1;
    for (let j = 0; j < n; j++) {
      const c = (rows[j] as Row).cells[pos[j] as number];
      if (c !== undefined && (col < 0 || c.column < col)) col = c.column;
    }
    if (col < 0) break;
    const kind = ctx.multiCell[col];
    if (kind === undefined) throw unknownColumn(col);
    const isCounter = ctx.counter[col] === 1;
    if (kind === 0) {
      let win: Cell | null = null;
      for (let j = 0; j < n; j++) {
        const c = (rows[j] as Row).cells[pos[j] as number];
        if (c === undefined || c.column !== col) continue;
        pos[j] = (pos[j] as number) + 1;
        if (c.timestamp <= del) continue;
        win = win === null ? c : isCounter ? resolveCounter(win, c, now, ctx.mergeCounterContexts) : resolveRegular(win, c);
      }
      if (win !== null && cellIsLive(win, now)) {
        values[col] = win;
        exists = true;
      }
      continue;
    }
    const live = mergeComplex(rows, n, pos, col, del, isCounter, ctx);
    if (live !== null) {
      values[col] = { kind: 'complex', cells: live };
      exists = true;
    }
  }
  return exists;
}

/** Byte-equal paths of a and b (in place for ViewCells). */
function samePath(a: Cell, b: Cell): boolean {
  if (a instanceof ViewCell && b instanceof ViewCell) {
    if ((a.pathOffset < 0) !== (b.pathOffset < 0)) return false;
    return compareSignedRanges(a.buf, a.pathOffset, a.pathLength, b.buf, b.pathOffset, b.pathLength) === 0;
  }
  return bytesEqual(a.path ?? EMPTY, b.path ?? EMPTY);
}

/** `runs` runs of equal length in `gathered`, whose k-th cells all have byte-equal paths. */
function pathsAligned(gathered: readonly Cell[], runs: number): boolean {
  const m = gathered.length / runs;
  for (let k = 0; k < m; k++) {
    const first = gathered[k] as Cell;
    for (let r = 1; r < runs; r++) if (!samePath(first, gathered[r * m + k] as Cell)) return false;
  }
  return true;
}

/** The live cells of multi-cell column `col` across rows[0..n); advances pos past them. */
function mergeComplex(rows: readonly Row[], n: number, pos: number[], col: number, del: bigint, isCounter: boolean, ctx: RowContext): ComplexCell[] | null {
  const now = ctx.nowInSec;
  let cdel = del;
  for (let j = 0; j < n; j++) {
    const cd = (rows[j] as Row).complexDeletions?.get(col);
    if (cd !== undefined && cd.markedForDeleteAt > cdel) cdel = cd.markedForDeleteAt;
  }
  const gathered: Cell[] = [];
  let sources = 0;
  // the unshadowed cells of each source holding any are a run of gathered; aligned: runs of one length
  let runs = 0;
  let runLength = 0;
  let aligned = true;
  for (let j = 0; j < n; j++) {
    const cells = (rows[j] as Row).cells;
    let p = pos[j] as number;
    const start = p;
    const before = gathered.length;
    for (; p < cells.length; p++) {
      const c = cells[p] as Cell;
      if (c.column !== col) break;
      if (c.timestamp > cdel) gathered.push(c);
    }
    pos[j] = p;
    if (p > start) sources++;
    const len = gathered.length - before;
    if (len > 0) {
      if (runs === 0) runLength = len;
      else if (len !== runLength) aligned = false;
      runs++;
    }
  }
  if (gathered.length === 0) return null;
  let live: ComplexCell[] | null = null;
  if (sources === 1) {
    // one source: its cells are distinct and in path order already
    for (const c of gathered) if (cellIsLive(c, now)) (live ??= []).push(c);
    return live;
  }
  if (aligned && runs > 1 && pathsAligned(gathered, runs)) {
    // every source holds the same paths (replicas in agreement): each source's cells are in path order,
    // so the k-th cells of all sources are the versions of one cell; reconciled in source order, as
    // the stable sort below would
    const m = gathered.length / runs;
    for (let k = 0; k < m; k++) {
      let win = gathered[k] as Cell;
      for (let r = 1; r < runs; r++) {
        const c = gathered[r * m + k] as Cell;
        win = isCounter ? resolveCounter(win, c, now, ctx.mergeCounterContexts) : resolveRegular(win, c);
      }
      if (cellIsLive(win, now)) (live ??= []).push(win);
    }
    return live;
  }
  const cmp = ctx.pathComparators?.[col] ?? compareUnsigned;
  // each path made once (a ViewCell makes a view per `path` read), then the cells sorted by it;
  // Array.prototype.sort is stable: cells of one path stay in source order, and one source's cells keep theirs.
  const paths = gathered.map((c) => c.path ?? EMPTY);
  const order = gathered.map((_, i) => i);
  order.sort((a, b) => cmp(paths[a] as Uint8Array, paths[b] as Uint8Array));
  for (let i = 0; i < order.length; ) {
    const first = order[i] as number;
    let win = gathered[first] as Cell;
    const path = paths[first] as Uint8Array;
    let k = i + 1;
    for (; k < order.length; k++) {
      const o = order[k] as number;
      if (cmp(path, paths[o] as Uint8Array) !== 0) break;
      const c = gathered[o] as Cell;
      win = isCounter ? resolveCounter(win, c, now, ctx.mergeCounterContexts) : resolveRegular(win, c);
    }
    i = k;
    if (cellIsLive(win, now)) (live ??= []).push(win);
  }
  return live;
}
