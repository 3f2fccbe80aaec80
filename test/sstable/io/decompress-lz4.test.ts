/**
 * The two LZ4 chunk decoders (decompress.ts): liblz4 through the optional `lz4` build and lz4-napi give
 * the same bytes for any block, and both refuse malformed ones. Under CI the native build must exist:
 * a silently missing build would make every LZ4 read slower without anyone noticing.
 */
import fc from 'fast-check';
import { compressSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { lz4Decoders } from '../../../src/sstable/io/decompress.js';

/** Compressible bytes: runs drawn from a small alphabet, so blocks hold both literals and matches. */
const compressible = fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 300 })), { maxLength: 400 }).map((runs) => {
  const out: number[] = [];
  for (const [b, n] of runs) for (let i = 0; i < n; i++) out.push((b * 37 + (i % 5)) & 255);
  return Uint8Array.from(out);
});

describe('LZ4 chunk decoders', () => {
  it.runIf(process.env.CI === 'true')('the native decoder is built under CI', async () => {
    expect((await lz4Decoders()).native).not.toBeNull();
  });

  it('native and lz4-napi decode every block to the same bytes', async () => {
    const { native, napi } = await lz4Decoders();
    await fc.assert(
      fc.asyncProperty(fc.oneof(compressible, fc.uint8Array({ maxLength: 5000 })), async (data) => {
        const block = compressSync(Buffer.from(data));
        expect(Buffer.from(napi(block, data.length)).equals(Buffer.from(data))).toBe(true);
        if (native !== null) expect(Buffer.from(native(block, data.length)).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('both refuse a truncated block, a wrong declared length and a short chunk', async () => {
    const { native, napi } = await lz4Decoders();
    const data = Buffer.alloc(20000, 'abcdefgh');
    const block = compressSync(data);
    for (const d of native === null ? [napi] : [native, napi]) {
      expect(() => d(block.subarray(0, block.length - 3), data.length)).toThrow();
      expect(() => d(block, data.length + 1)).toThrow(/declares 20000 uncompressed bytes, expected 20001/);
      expect(() => d(block.subarray(0, 3), data.length)).toThrow(/too short/);
    }
  });
});
