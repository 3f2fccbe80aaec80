/**
 * The live CQL rows a writer input describes at a given "now", computed from the input model alone
 * (not by decoding): deletion shadowing (partition, range, row, complex), TTL expiry, row existence by
 * liveness or any live cell, static-only partitions (§9). Values must already be in the dump's JSON
 * conventions, with set elements and map keys given in their sorted order.
 */
import { selectStarColumns, type TableSchema } from '../schema/model.js';
import type { DeletionTime } from '../sstable/model.js';
import { isMultiCell, type JsonValue } from '../sstable/types/model.js';
import type { WriteCell, WriteColumn, WritePartition, WriteRangeTombstone, WriteRow, WriteUnfiltered } from '../sstable/writer/model.js';

export type ExpectedRow = Record<string, JsonValue>;

const I64_MIN = -(1n << 63n);
const ts = (d: DeletionTime | undefined): bigint => d?.markedForDeleteAt ?? I64_MIN;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

function alive(c: WriteCell, deletedAt: bigint, defaultTs: bigint | undefined, now: number, nowAtWrite: number): boolean {
  const t = c.timestamp ?? defaultTs ?? I64_MIN;
  if (t <= deletedAt || c.deleted === true) return false;
  const ttl = c.ttl ?? 0;
  return ttl === 0 || now < (c.localExpirationTime ?? nowAtWrite + ttl);
}

function json(v: unknown): JsonValue {
  return v as JsonValue;
}

function columnValue(kind: 'simple' | 'list' | 'set' | 'map' | 'udt', c: WriteColumn, deletedAt: bigint, defaultTs: bigint | undefined, now: number, nowAtWrite: number): JsonValue {
  if (!('kind' in c)) {
    if (!alive(c, deletedAt, defaultTs, now, nowAtWrite)) return null;
    const v = json(c.value ?? null);
    return Array.isArray(v) && v.length === 0 && kind !== 'simple' ? null : v;
  }
  const cd = max(deletedAt, ts(c.deletion));
  const live = c.elements.filter((e) => alive(e, cd, defaultTs, now, nowAtWrite));
  if (live.length === 0) return null;
  if (kind === 'set') return live.map((e) => json(e.path));
  if (kind === 'map') return live.map((e) => [json(e.path), json(e.value)]);
  return live.map((e) => json(e.value));
}

function kindOf(schema: TableSchema, name: string): 'simple' | 'list' | 'set' | 'map' | 'udt' {
  const def = schema.columns.find((c) => c.name === name);
  if (def === undefined || !isMultiCell(def.type)) return 'simple';
  const t = def.type.kind === 'reversed' ? def.type.base : def.type;
  return t.kind === 'list' || t.kind === 'set' || t.kind === 'map' || t.kind === 'udt' ? t.kind : 'simple';
}

/** Live rows of one partition; `rows` must be an array here. */
export function expectedPartitionRows(
  schema: TableSchema, p: WritePartition, now: number, nowAtWrite: number,
  covers: (range: WriteRangeTombstone, row: WriteRow) => boolean,
): ExpectedRow[] {
  const cols = selectStarColumns(schema);
  const base: ExpectedRow = {};
  const key = p.key instanceof Uint8Array ? [] : p.key;
  schema.partitionKey.forEach((c, i) => { base[c.name] = json(key[i] ?? null); });
  const pd = ts(p.deletion);
  const statics: ExpectedRow = {};
  let staticLive = false;
  for (const c of schema.columns) if (c.kind === 'static') statics[c.name] = null;
  for (const [name, c] of Object.entries(p.staticRow?.cells ?? {})) {
    const v = columnValue(kindOf(schema, name), c, pd, p.staticRow?.timestamp, now, nowAtWrite);
    statics[name] = v;
    if (v !== null) staticLive = true;
  }
  const items = (p.rows ?? []) as readonly WriteUnfiltered[];
  const ranges = items.filter((u): u is WriteRangeTombstone => u.kind === 'range');
  const out: ExpectedRow[] = [];
  for (const u of items) {
    if (u.kind === 'range') continue;
    const row = u as WriteRow;
    let del = max(pd, ts(row.deletion));
    for (const r of ranges) if (covers(r, row)) del = max(del, r.deletion.markedForDeleteAt);
    const l = row.liveness;
    let live = l !== undefined && alive({ timestamp: l.timestamp, ...(l.ttl === undefined ? {} : { ttl: l.ttl }), ...(l.localExpirationTime === undefined ? {} : { localExpirationTime: l.localExpirationTime }) }, del, undefined, now, nowAtWrite);
    const values: ExpectedRow = {};
    for (const c of schema.columns) if (c.kind !== 'static') values[c.name] = null;
    for (const [name, c] of Object.entries(row.cells ?? {})) {
      if (!(name in values)) continue;
      const v = columnValue(kindOf(schema, name), c, del, l?.timestamp, now, nowAtWrite);
      values[name] = v;
      if (v !== null) live = true;
    }
    if (!live) continue;
    const r: ExpectedRow = { ...base };
    schema.clustering.forEach((c, i) => { r[c.name] = json(row.clustering[i] ?? null); });
    out.push(order(cols.map((c) => c.name), { ...r, ...statics, ...values }));
  }
  if (out.length === 0 && staticLive) {
    const r: ExpectedRow = { ...base };
    for (const c of schema.clustering) r[c.name] = null;
    for (const c of schema.columns) if (c.kind !== 'static') r[c.name] = null;
    out.push(order(cols.map((c) => c.name), { ...r, ...statics }));
  }
  return out;
}

function order(names: readonly string[], r: ExpectedRow): ExpectedRow {
  const out: ExpectedRow = {};
  for (const n of names) out[n] = r[n] ?? null;
  return out;
}
