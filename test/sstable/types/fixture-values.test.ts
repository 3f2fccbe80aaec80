/**
 * Checks the JSON renderer against the corpus expectations: every expected value, re-encoded with
 * encodeJson for its schema type and decoded again, must come back identical (float shortest form,
 * decimal scale, dates, durations, inet, UDTs...). Set elements and map keys must also be in
 * ascending compareValues order, as Cassandra stores them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareValues, decodeJson, encodeJson } from '../../../src/sstable/types/index.js';
import type { CqlType, JsonValue, NativeTypeName, UdtField } from '../../../src/sstable/types/model.js';
import { fixturePath, haveFixture } from '../../helpers/fixtures.js';

interface Column { name: string; type: string }
interface Expectation {
  keyspace?: string;
  schema?: {
    partitionKey?: Column[]; clustering?: Column[]; static?: Column[]; regular?: Column[];
    userTypes?: Record<string, [string, string][]>;
  };
  rows?: Record<string, JsonValue>[];
}

const NATIVES = new Set<string>(['ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float',
  'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint']);

/** A tiny CQL type parser, enough for the corpus schemas (test-only). */
function parseCql(s: string, udts: Record<string, [string, string][]>, ks: string, frozen = false): CqlType {
  const src = s.trim();
  const lt = src.indexOf('<');
  const name = (lt < 0 ? src : src.slice(0, lt)).trim().toLowerCase();
  const args: string[] = [];
  if (lt >= 0) {
    const body = src.slice(lt + 1, src.lastIndexOf('>'));
    let depth = 0;
    let start = 0;
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === '<') depth++;
      else if (c === '>') depth--;
      else if (c === ',' && depth === 0) {
        args.push(body.slice(start, i));
        start = i + 1;
      }
    }
    args.push(body.slice(start));
  }
  const arg = (i: number): CqlType => parseCql(args[i] ?? '', udts, ks, true);
  if (name === 'varchar') return { kind: 'native', name: 'text' };
  if (NATIVES.has(name)) return { kind: 'native', name: name as NativeTypeName };
  switch (name) {
    case 'frozen': return parseCql(args[0] ?? '', udts, ks, true);
    case 'list': return { kind: 'list', element: arg(0), frozen };
    case 'set': return { kind: 'set', element: arg(0), frozen };
    case 'map': return { kind: 'map', key: arg(0), value: arg(1), frozen };
    case 'tuple': return { kind: 'tuple', elements: args.map((_, i) => arg(i)) };
    default: {
      const def = udts[name];
      if (def === undefined) throw new Error(`unknown type ${s}`);
      const fields: UdtField[] = def.map(([n, t]) => ({ name: n, type: parseCql(t, udts, ks, true) }));
      return { kind: 'udt', keyspace: ks, name, fields, frozen };
    }
  }
}

function expectationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...expectationFiles(p));
    else if (e.endsWith('.json')) out.push(p);
  }
  return out;
}

function elementsInOrder(t: CqlType, v: JsonValue): void {
  const b = t.kind === 'reversed' ? t.base : t;
  if (!Array.isArray(v) || (b.kind !== 'set' && b.kind !== 'map')) return;
  const keyType = b.kind === 'set' ? b.element : b.key;
  const cmp = compareValues(keyType);
  const keys = v.map((x) => encodeJson(keyType, b.kind === 'set' ? x : ((x as JsonValue[])[0] ?? null)));
  for (let i = 0; i + 1 < keys.length; i++) {
    expect(cmp(keys[i] as Uint8Array, keys[i + 1] as Uint8Array), JSON.stringify(v)).toBeLessThan(0);
  }
}

describe.runIf(haveFixture('expected'))('decodeJson reproduces the corpus expectations', () => {
  const root = fixturePath('expected');
  const files = haveFixture('expected') ? expectationFiles(root) : [];

  it('finds the expectation files', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  const picked = files.filter((f) => /has_all_types|different_types|songs|users|collections|table_with_|counter|compound_ck/.test(f));
  it('covers the richly typed fixtures', () => {
    expect(picked.some((f) => f.includes('write_different_types'))).toBe(true);
    expect(picked.some((f) => f.includes('has_all_types'))).toBe(true);
  });

  for (const file of files) {
    const name = relative(root, file);
    it(name, () => {
      const exp = JSON.parse(readFileSync(file, 'utf8')) as Expectation;
      const s = exp.schema;
      if (s === undefined || s === null || !Array.isArray(exp.rows)) return;
      let checked = 0;
      const columns = [...(s.partitionKey ?? []), ...(s.clustering ?? []), ...(s.static ?? []), ...(s.regular ?? [])];
      const types = new Map(columns.map((c) => [c.name, parseCql(c.type, s.userTypes ?? {}, exp.keyspace ?? 'ks')]));
      for (const row of exp.rows) {
        for (const [col, v] of Object.entries(row)) {
          const t = types.get(col);
          if (t === undefined || v === null || JSON.stringify(v).includes('${')) continue;
          expect(decodeJson(t, encodeJson(t, v)), `${col} = ${JSON.stringify(v)}`).toEqual(v);
          elementsInOrder(t, v);
          checked++;
        }
      }
      if (picked.includes(file)) expect(checked).toBeGreaterThan(0);
    });
  }
});
