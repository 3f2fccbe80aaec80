/**
 * Statistics.db (§4): what 3.0/3.11 MetadataCollector gathers while a partition is appended
 * (BigTableWriter.StatsCollector, Rows.collectStats) and MetadataSerializer writes: VALIDATION,
 * COMPACTION, STATS (`me` layout, with the 4.0 StatsMetadata serializer's host id) and HEADER.
 */
import type { DeletionTime, Liveness } from '../model.js';
import { ByteSink } from './byte-sink.js';
import type { WriterLayout } from './layout.js';
import type { EncodingStats } from './model.js';
import type { EncodedCell, EncodedRow } from './unfiltered.js';
import type { Comparator } from '../types/index.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const NO_DELETION_TIME = 0x7fffffff;
const TIMESTAMP_EPOCH = 1442880000000000n;
const DELETION_TIME_EPOCH = 1442880000;
/** SSTable.TOMBSTONE_HISTOGRAM_BIN_SIZE and TOMBSTONE_HISTOGRAM_TTL_ROUND_SECONDS */
const TOMBSTONE_BINS = 100;
const TOMBSTONE_ROUND = 60;

/** EstimatedHistogram.newOffsets(size, false): 1, 2, 3, ... each ~1.2x the previous. */
function histogramOffsets(size: number): number[] {
  const out = [1];
  let last = 1;
  for (let i = 1; i < size; i++) {
    let next = Math.round(last * 1.2);
    if (next === last) next++;
    out.push(next);
    last = next;
  }
  return out;
}

/** EstimatedHistogram: bucket i counts values in (offsets[i-1], offsets[i]]; one overflow bucket. */
export class EstimatedHistogram {
  private readonly offsets: number[];
  private readonly buckets: number[];

  constructor(size: number) {
    this.offsets = histogramOffsets(size);
    this.buckets = new Array<number>(size + 1).fill(0);
  }

  add(v: number): void {
    let lo = 0;
    let hi = this.offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.offsets[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    this.buckets[lo] = (this.buckets[lo] as number) + 1;
  }

  /** EstimatedHistogramSerializer: i32 count, then (offset of the previous bucket, count) pairs. */
  write(s: ByteSink): void {
    s.i32(this.buckets.length);
    for (let i = 0; i < this.buckets.length; i++) {
      s.i64(BigInt(this.offsets[i === 0 ? 0 : i - 1] as number));
      s.i64(BigInt(this.buckets[i] as number));
    }
  }
}

/**
 * StreamingHistogram of tombstone drop times (Ben-Haim & Tom-Tov): points rounded up to a multiple of
 * 60 s; beyond 100 bins the two closest neighbours merge into their weighted mean.
 */
export class StreamingHistogram {
  private readonly bins = new Map<number, number>();

  update(point: number): void {
    const d = point % TOMBSTONE_ROUND;
    const p = d > 0 ? point + (TOMBSTONE_ROUND - d) : point;
    this.bins.set(p, (this.bins.get(p) ?? 0) + 1);
    if (this.bins.size > TOMBSTONE_BINS) this.mergeClosest();
  }

  private mergeClosest(): void {
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    let best = 0;
    let gap = Infinity;
    for (let i = 0; i + 1 < keys.length; i++) {
      const g = (keys[i + 1] as number) - (keys[i] as number);
      if (g < gap) {
        gap = g;
        best = i;
      }
    }
    const a = keys[best] as number;
    const b = keys[best + 1] as number;
    const ca = this.bins.get(a) ?? 0;
    const cb = this.bins.get(b) ?? 0;
    this.bins.delete(a);
    this.bins.delete(b);
    const p = (a * ca + b * cb) / (ca + cb);
    this.bins.set(p, (this.bins.get(p) ?? 0) + ca + cb);
  }

