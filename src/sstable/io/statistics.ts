/**
 * Statistics.db (§4; C/io/sstable/metadata/MetadataSerializer.java, ValidationMetadata.java,
 * StatsMetadata.java, C/db/SerializationHeader.java, C/db/rows/EncodingStats.java; `me` from the 4.0
 * StatsMetadata serializer). A table of contents points at VALIDATION, COMPACTION, STATS and (`ma`+)
 * HEADER; COMPACTION is not needed and skipped.
 */
import { AgentError } from '../../errors.js';
import { ByteReader } from './byte-reader.js';
import { readComponent } from './components.js';
import { isV3, type SSTableDescriptor, type SSTableVersion } from './descriptor.js';

export interface HeaderColumn {
  name: string;
  /** the UTF-8 bytes of the name as stored (a view into the Statistics.db bytes) */
  nameBytes: Uint8Array;
  /** marshal type string (§8.1) */
  type: string;
}

/** The 3.x SerializationHeader: the bases of Data.db's delta encodings and the column list, in on-disk order (P16). */
export interface SerializationHeader {
  minTimestamp: bigint;
  minLocalDeletionTime: number;
  minTTL: number;
  keyType: string;
  clusteringTypes: string[];
  staticColumns: HeaderColumn[];
  regularColumns: HeaderColumn[];
}

export interface StatsMetadata {
  minTimestamp: bigint;
  maxTimestamp: bigint;
  /** `ma`+ only */
  minLocalDeletionTime: number | null;
  maxLocalDeletionTime: number;
  /** `ma`+ only */
  minTTL: number | null;
  maxTTL: number | null;
  /** −1 when unknown */
  compressionRatio: number;
  sstableLevel: number;
  /** ms since the epoch; 0 = unrepaired */
  repairedAt: bigint;
  /** per clustering component; untrustworthy before `md` (CASSANDRA-14861, pitfall P8) */
  minClusteringValues: Uint8Array[];
  maxClusteringValues: Uint8Array[];
  hasLegacyCounterShards: boolean;
  /** `ma`+ only */
  totalColumnsSet: bigint | null;
  totalRows: bigint | null;
  /** `me` only, when recorded: lowercase dashed UUID */
  originatingHostId: string | null;
  /** sum of the partition-size histogram buckets (Cassandra's estimated key count); null if not a safe integer */
  estimatedPartitionCount: number | null;
}

export interface Statistics {
  partitioner: string;
  bloomFilterFpChance: number;
  stats: StatsMetadata;
  /** `ma`+ only */
  header: SerializationHeader | null;
}

const enum MetadataType {
  Validation = 0,
  Compaction = 1,
  Stats = 2,
  Header = 3,
}

/** EncodingStats epochs: 2015-09-22T00:00:00Z in µs and s; the TTL epoch is 0. */
const TIMESTAMP_EPOCH = 1442880000000000n;
const DELETION_TIME_EPOCH = 1442880000;

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Pure. Throws E_TRUNCATED / E_BAD_FORMAT naming `file` and the offset. */
export function parseStatistics(bytes: Uint8Array, version: SSTableVersion, file: string): Statistics {
  const r = new ByteReader(bytes, file);
  const toc = readToc(r);
  const at = (type: MetadataType, name: string): number => {
    const off = toc.get(type);
    if (off === undefined) throw new AgentError('E_BAD_FORMAT', `Statistics.db has no ${name} component`, { file });
    return off;
  };
  r.seek(at(MetadataType.Validation, 'VALIDATION'), 'the VALIDATION component');
  const partitioner = r.utf('the partitioner name');
  const bloomFilterFpChance = r.f64('the bloom filter fp chance');
  const statsOffset = at(MetadataType.Stats, 'STATS');
  r.seek(statsOffset, 'the STATS component');
  const stats = parseStats(r, version);
  const limit = nextOffsetAfter(toc, statsOffset);
  if (limit !== null && r.pos > limit) r.fail(`STATS component overruns the next component at ${limit}`);
  let header: SerializationHeader | null = null;
  if (isV3(version)) {
    r.seek(at(MetadataType.Header, 'HEADER'), 'the HEADER component');
    header = parseHeader(r);
  }
  return { partitioner, bloomFilterFpChance, stats, header };
}

/** Reads and parses the sstable's Statistics.db (E_MISSING_COMPONENT when absent). */
export async function readStatistics(desc: SSTableDescriptor): Promise<Statistics> {
  const bytes = await readComponent(desc, 'Statistics.db');
  return parseStatistics(bytes, desc.version, desc.componentPath('Statistics.db'));
}

/** The table of contents: metadata type -> absolute offset (§4.1). */
export function readToc(r: ByteReader): Map<number, number> {
  const count = r.i32('the component count');
  if (count < 0 || count > 64) r.fail(`implausible Statistics.db component count ${count}`);
  const toc = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const type = r.i32('a component type');
    const offset = r.i32('a component offset');
    if (offset < 0 || offset > r.bytes.length) {
      throw new AgentError('E_TRUNCATED', `Statistics.db component ${type} starts at ${offset}, beyond the end of the file (${r.bytes.length} bytes)`, { file: r.file, offset: r.pos - 4 });
    }
    toc.set(type, offset);
  }
  return toc;
}

