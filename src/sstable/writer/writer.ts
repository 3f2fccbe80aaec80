/**
 * `writeSSTable`: streams partitions into a complete `me` SSTable (Cassandra 3.0.25+/3.11.11+):
 * Data.db, Index.db, Summary.db, Filter.db, Statistics.db, Digest.crc32, TOC.txt, and
 * CompressionInfo.db (LZ4) or CRC.db (uncompressed). File names: `me-<generation>-big-<Component>`.
 *
 * Memory: one chunk, one row, the Summary samples (1/128 of the keys) and 16 bytes per partition for
 * the bloom filter; never a whole partition.
 */
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../../errors.js';
import { compareUnsigned } from '../../merge/bytes.js';
import { murmur3Token } from '../../merge/murmur3.js';
import type { TableSchema } from '../../schema/model.js';
import { buildComposite } from '../composite.js';
import { BLOOM_FP_CHANCE, BloomFilterBuilder } from './bloom-filter.js';
import { ByteSink } from './byte-sink.js';
import { DataFileWriter } from './data-file.js';
import { SummaryBuilder, writeIndexEntry } from './index-writer.js';
import { buildWriterLayout, type WriterLayout } from './layout.js';
import { NO_STATS, type Source, type WriteOptions, type WritePartition, type WrittenSSTable } from './model.js';
import { PartitionWriter } from './partition-writer.js';
import { encodeValue, RowEncoder } from './prepare.js';
import { MetadataCollector, writeStatistics } from './stats.js';
import { DeltaWriter } from './unfiltered.js';

/** Component order of TOC.txt as Cassandra 3.0 wrote it for the `me` fixtures (a HashSet's order). */
const TOC_LZ4 = ['Data.db', 'Summary.db', 'CompressionInfo.db', 'TOC.txt', 'Statistics.db', 'Digest.crc32', 'Index.db', 'Filter.db'];
const TOC_NONE = ['Data.db', 'Summary.db', 'TOC.txt', 'Statistics.db', 'Digest.crc32', 'Index.db', 'Filter.db', 'CRC.db'];

/** The serialized partition key: one value, or CompositeType of several (§8.3). */
export function partitionKeyBytes(layout: WriterLayout, key: WritePartition['key']): Uint8Array {
  if (key instanceof Uint8Array) return key;
  const cols = layout.schema.partitionKey;
  if (key.length !== cols.length) {
    throw new AgentError('E_BAD_ARGUMENT', `${layout.schema.keyspace}.${layout.schema.table}: expected ${cols.length} partition key values, got ${key.length}`);
  }
  const parts = key.map((v, i) => encodeValue((cols[i] as (typeof cols)[number]).type, v, `partition key ${cols[i]?.name ?? i}`));
  const one = parts[0];
  return parts.length === 1 && one !== undefined ? one : buildComposite(parts);
}

function uuidBytes(s: string): Uint8Array {
  const hex = s.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new AgentError('E_BAD_ARGUMENT', `hostId must be a UUID, got ${s}`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * @param dir the table directory (must exist)
 * @throws AgentError E_BAD_ARGUMENT for out-of-order partitions/rows, bad values, no partitions; E_IO on write failures
 */
export async function writeSSTable(dir: string, schema: TableSchema, partitions: Source<WritePartition>, opts: WriteOptions): Promise<WrittenSSTable> {
  const chunkLength = opts.chunkLength ?? 65536;
  if (chunkLength < 16 || (chunkLength & (chunkLength - 1)) !== 0) throw new AgentError('E_BAD_ARGUMENT', `chunkLength must be a power of two, got ${chunkLength}`);
  const layout = buildWriterLayout(schema, opts.headerColumns);
  const stats = opts.encodingStats ?? NO_STATS;
  const nowInSec = opts.nowInSec ?? Math.floor(Date.now() / 1000);
  const name = (c: string): string => join(dir, `me-${opts.generation}-big-${c}`);
  const collector = new MetadataCollector(layout.clusteringCompare);
  const summary = new SummaryBuilder();
  const filter = new BloomFilterBuilder();
  const index = new ByteSink(1 << 16);
  let indexPosition = 0;
  let partitionCount = 0;
  let rowCount = 0;

  let dataFh;
  let indexFh;
  try {
    dataFh = await open(name('Data.db'), 'w');
    indexFh = await open(name('Index.db'), 'w');
  } catch (e) {
    await dataFh?.close();
    throw new AgentError('E_IO', `cannot create SSTable files in ${dir}: ${(e as Error).message}`, { file: dir }, { cause: e });
  }
  try {
    const data = new DataFileWriter(dataFh, opts.compression, chunkLength);
    const pw = new PartitionWriter(data, layout, new RowEncoder(layout, nowInSec), collector, new DeltaWriter(stats), opts.columnIndexSize ?? 65536);
    let prevKey: Uint8Array | null = null;
    let prevToken = 0n;
    for await (const p of partitions) {
      const key = partitionKeyBytes(layout, p.key).slice();
      if (key.length > 0xffff) throw new AgentError('E_BAD_ARGUMENT', `partition key of ${key.length} bytes exceeds 65535`);
      const token = murmur3Token(key);
      if (prevKey !== null && (token < prevToken || (token === prevToken && compareUnsigned(prevKey, key) >= 0))) {
        throw new AgentError('E_BAD_ARGUMENT', `partitions must come in Murmur3 token order without duplicates: token ${token} after ${prevToken}`);
      }
      prevKey = key;
      prevToken = token;
      const position = data.position;
      const r = await pw.write(key, p);
      rowCount += r.rows;
      partitionCount++;
      summary.add(key, indexPosition);
      filter.add(key);
      writeIndexEntry(index, key, position, r.headerLength, p.deletion ?? { markedForDeleteAt: -(1n << 63n), localDeletionTime: 0x7fffffff }, r.blocks, layout.clusteringFixed);
      if (index.length >= 1 << 16) {
        indexPosition += index.length;
        await indexFh.write(index.toBytes());
        index.reset();
      }
    }
    if (partitionCount === 0) throw new AgentError('E_BAD_ARGUMENT', 'an SSTable needs at least one partition');
    indexPosition += index.length;
    await indexFh.write(index.toBytes());
    const done = await data.finish();
    const hostId = opts.hostId === undefined ? null : uuidBytes(opts.hostId);
    const extra: [string, Uint8Array][] = [
      ['Summary.db', summary.build()],
      ['Filter.db', filter.build()],
      ['Statistics.db', writeStatistics(collector, layout, stats, BLOOM_FP_CHANCE, done.compressionRatio, hostId)],
      ['Digest.crc32', new TextEncoder().encode(String(done.digest))],
    ];
    if (done.compressionInfo !== null) extra.push(['CompressionInfo.db', done.compressionInfo]);
    if (done.crcDb !== null) extra.push(['CRC.db', done.crcDb]);
    const toc = opts.compression === 'lz4' ? TOC_LZ4 : TOC_NONE;
    extra.push(['TOC.txt', new TextEncoder().encode(toc.map((c) => c + '\n').join(''))]);
    for (const [c, bytes] of extra) await writeFile(name(c), bytes);
    return { dataPath: name('Data.db'), components: toc.map(name), partitions: partitionCount, rows: rowCount, dataLength: done.dataLength };
  } catch (e) {
    if (e instanceof AgentError) throw e;
    throw new AgentError('E_IO', `writing the SSTable in ${dir} failed: ${(e as Error).message}`, { file: dir }, { cause: e });
  } finally {
    await dataFh.close();
    await indexFh.close();
  }
}