  write(s: ByteSink): void {
    s.i32(TOMBSTONE_BINS);
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    s.i32(keys.length);
    for (const k of keys) {
      s.f64(k);
      s.i64(BigInt(this.bins.get(k) ?? 0));
    }
  }
}

export class MetadataCollector {
  readonly partitionSizes = new EstimatedHistogram(150);
  readonly cellCounts = new EstimatedHistogram(118);
  readonly tombstones = new StreamingHistogram();
  private minTs: bigint | null = null;
  private maxTs = I64_MIN;
  private minLdt: number | null = null;
  private maxLdt = NO_DELETION_TIME;
  private minTtl: number | null = null;
  private maxTtl = 0;
  private readonly minClustering: (Uint8Array | null)[];
  private readonly maxClustering: (Uint8Array | null)[];
  totalColumnsSet = 0;
  totalRows = 0;
  private partitionCells = 0;

  constructor(private readonly clusteringCompare: readonly Comparator[]) {
    this.minClustering = clusteringCompare.map(() => null);
    this.maxClustering = clusteringCompare.map(() => null);
  }

  private timestamp(ts: bigint): void {
    if (this.minTs === null) {
      this.minTs = ts;
      this.maxTs = ts;
    } else {
      if (ts < this.minTs) this.minTs = ts;
      if (ts > this.maxTs) this.maxTs = ts;
    }
  }

  private localDeletionTime(ldt: number): void {
    if (this.minLdt === null) {
      this.minLdt = ldt;
      this.maxLdt = ldt;
    } else {
      if (ldt < this.minLdt) this.minLdt = ldt;
      if (ldt > this.maxLdt) this.maxLdt = ldt;
    }
    if (ldt !== NO_DELETION_TIME) this.tombstones.update(ldt);
  }

  private ttl(ttl: number): void {
    if (this.minTtl === null) {
      this.minTtl = ttl;
      this.maxTtl = ttl;
    } else {
      if (ttl < this.minTtl) this.minTtl = ttl;
      if (ttl > this.maxTtl) this.maxTtl = ttl;
    }
  }

  /** MetadataCollector.update(DeletionTime): live deletions are ignored */
  deletion(d: DeletionTime): void {
    if (d.markedForDeleteAt === I64_MIN) return;
    this.timestamp(d.markedForDeleteAt);
    this.localDeletionTime(d.localDeletionTime);
  }

  private liveness(l: Liveness): void {
    if (l.timestamp === I64_MIN) return;
    this.timestamp(l.timestamp);
    this.ttl(l.ttl);
    this.localDeletionTime(l.localExpirationTime);
  }

  private cell(c: EncodedCell): void {
    this.timestamp(c.timestamp);
    this.ttl(c.ttl);
    this.localDeletionTime(c.localDeletionTime);
  }

  /** updateClusteringValues: per component min and max by the column's comparator. */
  clustering(values: readonly (Uint8Array | null)[]): void {
    for (let i = 0; i < values.length && i < this.clusteringCompare.length; i++) {
      const v = values[i] ?? null;
      if (v === null) continue;
      const cmp = this.clusteringCompare[i] as Comparator;
      const mn = this.minClustering[i] ?? null;
      const mx = this.maxClustering[i] ?? null;
      if (mn === null || cmp(mn, v) >= 0) this.minClustering[i] = v;
      if (mx === null || cmp(mx, v) < 0) this.maxClustering[i] = v;
    }
  }

  /** Rows.collectStats (a static row only when it is not empty). */
  row(r: EncodedRow): void {
    if (!r.isStatic) this.clustering(r.clustering);
    else if (r.columns.length === 0) return;
    this.liveness(r.liveness);
    this.deletion(r.deletion);
    let columns = 0;
    for (const c of r.columns) {
      if (c.cells.length > 0) columns++;
      this.deletion(c.deletion);
      for (const cell of c.cells) {
        this.partitionCells++;
        this.cell(cell);
      }
    }
    this.totalColumnsSet += columns;
    this.totalRows++;
  }

  endPartition(sizeBytes: number): void {
    this.partitionSizes.add(sizeBytes);
    this.cellCounts.add(this.partitionCells);
    this.partitionCells = 0;
  }

