import { describe, expect, it } from 'vitest';
import { byteClasses, ByteWriter, MULTI, SPECIAL, validUtf8 } from '../../src/export/byte-writer.js';

/** utf8Text as a byte at a time: the bytes, whether it accepts them, and whether one is special. */
function reference(cls: Uint8Array, b: Uint8Array): { ok: boolean; special: boolean } {
  let k = 0;
  for (const c of b) k |= cls[c] as number;
  const ok = (k & MULTI) === 0 || validUtf8(b, 0, b.length);
  return { ok, special: ok && (k & SPECIAL) !== 0 };
}

describe('ByteWriter.utf8Text', () => {
  // long texts are copied and classified four bytes at a time: every length around the word size, with
  // a special byte, a multi-byte character or a malformed byte at every position
  const inserts: number[][] = [[0x22], [0x0d], [0x0a], [0x2c], [0x7c], [0x09], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xff], [0x80], [0xc3]];
  for (const delimiter of [',', '|', '\t']) {
    it(`copies and classifies like a byte-at-a-time scan (delimiter ${JSON.stringify(delimiter)})`, () => {
      const cls = byteClasses(delimiter.charCodeAt(0));
      const w = new ByteWriter(cls, 16);
      let cases = 0;
      for (let n = 0; n <= 40; n++) {
        for (const ins of [[], ...inserts]) {
          for (let at = 0; at <= n; at += ins.length === 0 ? n + 1 : 1) {
            const text = [...Array.from({ length: at }, (_, i) => 0x61 + (i % 26)), ...ins, ...Array.from({ length: n - at }, (_, i) => 0x41 + (i % 26))];
            // inside a larger array, at an odd offset, and in a Buffer: the view of the source must use its offset
            const backing = new Uint8Array(text.length + 7);
            backing.set(text, 3);
            for (const src of [backing, Buffer.from(backing.buffer, 0, backing.length)]) {
              const ref = reference(cls, Uint8Array.from(text));
              w.pos = 5;
              w.special = false;
              const ok = w.utf8Text(src, 3, 3 + text.length);
              expect(ok).toBe(ref.ok);
              expect(w.special).toBe(ref.special);
              if (ok) expect([...w.buf.subarray(5, w.pos)]).toEqual(text);
              else expect(w.pos).toBe(5);
              cases++;
            }
          }
        }
      }
      expect(cases).toBeGreaterThan(4000);
    });
  }

  it('reads each source through its own view when sources alternate', () => {
    const w = new ByteWriter(byteClasses(0x2c), 16);
    const a = new TextEncoder().encode('alpha beta gamma delta epsilon');
    const b = new TextEncoder().encode('zeta, eta, theta, iota, kappa!');
    for (let r = 0; r < 3; r++) {
      for (const src of [a, b, a.subarray(2), b.subarray(1, 25)]) {
        w.pos = 0;
        w.special = false;
        expect(w.utf8Text(src, 0, src.length)).toBe(true);
        expect([...w.buf.subarray(0, w.pos)]).toEqual([...src]);
        expect(w.special).toBe(src.includes(0x2c));
      }
    }
  });
});

describe('ByteWriter.bytes', () => {
  it('copies every length and offset exactly, whichever array it read before', () => {
    const w = new ByteWriter(byteClasses(0x2c), 8);
    const a = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    const b = Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => (i * 91 + 5) & 0xff));
    for (let n = 0; n <= 40; n++) {
      for (let s = 0; s < 5; s++) {
        for (const src of [a, b, a.subarray(3), b.subarray(1)]) {
          w.pos = 1;
          w.bytes(src, s, s + n);
          expect([...w.buf.subarray(1, w.pos)]).toEqual([...src.subarray(s, s + n)]);
        }
      }
    }
  });
});
