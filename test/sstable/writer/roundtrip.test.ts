/**
 * Round trip: random rows -> writeSSTable -> the project's reader (dump) equals the rows the input
 * model describes (computed without decoding), for LZ4 with many small chunks and for uncompressed.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUnsigned } from '../../../src/merge/bytes.js';
import { murmur3Token } from '../../../src/merge/murmur3.js';
import { expectedPartitionRows } from '../../../src/sample/expected.js';
import { parseCqlSchema } from '../../../src/schema/cql-ddl.js';
import { parseCompressionInfo } from '../../../src/sstable/io/compression-info.js';
import { crc32 } from '../../../src/sstable/io/checksum.js';
import { partitionKeyBytes, writeSSTable, type WritePartition, type WriteRow, type WriteUnfiltered } from '../../../src/sstable/writer/index.js';
import { buildWriterLayout } from '../../../src/sstable/writer/layout.js';
import { dumpJsonRows } from '../../../src/cli/dump.js';

const CQL = `CREATE TABLE ks.t (k text, c int, s int static, v text, n bigint, l list<int>, m map<text, int>, PRIMARY KEY ((k), c));`;
const SCHEMA = (() => {
  const t = parseCqlSchema(CQL).tables[0];
  if (t === undefined) throw new Error('schema');
  return t;
})();
const NOW = 1_700_000_000;

const rowArb = fc.record({
  v: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  n: fc.option(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), { nil: undefined }),
  l: fc.option(fc.array(fc.integer(), { maxLength: 4 }), { nil: undefined }),
  m: fc.option(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 3 }), { nil: undefined }),
  ttl: fc.constantFrom(0, 0, 100, 1_000_000),
  deleted: fc.boolean(),
});

const partitionsArb = fc.uniqueArray(
  fc.record({
    key: fc.string({ minLength: 0, maxLength: 12 }),
    st: fc.option(fc.integer(), { nil: undefined }),
    rows: fc.uniqueArray(fc.tuple(fc.integer({ min: -50, max: 50 }), rowArb), { selector: (r) => r[0], maxLength: 12 }),
  }),
  { selector: (p) => p.key, minLength: 1, maxLength: 8 },
);

type Parts = typeof partitionsArb extends fc.Arbitrary<infer T> ? T : never;

function build(parts: Parts): WritePartition[] {
  const layout = buildWriterLayout(SCHEMA);
  const ps: WritePartition[] = parts.map((p, pi) => {
    const rows: WriteUnfiltered[] = [...p.rows].sort((a, b) => a[0] - b[0]).map(([c, r], ri): WriteRow => {
      const ts = 1_000_000n + BigInt(pi * 100 + ri);
      const cellTtl = r.ttl === 0 ? {} : { ttl: r.ttl, localExpirationTime: NOW - 50 + r.ttl };
      const cells: Record<string, { value: string | number | [string, number][] | number[] | string } & object> = {};
      if (r.v !== undefined) cells['v'] = { value: r.v, ...cellTtl };
      if (r.n !== undefined) cells['n'] = { value: r.n.toString() };
      if (r.l !== undefined) cells['l'] = { value: r.l };
      if (r.m !== undefined) cells['m'] = { value: [...r.m].sort().map((k, i): [string, number] => [k, i]) };
      return {
        clustering: [c],
        liveness: { timestamp: ts },
        ...(r.deleted ? { deletion: { markedForDeleteAt: ts - 1n, localDeletionTime: NOW } } : {}),
        cells,
      };
    });
    return { key: [p.key], ...(p.st === undefined ? {} : { staticRow: { timestamp: 5n, cells: { s: { value: p.st } } } }), rows };
  });
  const keyed = ps.map((p) => ({ p, k: partitionKeyBytes(layout, p.key) }));
  keyed.sort((a, b) => {
    const ta = murmur3Token(a.k);
    const tb = murmur3Token(b.k);
    return ta < tb ? -1 : ta > tb ? 1 : compareUnsigned(a.k, b.k);
  });
  return keyed.map((x) => x.p);
}

async function roundTrip(parts: WritePartition[], compression: 'lz4' | 'none', chunkLength: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'writer-rt-'));
  try {
    const tableDir = join(dir, 'ks', 't-00000000000000000000000000000001');
    await mkdir(tableDir, { recursive: true });
    await writeSSTable(tableDir, SCHEMA, parts, { generation: 1, compression, chunkLength, nowInSec: NOW });
    const schemaFile = join(dir, 'schema.cql');
    await writeFile(schemaFile, CQL);
    const rows: unknown[] = [];
    for await (const b of dumpJsonRows([tableDir], { nowInSec: NOW, schemaFile })) rows.push(...b);
    const expected = parts.flatMap((p) => expectedPartitionRows(SCHEMA, p, NOW, NOW, () => false));
    expect(rows).toEqual(expected);
    const data = await readFile(join(tableDir, 'me-1-big-Data.db'));
    expect(await readFile(join(tableDir, 'me-1-big-Digest.crc32'), 'utf8')).toBe(String(crc32(data)));
    if (compression === 'lz4') {
      const ci = parseCompressionInfo(await readFile(join(tableDir, 'me-1-big-CompressionInfo.db')), 'ci');
      expect(ci.chunkOffsets.length).toBe(Math.ceil(ci.dataLength / chunkLength));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('writer -> reader round trip (fast-check)', () => {
  it('LZ4 with 64-byte chunks (many chunks, rows across chunk boundaries)', async () => {
    await fc.assert(fc.asyncProperty(partitionsArb, async (parts) => roundTrip(build(parts), 'lz4', 64)), { numRuns: 25 });
  });
  it('uncompressed with CRC.db', async () => {
    await fc.assert(fc.asyncProperty(partitionsArb, async (parts) => roundTrip(build(parts), 'none', 65536)), { numRuns: 25 });
  });
  it('a zero-length text key and static-only partitions', async () => {
    await roundTrip(build([{ key: '', st: 7, rows: [] }, { key: 'x', st: undefined, rows: [[1, { v: 'a', n: undefined, l: [1, 2], m: ['a'], ttl: 0, deleted: false }]] }]), 'lz4', 64);
  });
});