  /** STATS in the `me` layout (§4.4). */
  writeStats(s: ByteSink, compressionRatio: number, hostId: Uint8Array | null): void {
    this.partitionSizes.write(s);
    this.cellCounts.write(s);
    writeNoCommitLogPosition(s);
    s.i64(this.minTs ?? I64_MIN);
    s.i64(this.minTs === null ? I64_MAX : this.maxTs);
    s.i32(this.minLdt ?? NO_DELETION_TIME);
    s.i32(this.maxLdt);
    s.i32(this.minTtl ?? 0);
    s.i32(this.maxTtl);
    s.f64(compressionRatio);
    this.tombstones.write(s);
    s.i32(0); // sstableLevel
    s.i64(0n); // repairedAt
    for (const list of [this.minClustering, this.maxClustering]) {
      const present: Uint8Array[] = [];
      for (const v of list) {
        if (v === null) break;
        present.push(v);
      }
      s.i32(present.length);
      for (const v of present) {
        s.u16(v.length);
        s.bytes(v);
      }
    }
    s.bool(false); // hasLegacyCounterShards
    s.i64(BigInt(this.totalColumnsSet));
    s.i64(BigInt(this.totalRows));
    writeNoCommitLogPosition(s); // commit log lower bound
    s.i32(0); // commit log intervals: none (not written from a commit log)
    s.bool(hostId !== null);
    if (hostId !== null) s.bytes(hostId);
  }
}

/** CommitLogPosition.NONE: segment -1, position 0. */
function writeNoCommitLogPosition(s: ByteSink): void {
  s.i64(-1n);
  s.i32(0);
}

/** SerializationHeader.Serializer.serialize (§4.5). */
export function writeHeader(s: ByteSink, layout: WriterLayout, stats: EncodingStats): void {
  s.uvintBig(stats.minTimestamp - TIMESTAMP_EPOCH);
  const ldt = (stats.minLocalDeletionTime - DELETION_TIME_EPOCH) | 0;
  s.uvintBig(BigInt(ldt));
  s.uvintBig(BigInt(stats.minTTL | 0));
  const text = new TextEncoder();
  s.vbytes(text.encode(layout.keyTypeString));
  s.uvint(layout.clusteringTypeStrings.length);
  for (const t of layout.clusteringTypeStrings) s.vbytes(text.encode(t));
  for (const cols of [layout.statics, layout.regulars]) {
    s.uvint(cols.length);
    for (const c of cols) {
      s.vbytes(c.nameBytes);
      s.vbytes(text.encode(c.typeString));
    }
  }
}

/**
 * HyperLogLogPlus(13, 25) in stream-lib's serialized form (version -2, p, sp, sparse format) with an
 * empty sparse set: a valid COMPACTION component whose cardinality estimate is 0. Cassandra only uses
 * it to estimate key counts when compacting.
 */
const EMPTY_HLL = Uint8Array.of(0xff, 0xff, 0xff, 0xfe, 13, 25, 1, 0);

export const PARTITIONER = 'org.apache.cassandra.dht.Murmur3Partitioner';

/** The whole Statistics.db: TOC of (type, offset), then VALIDATION, COMPACTION, STATS, HEADER. */
export function writeStatistics(
  collector: MetadataCollector, layout: WriterLayout, stats: EncodingStats,
  fpChance: number, compressionRatio: number, hostId: Uint8Array | null,
): Uint8Array {
  const parts: ByteSink[] = [new ByteSink(), new ByteSink(), new ByteSink(8192), new ByteSink(1024)];
  const [validation, compaction, st, header] = parts as [ByteSink, ByteSink, ByteSink, ByteSink];
  validation.utf(PARTITIONER);
  validation.f64(fpChance);
  compaction.i32(EMPTY_HLL.length);
  compaction.bytes(EMPTY_HLL);
  collector.writeStats(st, compressionRatio, hostId);
  writeHeader(header, layout, stats);
  const out = new ByteSink(16384);
  out.i32(parts.length);
  let offset = 4 + parts.length * 8;
  parts.forEach((p, type) => {
    out.i32(type);
    out.i32(offset);
    offset += p.length;
  });
  for (const p of parts) out.bytes(p.view());
  return out.toBytes();
}
