import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cellIsLive, livenessIsLive, livenessSupersedes, resolveCounter, resolveRegular } from '../../src/merge/reconcile.js';
import { compareSigned, compareSignedRanges } from '../../src/merge/bytes.js';
import { EXPIRED_LIVENESS_TTL, I64_MIN, NO_DELETION_TIME, ViewCell } from '../../src/sstable/model.js';
import type { Cell, Liveness } from '../../src/sstable/model.js';

const NOW = 1_700_000_000;

function cell(timestamp: number, value: number[], o: { ttl?: number; ldt?: number; lastDelete?: bigint } = {}): Cell {
  const c: Cell = {
    column: 0,
    path: null,
    timestamp: BigInt(timestamp),
    ttl: o.ttl ?? 0,
    localDeletionTime: o.ldt ?? NO_DELETION_TIME,
    value: new Uint8Array(value),
  };
  return o.lastDelete === undefined ? c : { ...c, counterLastDelete: o.lastDelete };
}
const tomb = (timestamp: number, ldt = NOW - 10): Cell => cell(timestamp, [], { ldt });
const expiring = (timestamp: number, value: number[], expiresAt: number, ttl = 60): Cell => cell(timestamp, value, { ttl, ldt: expiresAt });

/** test counter contexts: pairs (shard id, count); merge keeps the higher count per shard */
function mergeCounters(a: Uint8Array, b: Uint8Array): Uint8Array {
  const m = new Map<number, number>();
  for (const x of [a, b]) for (let i = 0; i + 1 < x.length; i += 2) m.set(x[i] as number, Math.max(m.get(x[i] as number) ?? 0, x[i + 1] as number));
  return new Uint8Array([...m.entries()].sort((p, q) => p[0] - q[0]).flat());
}

describe('cellIsLive', () => {
  it('regular cells are live, tombstones are not', () => {
    expect(cellIsLive(cell(1, [1]), NOW)).toBe(true);
    expect(cellIsLive(tomb(1), NOW)).toBe(false);
  });
  it('expiring cells are live while now < localDeletionTime', () => {
    expect(cellIsLive(expiring(1, [1], NOW + 1), NOW)).toBe(true);
    expect(cellIsLive(expiring(1, [1], NOW), NOW)).toBe(false);
    expect(cellIsLive(expiring(1, [1], NOW - 1), NOW)).toBe(false);
  });
  it('treats an overflowed (negative) expiration time as expired (P17)', () => {
    expect(cellIsLive(expiring(1, [1], -2_000_000_000), NOW)).toBe(false);
  });
});

describe('resolveRegular', () => {
  it('the higher timestamp wins whatever the kind', () => {
    expect(resolveRegular(cell(2, [1]), tomb(1))).toMatchObject({ timestamp: 2n });
    expect(resolveRegular(cell(1, [9]), tomb(2))).toMatchObject({ timestamp: 2n, value: new Uint8Array() });
  });
  it('on a tie the cell with a localDeletionTime wins (CASSANDRA-14592), independent of now', () => {
    const live = cell(5, [0x7f]);
    const exp = expiring(5, [0x01], NOW + 1000);
    expect(resolveRegular(live, exp)).toBe(exp);
    expect(resolveRegular(exp, live)).toBe(exp);
    const t = tomb(5);
    expect(resolveRegular(live, t)).toBe(t);
    expect(resolveRegular(t, live)).toBe(t);
  });
  it('then the greater value by signed bytes wins', () => {
    const a = cell(5, [0x7f]);
    const b = cell(5, [0x80]);
    expect(resolveRegular(a, b)).toBe(a);
    expect(resolveRegular(b, a)).toBe(a);
    const prefix = cell(5, [1]);
    const longer = cell(5, [1, 0]);
    expect(resolveRegular(prefix, longer)).toBe(longer);
  });
  it('then the greater localDeletionTime wins', () => {
    const shorter = expiring(5, [1], NOW + 10);
    const longer = expiring(5, [1], NOW + 20);
    expect(resolveRegular(shorter, longer)).toBe(longer);
    expect(resolveRegular(longer, shorter)).toBe(longer);
  });
  it('is commutative up to identical cells (property)', () => {
    const arb = fc.record({
      ts: fc.integer({ min: 0, max: 3 }),
      value: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 2 }),
      kind: fc.constantFrom('live', 'tomb', 'exp'),
      ldt: fc.integer({ min: NOW - 2, max: NOW + 2 }),
    }).map((r) => (r.kind === 'live' ? cell(r.ts, r.value) : r.kind === 'tomb' ? cell(r.ts, [], { ldt: r.ldt }) : expiring(r.ts, r.value, r.ldt)));
    fc.assert(fc.property(arb, arb, (a, b) => {
      const x = resolveRegular(a, b);
      const y = resolveRegular(b, a);
      expect(x.timestamp).toBe(y.timestamp);
      expect(x.localDeletionTime).toBe(y.localDeletionTime);
      expect(x.ttl).toBe(y.ttl);
      expect(compareSigned(x.value, y.value)).toBe(0);
    }), { numRuns: 2000 });
  });
});