function nextOffsetAfter(toc: Map<number, number>, offset: number): number | null {
  let next: number | null = null;
  for (const o of toc.values()) if (o > offset && (next === null || o < next)) next = o;
  return next;
}

/** EstimatedHistogram: i32 n, n × (i64 offset, i64 count). Returns the sum of the counts. */
function histogramTotal(r: ByteReader, what: string): number | null {
  const n = r.i32(what);
  if (n < 0) r.fail(`negative bucket count in ${what}`);
  r.need(n * 16, what);
  let total = 0n;
  for (let i = 0; i < n; i++) {
    r.skip(8);
    total += r.i64(what);
  }
  return total >= 0n && total <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(total) : null;
}

function clusteringValues(r: ByteReader, what: string): Uint8Array[] {
  const n = r.i32(what);
  if (n < 0) r.fail(`negative count in ${what}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.bytesView(r.u16(what), what));
  return out;
}

/** STATS fields in file order; the version gates follow BigVersion (§2, §4.4). */
export function parseStats(r: ByteReader, version: SSTableVersion): StatsMetadata {
  const v3 = isV3(version);
  const estimatedPartitionCount = histogramTotal(r, 'the partition size histogram');
  histogramTotal(r, 'the cell count histogram');
  r.skip(12, 'the commit log upper bound');
  const minTimestamp = r.i64('minTimestamp');
  const maxTimestamp = r.i64('maxTimestamp');
  const minLocalDeletionTime = v3 ? r.i32('minLocalDeletionTime') : null;
  const maxLocalDeletionTime = r.i32('maxLocalDeletionTime');
  const minTTL = v3 ? r.i32('minTTL') : null;
  const maxTTL = v3 ? r.i32('maxTTL') : null;
  const compressionRatio = r.f64('compressionRatio');
  r.skip(4, 'the tombstone histogram bin size');
  const bins = r.i32('the tombstone histogram size');
  if (bins < 0) r.fail(`negative tombstone histogram size ${bins}`);
  r.skip(bins * 16, 'the tombstone histogram');
  const sstableLevel = r.i32('sstableLevel');
  const repairedAt = r.i64('repairedAt');
  const minClusteringValues = clusteringValues(r, 'the min clustering values');
  const maxClusteringValues = clusteringValues(r, 'the max clustering values');
  const hasLegacyCounterShards = r.bool('hasLegacyCounterShards');
  let totalColumnsSet: bigint | null = null;
  let totalRows: bigint | null = null;
  let originatingHostId: string | null = null;
  if (v3) {
    totalColumnsSet = r.i64('totalColumnsSet');
    totalRows = r.i64('totalRows');
  }
  if (version === 'lb' || version >= 'mb') r.skip(12, 'the commit log lower bound');
  if (version >= 'mc') {
    const n = r.i32('the commit log interval count');
    if (n < 0) r.fail(`negative commit log interval count ${n}`);
    r.skip(n * 24, 'the commit log intervals');
  }
  if (version >= 'me' && r.bool('the host id flag')) originatingHostId = formatUuid(r.bytesView(16, 'the originating host id'));
  return {
    minTimestamp, maxTimestamp, minLocalDeletionTime, maxLocalDeletionTime, minTTL, maxTTL, compressionRatio,
    sstableLevel, repairedAt, minClusteringValues, maxClusteringValues, hasLegacyCounterShards,
    totalColumnsSet, totalRows, originatingHostId, estimatedPartitionCount,
  };
}

function formatUuid(b: Uint8Array): string {
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function text(r: ByteReader, what: string): string {
  return UTF8.decode(r.vbytes(what));
}

function columns(r: ByteReader, kind: string): HeaderColumn[] {
  const n = r.uvintLength(`the ${kind} column count`);
  const out: HeaderColumn[] = [];
  for (let i = 0; i < n; i++) {
    const nameBytes = r.vbytes(`a ${kind} column name`);
    out.push({ name: UTF8.decode(nameBytes), nameBytes, type: text(r, `the type of ${kind} column ${i}`) });
  }
  return out;
}

/**
 * SerializationHeader.Serializer.deserializeForMessaging: EncodingStats deltas are unsigned vints with
 * 64-bit (timestamp) and 32-bit (deletion time, TTL) wrapping, pitfall P1.
 */
export function parseHeader(r: ByteReader): SerializationHeader {
  const minTimestamp = BigInt.asIntN(64, r.uvint('the min timestamp') + TIMESTAMP_EPOCH);
  const minLocalDeletionTime = (Number(BigInt.asIntN(32, r.uvint('the min local deletion time'))) + DELETION_TIME_EPOCH) | 0;
  const minTTL = Number(BigInt.asIntN(32, r.uvint('the min TTL')));
  const keyType = text(r, 'the partition key type');
  const nClustering = r.uvintLength('the clustering count');
  const clusteringTypes: string[] = [];
  for (let i = 0; i < nClustering; i++) clusteringTypes.push(text(r, `clustering type ${i}`));
  const staticColumns = columns(r, 'static');
  const regularColumns = columns(r, 'regular');
  return { minTimestamp, minLocalDeletionTime, minTTL, keyType, clusteringTypes, staticColumns, regularColumns };
}
