/**
 * The sample keyspace: its CQL, and a deterministic generator of each table's partitions (writer input
 * with JSON values in the dump conventions, so the same objects yield the expected rows).
 *
 * Coverage: every native CQL type (all_types), frozen and non-frozen list/set/map, a frozen UDT, a tuple,
 * a static column and DESC clustering (collections), counters; cell, row, range (incl. a boundary) and
 * partition tombstones, complex deletions, TTLs already expired at write time and TTLs far in the future,
 * and a dropped column whose old cells the reader must discard.
 */
import type { WritePartition, WriteRangeTombstone, WriteRow, WriteUnfiltered, WriteCell, WriteColumn } from '../sstable/writer/model.js';
import { Prng } from './prng.js';

export const SAMPLE_KEYSPACE = 'sample';
/** write time of the sample ("now" when the rows were written): 2023-11-14T22:13:20Z */
export const SAMPLE_WRITE_TIME = 1_700_000_000;
const T0 = 1_600_000_000_000_000n;
/** TTL that expired long before SAMPLE_WRITE_TIME (expiration 2020-09-13) */
const EXPIRED = { ttl: 3600, localExpirationTime: 1_600_003_600 };
/** ten years after the write time (2033-11-11) */
const FUTURE_TTL = 315_360_000;
/** µs: when old_col was dropped; every old_col cell is older */
export const OLD_COL_DROPPED_AT = T0 + 900_000_000_000n;

export const SAMPLE_CQL = `
CREATE TYPE sample.address (street text, zip int);
CREATE TABLE sample.all_types (
  id int, ck int, a_ascii ascii, a_bigint bigint, a_blob blob, a_boolean boolean, a_date date,
  a_decimal decimal, a_double double, a_duration duration, a_float float, a_inet inet, a_int int,
  a_smallint smallint, a_text text, a_time time, a_timestamp timestamp, a_timeuuid timeuuid,
  a_tinyint tinyint, a_uuid uuid, a_varint varint,
  PRIMARY KEY ((id), ck));
CREATE TABLE sample.collections (
  id text, ck int, st text static, l list<int>, s set<text>, m map<text, int>, fl frozen<list<int>>,
  fs frozen<set<text>>, fm frozen<map<int, text>>, addr frozen<address>, tup tuple<int, text>,
  PRIMARY KEY ((id), ck)) WITH CLUSTERING ORDER BY (ck DESC);
CREATE TABLE sample.counters (id int PRIMARY KEY, hits counter);
`;

/** The CQL the data is written with: all_types still has old_col (dropped afterwards). */
export const SAMPLE_WRITE_CQL = SAMPLE_CQL.replace('a_varint varint,', 'a_varint varint, old_col int,');

export const SAMPLE_TABLE_IDS: Readonly<Record<string, string>> = {
  all_types: '5a3e0c10b6a111eea1b2d3c4e5f60001',
  collections: '5a3e0c10b6a111eea1b2d3c4e5f60002',
  counters: '5a3e0c10b6a111eea1b2d3c4e5f60003',
};

export interface SamplePartition {
  readonly partition: WritePartition;
  /** the partition's rows, already an array */
  readonly rows: readonly WriteUnfiltered[];
  /** whether a range tombstone covers a row (by the generator's own clustering ints) */
  readonly covers: (r: WriteRangeTombstone, row: WriteRow) => boolean;
}

