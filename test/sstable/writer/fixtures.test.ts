/**
 * The writer against real files: decode a fixture SSTable with the project's reader, write the same
 * partitions (same header bases and header columns), and compare bytes. Cassandra 3.0.29 `me` files
 * (pcass) and Scylla's golden mc writer outputs must match exactly: Data.db (the uncompressed stream for
 * LZ4, whose compressed bytes depend on the LZ4 implementation), Index.db (incl. promoted indexes),
 * Filter.db, Summary.db, CRC.db and Digest.crc32 (uncompressed).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateTable } from '../../../src/catalog/locate.js';
import { crc32 } from '../../../src/sstable/io/checksum.js';
import { parseCompressionInfo } from '../../../src/sstable/io/compression-info.js';
import { parseStatistics } from '../../../src/sstable/io/statistics.js';
import { openSSTable } from '../../../src/sstable/table.js';
import { writeSSTable } from '../../../src/sstable/writer/index.js';
import { fixturePath, haveFixture } from '../../helpers/fixtures.js';
import { eventsToPartitions, readSSTableEvents, schemaOf, uncompressedData } from './helpers.js';

interface Compared { data: boolean; components: Record<string, boolean | 'absent'>; out: string; fixture: string }

async function rewrite(set: string, which = 0): Promise<Compared> {
  const dir = fixturePath(set);
  const schema = await schemaOf(dir);
  const d = (await locateTable([dir])).sstables[which];
  if (d === undefined) throw new Error(`no sstable ${which} in ${set}`);
  const t = await openSSTable(d, { index: false });
  const out = await mkdtemp(join(tmpdir(), 'writer-fx-'));
  try {
    const h = t.statistics.header;
    if (h === null) throw new Error('no header');
    const events = await readSSTableEvents(t, schema);
    await writeSSTable(out, schema, eventsToPartitions(schema, events), {
      generation: 1, compression: t.data.compressor === null ? 'none' : 'lz4', nowInSec: 1,
      encodingStats: { minTimestamp: h.minTimestamp, minLocalDeletionTime: h.minLocalDeletionTime, minTTL: h.minTTL },
      headerColumns: [...h.staticColumns, ...h.regularColumns].map((c) => c.name),
    });
    const mineDesc = (await locateTable([out])).sstables[0];
    if (mineDesc === undefined) throw new Error('nothing written');
    const mine = await openSSTable(mineDesc, { index: false });
    const a = await uncompressedData(t);
    const b = await uncompressedData(mine);
    await mine.data.close();
    const components: Record<string, boolean | 'absent'> = {};
    const names = t.data.compressor === null ? ['Index.db', 'Filter.db', 'Summary.db', 'CRC.db', 'Digest.crc32'] : ['Index.db', 'Filter.db', 'Summary.db'];
    for (const c of names) {
      const p = d.componentPath(c);
      components[c] = existsSync(p) ? readFileSync(p).equals(readFileSync(join(out, `me-1-big-${c}`))) : 'absent';
    }
    return { data: a.equals(b), components, out, fixture: d.dataPath };
  } finally {
    await t.data.close();
  }
}

const SCYLLA = 'scylla/3.x/uncompressed';
const scyllaWrites = haveFixture(SCYLLA) ? readdirSync(fixturePath(SCYLLA)).filter((n) => n.startsWith('write_')) : [];
const PCASS = 'pcass-me/data/sina_test';
const pcass = haveFixture(PCASS) ? readdirSync(fixturePath(PCASS)) : [];

describe('byte equality with Scylla golden mc writer outputs', () => {
  it.each(scyllaWrites)('%s', async (name) => {
    const r = await rewrite(`${SCYLLA}/${name}`);
    await rm(r.out, { recursive: true, force: true });
    expect(r.data).toBe(true);
    for (const v of Object.values(r.components)) expect(v === true || v === 'absent').toBe(true);
    expect(r.components['Index.db']).toBe(true);
    expect(r.components['Filter.db']).toBe(true);
  });
});

describe('byte equality with Cassandra 3.0.29 me files', () => {
  it.each(pcass)('sina_test/%s', async (name) => {
    const r = await rewrite(`${PCASS}/${name}`);
    await rm(r.out, { recursive: true, force: true });
    expect(r.data).toBe(true);
    expect(r.components).toEqual({ 'Index.db': true, 'Filter.db': true, 'Summary.db': true, 'CRC.db': true, 'Digest.crc32': true });
  });

  it.runIf(haveFixture('pcass-me/data/system_schema'))('LZ4 system_schema.columns: same stream, Index, Filter, Summary; CompressionInfo shaped alike', async () => {
    const set = 'pcass-me/data/system_schema/columns-24101c25a2ae3af787c1b40ee1aca33f';
    const r = await rewrite(set);
    try {
      expect(r.data).toBe(true);
      expect(r.components).toEqual({ 'Index.db': true, 'Filter.db': true, 'Summary.db': true });
      const real = parseCompressionInfo(readFileSync(r.fixture.replace('Data.db', 'CompressionInfo.db')), 'real');
      const mine = parseCompressionInfo(readFileSync(join(r.out, 'me-1-big-CompressionInfo.db')), 'mine');
      // 3.0.x ends this file with an extra empty chunk (a final flush of an empty buffer); readers never
      // address it (CompressionMetadata.chunkFor), so the writer emits exactly ceil(dataLength / chunkLength).
      expect({ ...mine, chunkOffsets: [] }).toEqual({ ...real, chunkOffsets: [] });
      expect(mine.chunkOffsets.length).toBe(Math.ceil(mine.dataLength / mine.chunkLength));
      expect(real.chunkOffsets.length).toBe(mine.chunkOffsets.length + 1);
      expect(mine.chunkOffsets[0]).toBe(0);
      const data = readFileSync(join(r.out, 'me-1-big-Data.db'));
      expect(readFileSync(join(r.out, 'me-1-big-Digest.crc32'), 'utf8')).toBe(String(crc32(data)));
      expect(readFileSync(join(r.out, 'me-1-big-TOC.txt'), 'utf8').split('\n').filter(Boolean).sort())
        .toEqual(readFileSync(r.fixture.replace('Data.db', 'TOC.txt'), 'utf8').split('\n').filter(Boolean).sort());
    } finally {
      await rm(r.out, { recursive: true, force: true });
    }
  });
});

describe('promoted indexes of large partitions (Cassandra-written read fixtures)', () => {
  it.runIf(haveFixture(SCYLLA, 'read_range_tombstone_boundaries_index'))('read_range_tombstone_boundaries_index: Index.db identical', async () => {
    const r = await rewrite(`${SCYLLA}/read_range_tombstone_boundaries_index`);
    await rm(r.out, { recursive: true, force: true });
    expect(r.data).toBe(true);
    expect(r.components['Index.db']).toBe(true);
    expect(readFileSync(fixturePath(SCYLLA, 'read_range_tombstone_boundaries_index', 'mc-1-big-Index.db')).length).toBeGreaterThan(100);
  });
});

describe('Statistics.db against a real me file (sina_test.users)', () => {
  it.runIf(pcass.length > 0)('same fields, histograms and header; only commit-log positions, host id and HLL differ', async () => {
    const set = `${PCASS}/users-916fa140a1c711eeae8c6d2c86545d91`;
    const r = await rewrite(set);
    try {
      const realBytes = readFileSync(fixturePath(set, 'me-1-big-Statistics.db'));
      const real = parseStatistics(realBytes, 'me', 'real');
      const mineBytes = readFileSync(join(r.out, 'me-1-big-Statistics.db'));
      const mine = parseStatistics(mineBytes, 'me', 'mine');
      expect(mine.partitioner).toBe(real.partitioner);
      expect(mine.bloomFilterFpChance).toBe(real.bloomFilterFpChance);
      // 3.0.x prints frozen UDTs as bare UserType(...) (pitfall P6); the writer prints them as 3.11 does,
      // FrozenType(UserType(...)). Apart from that wrapper the header is identical.
      const unwrap = (t: string): string => t.replace(/org\.apache\.cassandra\.db\.marshal\.FrozenType\((org\.apache\.cassandra\.db\.marshal\.UserType\(.*\))\)\)$/, '$1)');
      const mineHeader = mine.header === null ? null : { ...mine.header, regularColumns: mine.header.regularColumns.map((c) => ({ ...c, type: unwrap(c.type) })) };
      expect(mine.header?.regularColumns[1]?.type).toContain('FrozenType(org.apache.cassandra.db.marshal.UserType(');
      expect(mineHeader).toEqual(real.header);
      expect({ ...mine.stats, originatingHostId: null }).toEqual({ ...real.stats, originatingHostId: null });
      // STATS starts with the two EstimatedHistograms (151 + 119 buckets): identical bytes
      const at = (b: Buffer): number => b.readInt32BE(4 + 2 * 8 + 4);
      const histBytes = 4 + 151 * 16 + 4 + 119 * 16;
      expect(mineBytes.subarray(at(mineBytes), at(mineBytes) + histBytes).equals(realBytes.subarray(at(realBytes), at(realBytes) + histBytes))).toBe(true);
    } finally {
      await rm(r.out, { recursive: true, force: true });
    }
  });
});
