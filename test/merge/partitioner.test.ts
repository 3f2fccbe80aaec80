import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { partitionerFromClass, randomPartitionerToken } from '../../src/merge/partitioner.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { isAgentError } from '../../src/errors.js';

const int32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
};

describe('randomPartitionerToken', () => {
  it('matches the §7.4 example (int key 1)', () => {
    expect(randomPartitionerToken(int32(1))).toBe(19580090105725936846312850328329299579n);
  });

  it('maps the empty key to -1 and keeps every other token in [0, 2^127]', () => {
    expect(randomPartitionerToken(new Uint8Array(0))).toBe(-1n);
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 30 }), (k) => {
      const t = randomPartitionerToken(k);
      expect(t >= 0n && t <= 1n << 127n).toBe(true);
    }));
  });
});

describe('partitionerFromClass', () => {
  it('accepts short and fully-qualified names', () => {
    expect(partitionerFromClass('Murmur3Partitioner').className).toBe('org.apache.cassandra.dht.Murmur3Partitioner');
    expect(partitionerFromClass('org.apache.cassandra.dht.RandomPartitioner').className).toBe('org.apache.cassandra.dht.RandomPartitioner');
  });

  it('orders Murmur3 keys by signed token, then bytes', () => {
    const p = partitionerFromClass('org.apache.cassandra.dht.Murmur3Partitioner');
    const one = int32(1); // token -4069959284402364209
    const a = new Uint8Array([0x61]); // token -8839064797231613815
    expect(p.compareKeys(a, one)).toBeLessThan(0);
    expect(p.compareKeys(one, a)).toBeGreaterThan(0);
    expect(p.compareKeys(one, int32(1))).toBe(0);
    expect(p.token(one)).toBe(murmur3Token(one));
    // the empty key has the minimum token and sorts first
    expect(p.compareKeys(new Uint8Array(0), a)).toBeLessThan(0);
  });

  it('is a total order consistent with compareTokens (property)', () => {
    for (const name of ['Murmur3Partitioner', 'RandomPartitioner', 'ByteOrderedPartitioner']) {
      const p = partitionerFromClass(name);
      fc.assert(fc.property(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 6 }), (x, y) => {
        const c = p.compareKeys(x, y);
        expect(Math.sign(p.compareKeys(y, x)) + Math.sign(c)).toBe(0);
        const t = p.compareTokens?.(p.token(x), p.token(y)) ?? 0;
        if (t !== 0) expect(Math.sign(c)).toBe(Math.sign(t));
      }));
    }
  });

  it('orders ByteOrdered keys as unsigned bytes', () => {
    const p = partitionerFromClass('ByteOrderedPartitioner');
    expect(p.compareKeys(new Uint8Array([0x7f]), new Uint8Array([0x80]))).toBeLessThan(0);
    expect(p.compareKeys(new Uint8Array([1]), new Uint8Array([1, 0]))).toBeLessThan(0);
    expect(p.token(new Uint8Array([5]))).toEqual(new Uint8Array([5]));
  });

  it('needs a comparator for LocalPartitioner and uses it', () => {
    expect(() => partitionerFromClass('org.apache.cassandra.dht.LocalPartitioner')).toThrow(/comparator/);
    try {
      partitionerFromClass('LocalPartitioner');
    } catch (e) {
      expect(isAgentError(e) && e.code).toBe('E_BAD_ARGUMENT');
    }
    const reversed = (a: Uint8Array, b: Uint8Array): number => (b[0] ?? 0) - (a[0] ?? 0);
    const p = partitionerFromClass('LocalPartitioner', reversed);
    expect(p.compareKeys(new Uint8Array([1]), new Uint8Array([2]))).toBeGreaterThan(0);
  });

  it('rejects unknown partitioners with E_BAD_ARGUMENT', () => {
    expect(() => partitionerFromClass('org.apache.cassandra.dht.OrderPreservingPartitioner')).toThrow(/unsupported partitioner/);
  });
});
