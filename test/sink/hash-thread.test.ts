/**
 * The hashing thread (src/sink/hash-thread.ts): the same SHA-256 as node:crypto in this thread, for
 * pieces of every size (larger than a slot, empty, in a SharedArrayBuffer or not), for several hashes
 * at once that together need more than the ring (so that updates wait for free slots), and after
 * abandoned hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLOT_BYTES, SLOTS, ThreadHash } from '../../src/sink/hash-thread.js';

const local = (pieces: readonly Uint8Array[]): string => {
  const h = createHash('sha256');
  for (const p of pieces) h.update(p);
  return h.digest('hex');
};

describe('ThreadHash', () => {
  it('equals createHash for any pieces (fast-check)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 12 }), fc.boolean(), async (pieces, shared) => {
      const h = new ThreadHash();
      for (const p of pieces) {
        let piece: Uint8Array = p;
        if (shared) {
          piece = new Uint8Array(new SharedArrayBuffer(p.length));
          piece.set(p);
        }
        await h.update(piece);
      }
      expect(await h.digest()).toBe(local(pieces));
    }), { numRuns: 60 });
  });

  it('several hashes at once, more bytes than the ring holds, pieces larger than a slot', async () => {
    const bodies = Array.from({ length: 3 }, (_, i) => [randomBytes(SLOT_BYTES * 3 + 17 * i), randomBytes(5), randomBytes(SLOT_BYTES * (SLOTS / 2))]);
    const hashes = bodies.map(() => new ThreadHash());
    // interleaved: each hash's pieces in order, the hashes' updates racing for slots
    await Promise.all(hashes.map(async (h, i) => {
      for (const p of bodies[i] as Buffer[]) await h.update(p);
    }));
    const digests = await Promise.all(hashes.map((h) => h.digest()));
    expect(digests).toEqual(bodies.map((b) => local(b)));
  });

  it('an abandoned hash leaves the others intact; a digest of nothing is the empty hash', async () => {
    const a = new ThreadHash();
    const b = new ThreadHash();
    await a.update(Buffer.from('partial'));
    await b.update(Buffer.from('kept'));
    a.abandon();
    expect(await b.digest()).toBe(local([Buffer.from('kept')]));
    expect(await new ThreadHash().digest()).toBe(local([]));
    await expect(a.update(Buffer.from('x'))).rejects.toThrow(/update after digest/);
  });
});