function timeuuid(p: Prng): string {
  const h = p.hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-1${h.slice(13, 16)}-${'89ab'[p.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function uuid4(p: Prng): string {
  const h = p.hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[p.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function allTypesValues(p: Prng, i: number, j: number): Record<string, string | number | boolean> {
  return {
    a_ascii: `row ${i}/${j}`,
    a_bigint: String(BigInt(p.int(-1e9, 1e9)) * 9_000_000_007n),
    a_blob: '0x' + p.hex(p.int(0, 6)),
    a_boolean: p.next() < 0.5,
    a_date: `${p.int(1970, 2037)}-${pad(p.int(1, 12))}-${pad(p.int(1, 28))}`,
    a_decimal: `${p.int(-99999, 99999)}.${pad(p.int(0, 99))}`,
    a_double: p.int(-4000, 4000) / 8,
    a_duration: `${p.int(1, 11)}mo${p.int(1, 27)}d${p.int(1, 23)}h${p.int(1, 59)}m`,
    a_float: p.int(-2000, 2000) / 4,
    a_inet: `10.${p.int(0, 255)}.${p.int(0, 255)}.${p.int(1, 254)}`,
    a_int: p.int(-2147483648, 2147483647),
    a_smallint: p.int(-32768, 32767),
    a_text: p.pick(['héllo wörld', 'plain', '日本語テキスト', 'emoji 😀 ✓', '']) + ` ${i}`,
    a_time: `${pad(p.int(0, 23))}:${pad(p.int(0, 59))}:${pad(p.int(0, 59))}.${pad(p.int(0, 999999999), 9)}`,
    a_timestamp: new Date(p.int(0, 2_000_000_000) * 1000 + p.int(0, 999)).toISOString(),
    a_timeuuid: timeuuid(p),
    a_tinyint: p.int(-128, 127),
    a_uuid: uuid4(p),
    a_varint: (BigInt(p.int(-1e9, 1e9)) * 10n ** 20n + BigInt(p.int(0, 1e9))).toString(),
  };
}

const ROWS_PER_ALL_TYPES_PARTITION = 5;

/** all_types partition i: five rows ck 0..4 with the deletion/TTL case picked per row. */
export function allTypesPartition(i: number): SamplePartition {
  const p = new Prng(0x5eed0000 + i);
  const rows: WriteUnfiltered[] = [];
  const pts = T0 + BigInt(i) * 1_000_000n;
  const ranges: { r: WriteRangeTombstone; lo: number; hi: number }[] = [];
  for (let j = 0; j < ROWS_PER_ALL_TYPES_PARTITION; j++) {
    const ts = pts + BigInt(j) * 10n;
    if (i % 5 === 2 && j === 1) {
      const r: WriteRangeTombstone = { kind: 'range', start: { values: [1], inclusive: true }, end: { values: [3], inclusive: false }, deletion: { markedForDeleteAt: pts + 500n, localDeletionTime: SAMPLE_WRITE_TIME } };
      rows.push(r);
      ranges.push({ r, lo: 1, hi: 2 });
    }
    if (i % 5 === 4 && j === 1) {
      const r: WriteRangeTombstone = { kind: 'range', start: { values: [1], inclusive: true }, end: { values: [2], inclusive: true }, deletion: { markedForDeleteAt: pts + 500n, localDeletionTime: SAMPLE_WRITE_TIME } };
      rows.push(r);
      ranges.push({ r, lo: 1, hi: 2 });
    }
    if (i % 5 === 4 && j === 3) {
      // starts where the previous range ended (exclusive 2): written as a boundary marker
      const r: WriteRangeTombstone = { kind: 'range', start: { values: [2], inclusive: false }, end: { values: [3], inclusive: true }, deletion: { markedForDeleteAt: pts + 600n, localDeletionTime: SAMPLE_WRITE_TIME } };
      rows.push(r);
      ranges.push({ r, lo: 3, hi: 3 });
    }
    const values = allTypesValues(p, i, j);
    const cells: Record<string, WriteCell> = {};
    const dice = p.next();
    const names = Object.keys(values);
    for (const n of names) if (p.next() < 0.9) cells[n] = { value: values[n] ?? null };
    if (p.next() < 0.3) cells['old_col'] = { value: j, timestamp: ts - 5n };
    let row: WriteRow;
    if (dice < 0.1) {
      row = { clustering: [j], liveness: { timestamp: ts }, deletion: { markedForDeleteAt: ts + 1n, localDeletionTime: SAMPLE_WRITE_TIME }, cells };
    } else if (dice < 0.25) {
      for (const n of [p.pick(names), p.pick(names)]) cells[n] = { deleted: true, timestamp: ts, localDeletionTime: SAMPLE_WRITE_TIME };
      row = { clustering: [j], liveness: { timestamp: ts }, cells };
    } else if (dice < 0.35) {
      for (const n of [p.pick(names), p.pick(names), p.pick(names)]) cells[n] = { value: values[n] ?? null, timestamp: ts, ...EXPIRED };
      row = { clustering: [j], liveness: { timestamp: ts }, cells };
    } else if (dice < 0.5) {
      const ttl = { ttl: FUTURE_TTL, localExpirationTime: SAMPLE_WRITE_TIME + FUTURE_TTL };
      const ttlCells: Record<string, WriteCell> = {};
      for (const [n, c] of Object.entries(cells)) ttlCells[n] = n === 'old_col' ? c : { ...c, ...ttl };
      row = { clustering: [j], liveness: { timestamp: ts, ...ttl }, cells: ttlCells };
    } else if (dice < 0.6) {
      const expired: Record<string, WriteCell> = {};
      for (const [n, c] of Object.entries(cells)) expired[n] = { ...c, ...EXPIRED };
      row = { clustering: [j], liveness: { timestamp: ts, ...EXPIRED }, cells: expired };
    } else {
      row = { clustering: [j], liveness: { timestamp: ts }, cells };
    }
    rows.push(row);
  }
  const deletion = i % 7 === 3 ? { markedForDeleteAt: pts + 1000n, localDeletionTime: SAMPLE_WRITE_TIME } : undefined;
  const covers = (r: WriteRangeTombstone, row: WriteRow): boolean => {
    const x = ranges.find((e) => e.r === r);
    const ck = row.clustering[0] as number;
    return x !== undefined && ck >= x.lo && ck <= x.hi;
  };
  return { partition: { key: [i], ...(deletion === undefined ? {} : { deletion }), rows }, rows, covers };
}

const ROWS_PER_COLLECTIONS_PARTITION = 4;

function sortedUnique<T extends string | number>(xs: T[]): T[] {
  return [...new Set(xs)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)))));
}

/** collections partition i ('p<i>'): a static column, rows ck 3..0 (DESC), collections of every kind. */
export function collectionsPartition(i: number): SamplePartition {
  const p = new Prng(0xc011ec70 + i);
  const pts = T0 + 500_000_000_000n + BigInt(i) * 1_000_000n;
  const rows: WriteUnfiltered[] = [];
  const staticOnly = i % 6 === 5;
  const nRows = staticOnly ? 0 : ROWS_PER_COLLECTIONS_PARTITION;
  for (let j = nRows - 1; j >= 0; j--) {
    const ts = pts + BigInt(j) * 10n;
    const words = sortedUnique(Array.from({ length: p.int(1, 4) }, () => p.pick(['alpha', 'beta', 'gamma', 'delta', 'épsilon', 'zeta'])));
    const keys = sortedUnique(Array.from({ length: p.int(1, 3) }, () => p.pick(['k1', 'k2', 'k3', 'k4'])));
    const cells: Record<string, WriteColumn> = {
      l: { value: Array.from({ length: p.int(1, 4) }, () => p.int(-100, 100)) },
      s: { value: words },
      m: { value: keys.map((k) => [k, p.int(0, 1000)]) },
      fl: { value: Array.from({ length: p.int(0, 3) }, () => p.int(-5, 5)) },
      fs: { value: words },
      fm: { value: sortedUnique([p.int(0, 9), p.int(0, 9)]).map((k) => [k, `v${k}`]) },
      addr: { value: { street: `${p.int(1, 999)} Main St`, zip: p.next() < 0.3 ? null : p.int(10000, 99999) } },
      tup: { value: [p.int(0, 100), p.pick(['x', 'y', 'z'])] },
    };
    const dice = p.next();
    if (dice < 0.15) cells['l'] = { deleted: true, timestamp: ts + 1n };
    else if (dice < 0.3) cells['m'] = { value: keys.map((k) => [k, 1]), ...EXPIRED };
    else if (dice < 0.45) {
      cells['s'] = { kind: 'complex', elements: [{ path: 'kept' }, { path: 'removed', deleted: true, localDeletionTime: SAMPLE_WRITE_TIME }] };
    }
    rows.push({ clustering: [j], liveness: { timestamp: ts }, cells });
  }
  const staticRow = i % 4 === 1 ? undefined : { timestamp: pts, cells: { st: { value: `static of p${i}` } } };
  const covers = (): boolean => false;
  return { partition: { key: [`p${i}`], ...(staticRow === undefined ? {} : { staticRow }), rows }, rows, covers };
}

export function countersPartition(i: number): SamplePartition {
  const p = new Prng(0xc0a7e500 + i);
  const rows: WriteUnfiltered[] = [{ clustering: [], cells: { hits: { value: String(p.int(-1000, 100000)), timestamp: T0 + BigInt(i) } } }];
  return { partition: { key: [i], rows }, rows, covers: () => false };
}

/** Partition counts per table for about `rows` CQL rows in total. */
export function samplePartitionCounts(rows: number): Record<string, number> {
  return {
    all_types: Math.max(1, Math.ceil((rows * 0.5) / ROWS_PER_ALL_TYPES_PARTITION)),
    collections: Math.max(1, Math.ceil((rows * 0.4) / ROWS_PER_COLLECTIONS_PARTITION)),
    counters: Math.max(1, Math.ceil(rows * 0.1)),
  };
}

export const SAMPLE_GENERATORS: Readonly<Record<string, (i: number) => SamplePartition>> = {
  all_types: allTypesPartition,
  collections: collectionsPartition,
  counters: countersPartition,
};
