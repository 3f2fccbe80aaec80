/**
 * Real-data check of the partitioners: in every expectation file marked `ordered`, whose table has a
 * single int or text partition key, consecutive rows must have non-decreasing partition order, and a
 * partition's rows must be contiguous. The order comes from the real sstables, written by Cassandra.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionerFromClass } from '../../src/merge/partitioner.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

interface Expected {
  partitioner?: string;
  ordered?: boolean;
  schema?: { partitionKey?: { name: string; type: string }[] };
  rows?: Record<string, unknown>[] | null;
}

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJson(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

function encodeKey(type: string, v: unknown): Uint8Array | null {
  if (type === 'int' && typeof v === 'number') {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v);
    return b;
  }
  if ((type === 'text' || type === 'varchar' || type === 'ascii') && typeof v === 'string') return new TextEncoder().encode(v);
  return null;
}

describe.runIf(haveFixture('expected'))('partition order of real sstables', () => {
  it('matches the partitioner for every ordered single-key fixture', () => {
    const root = fixturePath('expected');
    let checked = 0;
    for (const file of listJson(root)) {
      const e = JSON.parse(readFileSync(file, 'utf8')) as Expected;
      const pk = e.schema?.partitionKey;
      if (e.ordered !== true || e.partitioner === undefined || pk?.length !== 1 || e.rows === undefined || e.rows === null) continue;
      const col = pk[0] as { name: string; type: string };
      const keys = e.rows.map((r) => encodeKey(col.type, r[col.name]));
      if (keys.length < 2 || keys.some((k) => k === null)) continue;
      const p = partitionerFromClass(e.partitioner);
      const seen = new Set<string>();
      for (let i = 1; i < keys.length; i++) {
        const a = keys[i - 1] as Uint8Array;
        const b = keys[i] as Uint8Array;
        const c = p.compareKeys(a, b);
        expect(c, `${relative(root, file)} row ${i}`).toBeLessThanOrEqual(0);
        if (c < 0) {
          const id = Buffer.from(b).toString('hex');
          expect(seen.has(id), `${relative(root, file)}: partition ${id} is not contiguous`).toBe(false);
          seen.add(Buffer.from(a).toString('hex'));
        }
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});