describe('resolveRegular on cells still in their chunk (ViewCell)', () => {
  /** the cell's value placed at `at` in a buffer of other bytes, as a decoder leaves it */
  const inChunk = (c: Cell, at: number, fill: number): ViewCell => {
    const buf = new Uint8Array(at + c.value.length + 3).fill(fill);
    buf.set(c.value, at);
    return new ViewCell(c.column, c.timestamp, c.ttl, c.localDeletionTime, buf, at, c.value.length, -1, 0);
  };
  const arbCell = fc.record({
    ts: fc.integer({ min: 1, max: 3 }),
    value: fc.uint8Array({ maxLength: 4 }),
    kind: fc.constantFrom('live', 'tomb', 'expiring'),
  }).map(({ ts, value, kind }) => (kind === 'live' ? cell(ts, [...value]) : kind === 'tomb' ? tomb(ts) : expiring(ts, [...value], NOW + 5)));

  it('picks the same version as with plain cells, in either order, wherever the values lie', () => {
    fc.assert(fc.property(arbCell, arbCell, fc.nat(9), fc.nat(9), fc.nat(255), (a, b, atA, atB, fill) => {
      const va = inChunk(a, atA, fill);
      const vb = inChunk(b, atB, 255 - fill);
      const plain = resolveRegular(a, b) === a;
      expect(resolveRegular(va, vb) === va).toBe(plain);
      expect(resolveRegular(va, b) === va).toBe(plain);
      expect(resolveRegular(a, vb) === a).toBe(plain);
    }));
  });

  it('compareSignedRanges is compareSigned of the two ranges', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), fc.nat(12), fc.nat(12), fc.nat(12), fc.nat(12), (a, b, s1, l1, s2, l2) => {
      const as = Math.min(s1, a.length);
      const al = Math.min(l1, a.length - as);
      const bs = Math.min(s2, b.length);
      const bl = Math.min(l2, b.length - bs);
      expect(Math.sign(compareSignedRanges(a, as, al, b, bs, bl))).toBe(Math.sign(compareSigned(a.subarray(as, as + al), b.subarray(bs, bs + bl))));
    }));
  });
});

describe('resolveCounter', () => {
  it('a tombstone beats a live counter cell with a higher timestamp (CASSANDRA-7346)', () => {
    const t = tomb(1);
    expect(resolveCounter(cell(100, [1, 5]), t, NOW, mergeCounters)).toBe(t);
    expect(resolveCounter(t, cell(100, [1, 5]), NOW, mergeCounters)).toBe(t);
  });
  it('two tombstones: the higher timestamp', () => {
    const a = tomb(3);
    const b = tomb(4);
    expect(resolveCounter(a, b, NOW, mergeCounters)).toBe(b);
  });
  it('two live cells merge their contexts with the max timestamp', () => {
    const r = resolveCounter(cell(3, [1, 5, 2, 1]), cell(7, [1, 4, 3, 9]), NOW, mergeCounters);
    expect(r.timestamp).toBe(7n);
    expect([...r.value]).toEqual([1, 5, 2, 1, 3, 9]);
    expect(r.localDeletionTime).toBe(NO_DELETION_TIME);
  });
  it('2.x: a live cell older than the other cell last delete loses', () => {
    const old = cell(3, [1, 5]);
    const fresh = cell(10, [2, 1], { lastDelete: 5n });
    expect(resolveCounter(old, fresh, NOW, mergeCounters)).toBe(fresh);
    expect(resolveCounter(fresh, old, NOW, mergeCounters)).toBe(fresh);
    const merged = resolveCounter(cell(6, [1, 5], { lastDelete: 2n }), fresh, NOW, mergeCounters);
    expect(merged.counterLastDelete).toBe(5n);
    expect([...merged.value]).toEqual([1, 5, 2, 1]);
  });
  it('an empty value wins over a non-empty one', () => {
    const e = cell(1, []);
    expect(resolveCounter(cell(9, [1, 1]), e, NOW, mergeCounters)).toBe(e);
  });
});

describe('liveness', () => {
  const l = (timestamp: number, ttl = 0, exp = NO_DELETION_TIME): Liveness => ({ timestamp: BigInt(timestamp), ttl, localExpirationTime: exp });
  it('isLive: empty, plain, TTL before/after now, expired-liveness marker', () => {
    expect(livenessIsLive({ timestamp: I64_MIN, ttl: 0, localExpirationTime: NO_DELETION_TIME }, NOW)).toBe(false);
    expect(livenessIsLive(l(1), NOW)).toBe(true);
    expect(livenessIsLive(l(1, 10, NOW + 1), NOW)).toBe(true);
    expect(livenessIsLive(l(1, 10, NOW), NOW)).toBe(false);
    expect(livenessIsLive(l(1, EXPIRED_LIVENESS_TTL, NOW + 100), NOW)).toBe(false);
  });
  it('supersedes: timestamp, then expired marker, then expiration time, then TTL', () => {
    expect(livenessSupersedes(l(2), l(1, 10, NOW + 5))).toBe(true);
    expect(livenessSupersedes(l(1, EXPIRED_LIVENESS_TTL, NOW), l(1))).toBe(true);
    expect(livenessSupersedes(l(1), l(1, EXPIRED_LIVENESS_TTL, NOW))).toBe(false);
    expect(livenessSupersedes(l(1, 10, NOW + 9), l(1, 10, NOW + 5))).toBe(true);
    expect(livenessSupersedes(l(1, 10, NOW + 5), l(1))).toBe(true);
    expect(livenessSupersedes(l(1), l(1, 10, NOW + 5))).toBe(false);
    expect(livenessSupersedes(l(1), l(1))).toBe(false);
  });
});
