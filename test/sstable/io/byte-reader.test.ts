import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentError } from '../../../src/errors.js';
import { ByteReader, decodeModifiedUtf8 } from '../../../src/sstable/io/byte-reader.js';

/** VIntCoding.writeUnsignedVInt, written from §5.1, as the reference encoder. */
function encodeUvint(v: bigint): Uint8Array {
  let extra = 0;
  while (extra < 8 && v >= 1n << BigInt(7 * (extra + 1))) extra++;
  if (extra === 8) {
    const out = new Uint8Array(9);
    out[0] = 0xff;
    for (let i = 0; i < 8; i++) out[8 - i] = Number((v >> BigInt(8 * i)) & 0xffn);
    return out;
  }
  const out = new Uint8Array(extra + 1);
  for (let i = 0; i <= extra; i++) out[extra - i] = Number((v >> BigInt(8 * i)) & 0xffn);
  out[0] = (out[0] as number) | ((0xff00 >> extra) & 0xff);
  return out;
}

const read = (bytes: number[]): bigint => new ByteReader(new Uint8Array(bytes), 'f').uvint();

describe('ByteReader.uvint', () => {
  it('decodes the §5.1 table', () => {
    expect(read([0x00])).toBe(0n);
    expect(read([0x7f])).toBe(127n);
    expect(read([0x80, 0x80])).toBe(128n);
    expect(read([0xbf, 0xff])).toBe(16383n);
    expect(read([0xc0, 0x40, 0x00])).toBe(16384n);
    expect(read([0x81, 0x2c])).toBe(300n);
    expect(read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).toBe((1n << 64n) - 1n);
  });

  it('round-trips every 64-bit value and consumes exactly the encoded bytes', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
      const enc = encodeUvint(v);
      const r = new ByteReader(enc, 'f');
      expect(r.uvint()).toBe(v);
      expect(r.pos).toBe(enc.length);
    }));
  });

  it('a cut-off vint is E_TRUNCATED', () => {
    try {
      read([0xc0, 0x40]);
      expect.unreachable();
    } catch (e) {
      expect(isAgentError(e) && e.code).toBe('E_TRUNCATED');
    }
  });
});

describe('decodeModifiedUtf8', () => {
  it('decodes NUL as C0 80 and supplementary characters as CESU-8 surrogate pairs', () => {
    expect(decodeModifiedUtf8(new Uint8Array([0x61, 0xc0, 0x80, 0x62]))).toBe('a\u0000b');
    expect(decodeModifiedUtf8(new Uint8Array([0xc3, 0xa9]))).toBe('é');
    expect(decodeModifiedUtf8(new Uint8Array([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]))).toBe('😀');
  });
});
