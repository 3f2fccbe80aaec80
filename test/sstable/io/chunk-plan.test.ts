import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentError } from '../../../src/errors.js';
import { chunkRange, compressedLayout, planBatches, plainLayout, validateCompressedLayout } from '../../../src/sstable/io/chunk-plan.js';
import { parseCompressionInfo } from '../../../src/sstable/io/compression-info.js';

/** CompressionMetadata.Writer layout, built by hand. */
function compressionInfo(name: string, options: [string, string][], chunkLength: number, dataLength: number, offsets: number[]): Uint8Array {
  const parts: number[] = [];
  const u16 = (v: number): void => { parts.push((v >> 8) & 0xff, v & 0xff); };
  const i32 = (v: number): void => { parts.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff); };
  const i64 = (v: number): void => { i32(Math.floor(v / 2 ** 32)); i32(v >>> 0); };
  const utf = (s: string): void => { u16(s.length); for (const c of s) parts.push(c.charCodeAt(0)); };
  utf(name);
  i32(options.length);
  for (const [k, v] of options) { utf(k); utf(v); }
  i32(chunkLength);
  i64(dataLength);
  i32(offsets.length);
  for (const o of offsets) i64(o);
  return new Uint8Array(parts);
}

describe('parseCompressionInfo', () => {
  it('reads the header, options and offsets; reduces a qualified class name', () => {
    const ci = parseCompressionInfo(compressionInfo('org.apache.cassandra.io.compress.SnappyCompressor', [['crc_check_chance', '1.0']], 65536, 70000, [0, 3000]), 'f');
    expect(ci.compressor).toBe('SnappyCompressor');
    expect(ci.options.get('crc_check_chance')).toBe('1.0');
    expect(ci.chunkLength).toBe(65536);
    expect(ci.dataLength).toBe(70000);
    expect([...ci.chunkOffsets]).toEqual([0, 3000]);
  });

  it('rejects too few chunks and decreasing offsets; truncation is E_TRUNCATED', () => {
    const codeOf = (f: () => unknown): string | undefined => {
      try { f(); } catch (e) { return isAgentError(e) ? e.code : 'other'; }
      return undefined;
    };
    expect(codeOf(() => parseCompressionInfo(compressionInfo('LZ4Compressor', [], 65536, 70000, [0]), 'f'))).toBe('E_BAD_FORMAT');
    expect(codeOf(() => parseCompressionInfo(compressionInfo('LZ4Compressor', [], 65536, 70000, [100, 0]), 'f'))).toBe('E_BAD_FORMAT');
    const good = compressionInfo('LZ4Compressor', [], 65536, 70000, [0, 100]);
    for (let n = 0; n < good.length; n++) expect(codeOf(() => parseCompressionInfo(good.subarray(0, n), 'f'))).toBe('E_TRUNCATED');
  });
});

describe('chunk planning', () => {
  it('batches cover exactly the chunks of a range, contiguously, within the target unless one chunk is larger', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 5, max: 100_000 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 300_000 }),
      fc.nat(), fc.nat(),
      (sizes, target, a, b) => {
        const chunkLength = 65536;
        const dataLength = sizes.length * chunkLength - 1000;
        const offsets: number[] = [];
        let o = 0;
        for (const s of sizes) { offsets.push(o); o += s; }
        const layout = compressedLayout(offsets, chunkLength, dataLength, o);
        const start = a % (dataLength + 1);
        const end = b % (dataLength + 1);
        const { first, last } = chunkRange(layout, Math.min(start, end), Math.max(start, end));
        const batches = planBatches(layout, first, last, target);
        const covered = batches.flatMap((x) => Array.from({ length: x.count }, (_, k) => x.first + k));
        expect(covered).toEqual(Array.from({ length: Math.max(0, last - first + 1) }, (_, k) => first + k));
        for (const x of batches) {
          expect(x.fileOffset).toBe(offsets[x.first]);
          expect(x.length).toBe(layout.fileEnd(x.first + x.count - 1) - x.fileOffset);
          if (x.count > 1) expect(x.length).toBeLessThanOrEqual(target);
        }
      },
    ));
  });

  it('trailing empty chunks beyond the data length are left out of the layout', () => {
    const layout = compressedLayout([0, 223], 65536, 223, 232);
    expect(layout.count).toBe(1);
    expect(layout.fileEnd(0)).toBe(223);
  });

  it('validateCompressedLayout reports chunks beyond the end of the file as E_TRUNCATED with chunk and offset', () => {
    const layout = compressedLayout([0, 100, 200], 10, 25, 150);
    try {
      validateCompressedLayout(layout, 150, 'd');
      expect.unreachable();
    } catch (e) {
      expect(isAgentError(e) && [e.code, e.location.chunk, e.location.offset]).toEqual(['E_TRUNCATED', 1, 100]);
    }
  });

  it('plain layout: pieces of chunkLength, the last one shorter', () => {
    const layout = plainLayout(65536, 200_000);
    expect(layout.count).toBe(4);
    expect(layout.fileEnd(3)).toBe(200_000);
    expect(chunkRange(layout, 65536, 65537)).toEqual({ first: 1, last: 1 });
    expect(chunkRange(layout, 5, 5)).toEqual({ first: 0, last: -1 });
  });
});
