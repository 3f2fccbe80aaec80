import { describe, expect, it } from 'vitest';
import { counterContextValue, mergeCounterContexts } from '../../../src/sstable/types/index.js';

type Kind = 'global' | 'local' | 'remote';
interface S { id: number; clock: bigint; count: bigint; kind: Kind }

/** Builds a context the way CounterContext does: header entries for global/local shards in body order. */
function ctx(shards: readonly S[], negateHeader = false): Uint8Array {
  const headed = shards.filter((s) => s.kind !== 'remote');
  const h = 2 + 2 * headed.length;
  const out = new Uint8Array(h + 32 * shards.length);
  const dv = new DataView(out.buffer);
  dv.setInt16(0, negateHeader ? -headed.length : headed.length);
  let e = 2;
  shards.forEach((s, i) => {
    const o = h + 32 * i;
    out[o + 15] = s.id;
    dv.setBigInt64(o + 16, s.clock);
    dv.setBigInt64(o + 24, s.count);
    if (s.kind !== 'remote') {
      dv.setInt16(e, s.kind === 'global' ? i - 32768 : i);
      e += 2;
    }
  });
  return out;
}

const g = (id: number, clock: bigint, count: bigint): S => ({ id, clock, count, kind: 'global' });
const l = (id: number, clock: bigint, count: bigint): S => ({ id, clock, count, kind: 'local' });
const r = (id: number, clock: bigint, count: bigint): S => ({ id, clock, count, kind: 'remote' });

describe('counterContextValue', () => {
  it('sums all shards of every kind', () => {
    expect(counterContextValue(ctx([g(1, 1n, 5n), l(2, 1n, -2n), r(3, 1n, 10n)]))).toBe(13n);
    expect(counterContextValue(ctx([]))).toBe(0n);
    expect(counterContextValue(ctx([g(1, 1n, 2n)], true))).toBe(2n);
  });

  it('wraps at 64 bits like Java', () => {
    expect(counterContextValue(ctx([g(1, 1n, (1n << 63n) - 1n), g(2, 1n, 1n)]))).toBe(-(1n << 63n));
  });

  it('validates the header', () => {
    expect(() => counterContextValue(new Uint8Array([0]))).toThrow(expect.objectContaining({ code: 'E_BAD_FORMAT' }));
    expect(() => counterContextValue(new Uint8Array([0, 1, 0x80, 0]))).toThrow(/counter context/);
    expect(() => counterContextValue(ctx([g(1, 1n, 1n)]).subarray(0, 30))).toThrow(/whole 32-byte shards/);
  });
});

describe('mergeCounterContexts (doc §8.5 table)', () => {
  const merged = (a: readonly S[], b: readonly S[]): bigint => counterContextValue(mergeCounterContexts(ctx(a), ctx(b)));

  it('global + global: higher clock, equal clocks higher count', () => {
    expect(merged([g(1, 2n, 10n)], [g(1, 3n, 7n)])).toBe(7n);
    expect(merged([g(1, 3n, 10n)], [g(1, 2n, 7n)])).toBe(10n);
    expect(merged([g(1, 3n, 10n)], [g(1, 3n, 12n)])).toBe(12n);
    expect(merged([g(1, 3n, 12n)], [g(1, 3n, 10n)])).toBe(12n);
  });

  it('global + local/remote: the global one', () => {
    expect(merged([g(1, 1n, 4n)], [l(1, 9n, 100n)])).toBe(4n);
    expect(merged([r(1, 9n, 100n)], [g(1, 1n, 4n)])).toBe(4n);
  });

  it('local + local: clocks and counts summed', () => {
    const out = mergeCounterContexts(ctx([l(1, 2n, 4n)]), ctx([l(1, 3n, 5n)]));
    expect(out).toEqual(ctx([l(1, 5n, 9n)]));
  });

  it('local + remote: the local one', () => {
    expect(merged([l(1, 1n, 4n)], [r(1, 9n, 100n)])).toBe(4n);
    expect(merged([r(1, 9n, 100n)], [l(1, 1n, 4n)])).toBe(4n);
  });

  it('remote + remote: higher clock, equal clocks higher count', () => {
    expect(merged([r(1, 2n, 10n)], [r(1, 3n, 7n)])).toBe(7n);
    expect(merged([r(1, 3n, 10n)], [r(1, 3n, 12n)])).toBe(12n);
    // a negative (deleted-shard) clock wins over positive clocks (legacy CounterContext.compare)
    expect(merged([r(1, -5n, 0n)], [r(1, 9n, 100n)])).toBe(0n);
  });

  it('keeps shards found on one side only, sorted by counter id, with a rebuilt header', () => {
    const out = mergeCounterContexts(ctx([g(1, 1n, 1n), r(4, 1n, 100n)]), ctx([l(2, 1n, 10n), g(3, 1n, 1000n)]));
    expect(out).toEqual(ctx([g(1, 1n, 1n), l(2, 1n, 10n), g(3, 1n, 1000n), r(4, 1n, 100n)]));
    expect(counterContextValue(out)).toBe(1111n);
  });

  it('returns a dominating side unchanged (superset shortcut)', () => {
    const a = ctx([g(1, 5n, 5n), g(2, 5n, 5n)], true);
    const b = ctx([g(1, 4n, 1n)]);
    expect(mergeCounterContexts(a, b)).toBe(a);
    expect(mergeCounterContexts(b, a)).toBe(a);
  });

  it('is commutative in value and idempotent', () => {
    const a = ctx([g(1, 2n, 3n), l(2, 1n, 1n), r(5, 7n, 7n)]);
    const b = ctx([g(1, 3n, 1n), g(3, 1n, 9n), r(5, 8n, 1n)]);
    expect(counterContextValue(mergeCounterContexts(a, b))).toBe(counterContextValue(mergeCounterContexts(b, a)));
    expect(counterContextValue(mergeCounterContexts(a, b))).toBe(12n);
    // global and remote shards are idempotent; legacy local shards are summed even with themselves
    const gr = ctx([g(1, 2n, 3n), r(5, 7n, 7n)]);
    expect(mergeCounterContexts(gr, gr)).toEqual(gr);
    expect(counterContextValue(mergeCounterContexts(a, a))).toBe(counterContextValue(a) + 1n);
  });
});
