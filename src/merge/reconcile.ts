/**
 * Reconciliation of two versions of one cell, and of two row liveness infos (§9.1, §9.3, §9.4).
 * Shadowing by deletions is applied by the caller BEFORE these rules (Cells.reconcile(existing, update,
 * deletion) drops deleted cells first), which matters for counters, where a tombstone beats any live cell.
 */
import { EXPIRED_LIVENESS_TTL, I64_MIN, NO_DELETION_TIME, NO_TTL, ViewCell } from '../sstable/model.js';
import type { Cell, Liveness } from '../sstable/model.js';
import { compareSigned, compareSignedRanges } from './bytes.js';

export type CounterMerge = (a: Uint8Array, b: Uint8Array) => Uint8Array;

/**
 * Cell.isLive: no deletion time, or expiring and not yet expired (`now < localDeletionTime`, signed i32,
 * so overflowed negative expiration times count as already expired; pitfall P17). An expired cell
 * behaves as a tombstone.
 */
export function cellIsLive(c: Cell, nowInSec: number): boolean {
  const ldt = c.localDeletionTime;
  return ldt === NO_DELETION_TIME || (c.ttl !== NO_TTL && nowInSec < ldt);
}

/**
 * Conflicts.resolveRegular, 3.0.17+/3.11.3+ (CASSANDRA-14592), independent of the clock: higher timestamp;
 * then the cell that has a localDeletionTime (tombstone or expiring); then the greater value by Java
 * ByteBuffer.compareTo (signed bytes); then the greater localDeletionTime. A complete tie between a
 * tombstone and an expiring cell goes to the tombstone (as Cells.resolveRegular does in 4.0+), so that
 * the result never depends on the order of the sources.
 */
export function resolveRegular(a: Cell, b: Cell): Cell {
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp ? a : b;
  const aDel = a.localDeletionTime !== NO_DELETION_TIME;
  const bDel = b.localDeletionTime !== NO_DELETION_TIME;
  if (aDel !== bDel) return aDel ? a : b;
  const c = compareValues(a, b);
  if (c !== 0) return c > 0 ? a : b;
  if (a.localDeletionTime !== b.localDeletionTime) return a.localDeletionTime > b.localDeletionTime ? a : b;
  if ((a.ttl === NO_TTL) !== (b.ttl === NO_TTL)) return a.ttl === NO_TTL ? a : b;
  return a;
}

/**
 * compareSigned of the two cells' values. Replicas and overlapping SSTables mostly hold the same cell
 * (same timestamp), so this runs for most cells of a merge: cells still in their chunk are compared in
 * place, without the two views `value` would make.
 */
function compareValues(a: Cell, b: Cell): number {
  if (a instanceof ViewCell && b instanceof ViewCell) return compareSignedRanges(a.buf, a.valueOffset, a.valueLength, b.buf, b.valueOffset, b.valueLength);
  return compareSigned(a.value, b.value);
}

/**
 * Counter cells (Conflicts.resolveCounter; 2.x AbstractCell.reconcileCounter):
 * - a tombstone beats every live counter cell whatever the timestamps (CASSANDRA-7346); of two
 *   tombstones the higher timestamp (then the greater localDeletionTime) wins;
 * - 2.x: a live cell whose timestamp is below the other's timestampOfLastDelete loses;
 * - an empty value wins over a non-empty one (CASSANDRA-11726);
 * - otherwise the contexts are merged (§8.5) and the timestamp is the max of both.
 */
export function resolveCounter(a: Cell, b: Cell, nowInSec: number, merge: CounterMerge): Cell {
  const aDead = !cellIsLive(a, nowInSec);
  const bDead = !cellIsLive(b, nowInSec);
  if (aDead || bDead) {
    if (aDead !== bDead) return aDead ? a : b;
    if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp ? a : b;
    return a.localDeletionTime >= b.localDeletionTime ? a : b;
  }
  const aLastDelete = a.counterLastDelete ?? I64_MIN;
  const bLastDelete = b.counterLastDelete ?? I64_MIN;
  if (a.timestamp < bLastDelete) return b;
  if (b.timestamp < aLastDelete) return a;
  const aEmpty = a.value.length === 0;
  const bEmpty = b.value.length === 0;
  if (aEmpty || bEmpty) {
    if (aEmpty !== bEmpty) return aEmpty ? a : b;
    return a.timestamp >= b.timestamp ? a : b;
  }
  const merged: Cell = {
    column: a.column,
    path: a.path,
    timestamp: a.timestamp > b.timestamp ? a.timestamp : b.timestamp,
    ttl: NO_TTL,
    localDeletionTime: NO_DELETION_TIME,
    value: merge(a.value, b.value),
  };
  if (a.counterLastDelete !== undefined || b.counterLastDelete !== undefined) {
    return { ...merged, counterLastDelete: aLastDelete > bLastDelete ? aLastDelete : bLastDelete };
  }
  return merged;
}

/** LivenessInfo.isLive: not empty, not the expired-liveness marker, and `now < localExpirationTime` if TTL'd. */
export function livenessIsLive(l: Liveness, nowInSec: number): boolean {
  if (l.timestamp === I64_MIN) return false;
  if (l.ttl === NO_TTL) return true;
  return l.ttl !== EXPIRED_LIVENESS_TTL && nowInSec < l.localExpirationTime;
}

/**
 * LivenessInfo.supersedes (3.0.16+/3.11.2+): higher timestamp; on a tie the expired-liveness marker
 * (TTL 0x7FFFFFFF) wins; if both or neither are TTL'd the greater localExpirationTime wins (no TTL counts
 * as 0x7FFFFFFF); otherwise the TTL'd one wins.
 */
export function livenessSupersedes(a: Liveness, b: Liveness): boolean {
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const aExpired = a.ttl === EXPIRED_LIVENESS_TTL;
  const bExpired = b.ttl === EXPIRED_LIVENESS_TTL;
  if (aExpired !== bExpired) return aExpired;
  const aExpiring = a.ttl !== NO_TTL;
  const bExpiring = b.ttl !== NO_TTL;
  if (aExpiring === bExpiring) {
    const ae = aExpiring ? a.localExpirationTime : NO_DELETION_TIME;
    const be = bExpiring ? b.localExpirationTime : NO_DELETION_TIME;
    return ae > be;
  }
  return aExpiring;
}
