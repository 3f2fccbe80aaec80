/**
 * The input model of the SSTable writer: what a caller describes, in CQL terms (JSON values by the
 * fixture corpus' value conventions, or raw serialized bytes), and what the writer returns.
 *
 * Order contract: partitions come in Murmur3 token order (then key bytes unsigned), rows and range
 * tombstones of a partition in clustering order; the writer verifies both and throws E_BAD_ARGUMENT.
 */
import type { DeletionTime } from '../model.js';
import type { JsonValue } from '../types/model.js';

/** A value: JSON (encoded with encodeJson for the column's type) or the serialized bytes as they are. */
export type WriteValue = JsonValue | Uint8Array;

/** Either a synchronous or an asynchronous sequence. */
export type Source<T> = Iterable<T> | AsyncIterable<T>;

/** Row primary-key liveness (LivenessInfo). */
export interface WriteLiveness {
  /** µs */
  readonly timestamp: bigint;
  /** seconds; absent or 0 = not expiring */
  readonly ttl?: number;
  /** seconds since the epoch; default nowInSec + ttl */
  readonly localExpirationTime?: number;
}

/**
 * One cell of a simple column, or a whole-collection write of a multi-cell column (`value` is then
 * the whole collection as JSON: the writer emits a complex deletion at `timestamp - 1` and one cell per
 * element, as `INSERT`/`SET c = ...` does; with `deleted` it emits a complex deletion at `timestamp`).
 */
export interface WriteCell {
  readonly value?: WriteValue;
  /** µs; default: the row liveness timestamp (or the static row's timestamp) */
  readonly timestamp?: bigint;
  readonly ttl?: number;
  /** expiration time of a TTL'd cell; default nowInSec + ttl */
  readonly localExpirationTime?: number;
  /** a tombstone (value ignored) */
  readonly deleted?: boolean;
  /** of a tombstone; default nowInSec */
  readonly localDeletionTime?: number;
}

/**
 * One element of a multi-cell column. `path`: list -> a TimeUUID (omit it to have one generated),
 * set -> the element, map -> the key, UDT -> the field name (string) or its index (number), or raw
 * path bytes. `value`: list/map element value, UDT field value; sets take no value.
 */
export interface WriteElement extends WriteCell {
  readonly path?: WriteValue;
}

/** The cells of a multi-cell column, plus its complex deletion (`DELETE c` / the overwrite of `c`). */
export interface WriteComplex {
  readonly kind: 'complex';
  readonly deletion?: DeletionTime;
  readonly elements: readonly WriteElement[];
}

export type WriteColumn = WriteCell | WriteComplex;

export interface WriteRow {
  readonly kind?: 'row';
  /** one value per clustering column (JSON, bytes, or null for the "null" bit of compact prefixes) */
  readonly clustering: readonly (WriteValue | null)[];
  readonly liveness?: WriteLiveness;
  readonly deletion?: DeletionTime;
  /** by column name; absent columns are not written */
  readonly cells?: Readonly<Record<string, WriteColumn>>;
}

export interface WriteBound {
  /** a clustering prefix; [] = BOTTOM (start) / TOP (end) */
  readonly values: readonly (WriteValue | null)[];
  readonly inclusive: boolean;
}

/**
 * A range tombstone, placed in the row sequence at its start. Ranges must not overlap one another; a
 * range that starts exactly where the previous one ends (complementary inclusiveness) becomes a
 * boundary marker.
 */
export interface WriteRangeTombstone {
  readonly kind: 'range';
  readonly start: WriteBound;
  readonly end: WriteBound;
  readonly deletion: DeletionTime;
}

export type WriteUnfiltered = WriteRow | WriteRangeTombstone;

export interface WriteStaticRow {
  /** default timestamp of its cells */
  readonly timestamp?: bigint;
  readonly cells: Readonly<Record<string, WriteColumn>>;
}

export interface WritePartition {
  /** one value per partition-key column, or the serialized key (CompositeType-encoded if several) */
  readonly key: readonly WriteValue[] | Uint8Array;
  readonly deletion?: DeletionTime;
  readonly staticRow?: WriteStaticRow;
  readonly rows?: Source<WriteUnfiltered>;
}

/** SerializationHeader EncodingStats: the bases of every delta in Data.db (§4.5, §5.2). */
export interface EncodingStats {
  readonly minTimestamp: bigint;
  readonly minLocalDeletionTime: number;
  readonly minTTL: number;
}

/**
 * EncodingStats.NO_STATS (the epochs): what Cassandra's own offline writer (CQLSSTableWriter ->
 * AbstractSSTableSimpleWriter) puts in the header when it cannot know the data in advance.
 */
export const NO_STATS: EncodingStats = Object.freeze({ minTimestamp: 1442880000000000n, minLocalDeletionTime: 1442880000, minTTL: 0 });

export interface WriteOptions {
  readonly generation: number;
  readonly compression: 'lz4' | 'none';
  /** uncompressed bytes per LZ4 chunk, a power of two; default 65536 (3.x CompressionParams default) */
  readonly chunkLength?: number;
  /** "now" for default deletion/expiration times; default the wall clock */
  readonly nowInSec?: number;
  /** delta bases; default NO_STATS. Smaller files when they are at or below every value written. */
  readonly encodingStats?: EncodingStats;
  /** Statistics.db originating host id (`me`), dashed UUID; default: absent */
  readonly hostId?: string;
  /**
   * Restrict the header's static and regular column lists to these names (a memtable flush lists only the
   * columns its data uses); default: every column of the schema, as CQLSSTableWriter does.
   */
  readonly headerColumns?: readonly string[];
  /** column_index_size_in_kb in bytes: partitions larger than this get a promoted index; default 65536 */
  readonly columnIndexSize?: number;
}

export interface WrittenSSTable {
  /** path of Data.db */
  readonly dataPath: string;
  /** every component file written (TOC order) */
  readonly components: readonly string[];
  readonly partitions: number;
  readonly rows: number;
  /** uncompressed Data.db length */
  readonly dataLength: number;
}
