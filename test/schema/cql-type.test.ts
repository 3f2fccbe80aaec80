import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCqlType } from '../../src/schema/cql-type.js';
import { formatCqlType } from '../../src/schema/format.js';
import { isAgentError } from '../../src/errors.js';
import type { CqlType, NativeTypeName } from '../../src/sstable/types/model.js';
import type { UserTypeLookup } from '../../src/schema/model.js';

const addr: CqlType = {
  kind: 'udt', keyspace: 'ks', name: 'addr', frozen: false,
  fields: [{ name: 'city', type: { kind: 'native', name: 'text' } }, { name: 'zip', type: { kind: 'native', name: 'int' } }],
};
const quoted: CqlType = { kind: 'udt', keyspace: 'other', name: 'My Type', frozen: false, fields: [{ name: 'a', type: { kind: 'native', name: 'int' } }] };
const udts: UserTypeLookup = (ks, name) => {
  if (ks === 'ks' && name === 'addr') return addr;
  if (ks === 'other' && name === 'My Type') return quoted;
  return undefined;
};
const p = (s: string): CqlType => parseCqlType(s, 'ks', udts);

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isAgentError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseCqlType', () => {
  it('reads natives, with varchar = text, any case and whitespace', () => {
    expect(p('int')).toEqual({ kind: 'native', name: 'int' });
    expect(p('VARCHAR')).toEqual({ kind: 'native', name: 'text' });
    expect(p('  TimeUUID ')).toEqual({ kind: 'native', name: 'timeuuid' });
    expect(p('empty')).toEqual({ kind: 'native', name: 'empty' });
    expect(p('duration')).toEqual({ kind: 'native', name: 'duration' });
  });

  it('keeps top-level collections non-frozen unless frozen<>', () => {
    expect(p('list<int>')).toEqual({ kind: 'list', element: { kind: 'native', name: 'int' }, frozen: false });
    expect(p('frozen<set<text>>')).toEqual({ kind: 'set', element: { kind: 'native', name: 'text' }, frozen: true });
    expect(p('Map < Text , Int >')).toEqual({ kind: 'map', key: { kind: 'native', name: 'text' }, value: { kind: 'native', name: 'int' }, frozen: false });
  });

  it('freezes everything nested', () => {
    const t = p('frozen<map<text, list<int>>>');
    expect(t).toEqual({
      kind: 'map', frozen: true, key: { kind: 'native', name: 'text' },
      value: { kind: 'list', element: { kind: 'native', name: 'int' }, frozen: true },
    });
    expect(p('list<frozen<set<int>>>')).toMatchObject({ frozen: false, element: { kind: 'set', frozen: true } });
  });

  it('reads tuples (always frozen) and nests them', () => {
    expect(p('frozen<tuple<int, text>>')).toEqual({ kind: 'tuple', elements: [{ kind: 'native', name: 'int' }, { kind: 'native', name: 'text' }] });
    expect(p('tuple<int, list<int>>')).toEqual({
      kind: 'tuple', elements: [{ kind: 'native', name: 'int' }, { kind: 'list', element: { kind: 'native', name: 'int' }, frozen: true }],
    });
  });

  it('resolves user types: bare = non-frozen (3.6+), frozen<> = a frozen copy, nested = frozen', () => {
    expect(p('addr')).toBe(addr);
    const f = p('frozen<addr>');
    expect(f).toEqual({ ...addr, frozen: true });
    expect(addr.kind === 'udt' && addr.frozen).toBe(false);
    expect(p('set<frozen<addr>>')).toEqual({ kind: 'set', element: { ...addr, frozen: true }, frozen: false });
    expect(errorOf(() => p('frozen<"My Type">')).code).toBe('E_SCHEMA');
    expect(p('frozen<other."My Type">')).toEqual({ ...quoted, frozen: true });
    expect(p('ADDR')).toBe(addr);
  });

  it('reads custom types as quoted class strings', () => {
    expect(p("'org.apache.cassandra.db.marshal.LexicalUUIDType'")).toEqual({ kind: 'custom', className: 'org.apache.cassandra.db.marshal.LexicalUUIDType' });
    expect(p("list<'a.B'>")).toEqual({ kind: 'list', element: { kind: 'custom', className: 'a.B' }, frozen: false });
  });

  it('rejects unknown user types with E_SCHEMA', () => {
    const e = errorOf(() => p('frozen<nope>'));
    expect(e.code).toBe('E_SCHEMA');
    expect(e.message).toContain('ks.nope');
    expect(errorOf(() => p('"Addr"')).code).toBe('E_SCHEMA');
  });

  it('rejects bad syntax with E_BAD_TYPE and a position', () => {
    const e = errorOf(() => p('list<int'));
    expect(e.code).toBe('E_BAD_TYPE');
    expect(e.message).toContain('1:9');
    expect(e.message).toContain('end of input');
    expect(errorOf(() => p('map<int>')).message).toMatch(/expected ','.*1:8/);
    expect(errorOf(() => p('int int')).message).toMatch(/1:5.*'int'/);
    expect(errorOf(() => p('')).code).toBe('E_BAD_TYPE');
    expect(errorOf(() => p('list<#>')).message).toContain("unexpected character '#'");
  });

  it('round-trips through the formatter (property)', () => {
    const natives: NativeTypeName[] = ['ascii', 'bigint', 'blob', 'boolean', 'date', 'decimal', 'double', 'duration', 'float', 'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint'];
    const nativeArb = fc.constantFrom(...natives).map((name): CqlType => ({ kind: 'native', name }));
    // nested values are frozen in the model, so generate them that way
    const { nested } = fc.letrec<{ nested: CqlType }>((tie) => ({
      nested: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        nativeArb,
        fc.constant<CqlType>({ ...addr, frozen: true }),
        tie('nested').map((e): CqlType => ({ kind: 'list', element: e, frozen: true })),
        tie('nested').map((e): CqlType => ({ kind: 'set', element: e, frozen: true })),
        fc.tuple(tie('nested'), tie('nested')).map(([k, v]): CqlType => ({ kind: 'map', key: k, value: v, frozen: true })),
        fc.array(tie('nested'), { minLength: 1, maxLength: 3 }).map((elements): CqlType => ({ kind: 'tuple', elements })),
      ),
    }));
    const top = fc.oneof(
      nested,
      nested.map((e): CqlType => ({ kind: 'list', element: e, frozen: false })),
      fc.tuple(nested, nested).map(([k, v]): CqlType => ({ kind: 'map', key: k, value: v, frozen: false })),
      fc.constant<CqlType>(addr),
    );
    fc.assert(fc.property(top, (t) => {
      expect(p(formatCqlType(t))).toEqual(t);
    }));
  });
});
