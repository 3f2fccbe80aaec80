import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, jsonDecoder } from '../../../src/sstable/types/index.js';
import type { CqlType } from '../../../src/sstable/types/model.js';
import { VALUE_NATIVES, valueArb, valueTypeArb } from './arbitraries.js';

const typeAndValue = valueTypeArb(3, true).chain((t) => valueArb(t).map((v) => ({ t, v })));

describe('decodeJson(encodeJson(x)) === x', () => {
  for (const name of [...VALUE_NATIVES, 'counter' as const, 'empty' as const]) {
    it(`native ${name}`, () => {
      const t: CqlType = { kind: 'native', name };
      fc.assert(fc.property(valueArb(t), (v) => {
        expect(decodeJson(t, encodeJson(t, v))).toEqual(v);
      }), { numRuns: 300 });
    });
  }

  it('nested types (frozen collections, tuples with nulls, UDTs, reversed)', () => {
    fc.assert(fc.property(typeAndValue, fc.boolean(), ({ t, v }, rev) => {
      const tt: CqlType = rev ? { kind: 'reversed', base: t } : t;
      const bytes = encodeJson(tt, v);
      expect(decodeJson(tt, bytes)).toEqual(v);
      expect(jsonDecoder(tt)(bytes)).toEqual(v);
    }), { numRuns: 500 });
  });

  it('encodeJson(decodeJson(b)) reproduces the bytes of encoded values', () => {
    fc.assert(fc.property(typeAndValue, ({ t, v }) => {
      const bytes = encodeJson(t, v);
      expect(encodeJson(t, decodeJson(t, bytes))).toEqual(bytes);
    }), { numRuns: 300 });
  });
});
