/**
 * Loads the expectation files of the shared fixture corpus (../shared/fixtures/expected) and compares
 * dumped rows with them, following the rules in ../shared/fixtures/MANIFEST.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { JsonValue } from '../../src/sstable/types/model.js';

export type Row = Record<string, JsonValue>;

export interface Expectation {
  file: string;
  fixture: string;
  sstables: string[];
  format: string;
  compression: string;
  keyspace: string;
  table: string;
  schema: { cql: string };
  rows: Row[] | null;
  rowsAfterExpiry?: Row[];
  rowCount: number | null;
  ordered?: boolean;
  sampleRows?: Row[] | null;
  partialRows?: Row[];
  observedValues?: Row;
  constants?: Record<string, string>;
  kind?: string;
}

export function loadExpectations(root: string): Expectation[] {
  const out: Expectation[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) {
        const text = readFileSync(p, 'utf8');
        const parsed = JSON.parse(text) as Omit<Expectation, 'file'>;
        const constants = parsed.constants;
        const substituted = constants === undefined ? parsed : (JSON.parse(substitute(text, constants)) as Omit<Expectation, 'file'>);
        out.push({ ...substituted, file: relative(root, p) });
      }
    }
  };
  walk(root);
  return out;
}

function substitute(text: string, constants: Record<string, string>): string {
  let t = text;
  for (const [k, v] of Object.entries(constants)) t = t.split('${' + k + '}').join(JSON.stringify(v).slice(1, -1));
  return t;
}

export function canonical(v: JsonValue): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val !== null && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return val;
  });
}

/** Does `row` hold every key/value of `partial`? */
export function matches(row: Row, partial: Row): boolean {
  for (const [k, v] of Object.entries(partial)) {
    if (!(k in row)) return false;
    if (canonical(row[k] ?? null) !== canonical(v)) return false;
  }
  return true;
}
