/**
 * What the SSTable readers (3.x and 2.x) emit, and what the merge consumes.
 *
 * Ownership: every Uint8Array here is a view into a decompressed chunk buffer. The chunk reader never
 * reuses a buffer it has handed out, so views stay valid for as long as they are referenced; holding a
 * view keeps its chunk (chunk length, 64 KiB by default) alive. See docs/memory.md.
 */

/** A deletion: everything written at or before markedForDeleteAt (µs) is shadowed. */
export interface DeletionTime {
  readonly markedForDeleteAt: bigint;
  /** seconds since the epoch, i32 */
  readonly localDeletionTime: number;
}

export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;
/** i32 max: "no deletion time" (Cell.NO_DELETION_TIME, DeletionTime.LIVE) */
export const NO_DELETION_TIME = 0x7fffffff;
export const NO_TTL = 0;
/** LivenessInfo.EXPIRED_LIVENESS_TTL: a materialized-view artefact that acts as a primary-key tombstone */
export const EXPIRED_LIVENESS_TTL = 0x7fffffff;

export const LIVE: DeletionTime = Object.freeze({ markedForDeleteAt: I64_MIN, localDeletionTime: NO_DELETION_TIME });

export function isLive(d: DeletionTime): boolean {
  return d.markedForDeleteAt === I64_MIN;
}

/** Row primary-key liveness (3.x LivenessInfo; the 2.x row marker). timestamp I64_MIN = empty. */
export interface Liveness {
  readonly timestamp: bigint;
  readonly ttl: number;
  /** expiration time in seconds when ttl != 0, else NO_DELETION_TIME */
  readonly localExpirationTime: number;
}

export const EMPTY_LIVENESS: Liveness = Object.freeze({ timestamp: I64_MIN, ttl: NO_TTL, localExpirationTime: NO_DELETION_TIME });

/**
 * One cell. `column` is the ordinal of the column in TableSchema.columns (src/schema/model.ts: the static and regular columns).
 * A tombstone has localDeletionTime != NO_DELETION_TIME and ttl == 0; an expiring cell has ttl != 0
 * (localDeletionTime then is its expiration time). Counter cells hold the counter context as value.
 */
export interface Cell {
  readonly column: number;
  /** collection key / list TimeUUID / UDT field index (i16 BE); null for simple columns */
  readonly path: Uint8Array | null;
  readonly timestamp: bigint;
  readonly ttl: number;
  readonly localDeletionTime: number;
  readonly value: Uint8Array;
  /** 2.x counter cells only: timestampOfLastDelete (µs); I64_MIN elsewhere */
  readonly counterLastDelete?: bigint;
}

const NO_BYTES = new Uint8Array(0);

/**
 * A Cell whose value and path stay unsliced in the chunk buffer they were decoded from: the readers
 * decode millions of cells a second, and a typed-array view costs about 100 ns to create. `value` and
 * `path` make a view on access; consumers on the hot path (the JSON/CSV renderers) read `buf` with the
 * offsets instead. The buffer is never overwritten (see the ownership note above).
 */
export class ViewCell implements Cell {
  constructor(
    readonly column: number,
    readonly timestamp: bigint,
    readonly ttl: number,
    readonly localDeletionTime: number,
    readonly buf: Uint8Array,
    readonly valueOffset: number,
    readonly valueLength: number,
    /** -1 when the cell has no path (simple columns) */
    readonly pathOffset: number,
    readonly pathLength: number,
  ) {}

  get value(): Uint8Array {
    return this.valueLength === 0 ? NO_BYTES : this.buf.subarray(this.valueOffset, this.valueOffset + this.valueLength);
  }

  get path(): Uint8Array | null {
    return this.pathOffset < 0 ? null : this.buf.subarray(this.pathOffset, this.pathOffset + this.pathLength);
  }
}

/** The complex (collection/UDT) deletions of a row, by column ordinal. A Map satisfies it. */
export interface ComplexDeletions {
  get(column: number): DeletionTime | undefined;
  keys(): Iterable<number>;
  [Symbol.iterator](): Iterator<[number, DeletionTime]>;
}

/**
 * ComplexDeletions in two small arrays: a row holds one or two of them, and a Map per row costs the
 * decoder several percent (allocation and GC) for nothing.
 */
export class ColumnDeletions implements ComplexDeletions {
  private readonly columns: number[] = [];
  private readonly deletions: DeletionTime[] = [];

  set(column: number, d: DeletionTime): void {
    const i = this.columns.indexOf(column);
    if (i >= 0) this.deletions[i] = d;
    else {
      this.columns.push(column);
      this.deletions.push(d);
    }
  }

  get(column: number): DeletionTime | undefined {
    const cols = this.columns;
    for (let i = 0; i < cols.length; i++) if (cols[i] === column) return this.deletions[i];
    return undefined;
  }

  keys(): Iterable<number> {
    return this.columns;
  }

  *[Symbol.iterator](): Iterator<[number, DeletionTime]> {
    for (let i = 0; i < this.columns.length; i++) yield [this.columns[i] as number, this.deletions[i] as DeletionTime];
  }
}

/**
 * Sorts a row's cells by column ordinal, keeping the order of cells within a column (their path
 * order). An insertion sort: rows hold a handful of cells, nearly in order, and this runs per row.
 */
export function sortCellsByColumn(cells: Cell[]): void {
  for (let i = 1; i < cells.length; i++) {
    const c = cells[i] as Cell;
    const col = c.column;
    let j = i - 1;
    if ((cells[j] as Cell).column <= col) continue;
    while (j >= 0 && (cells[j] as Cell).column > col) {
      cells[j + 1] = cells[j] as Cell;
      j--;
    }
    cells[j + 1] = c;
  }
}

/** Clustering values: null = "null" bit (only in bounds and odd files), a zero-length array = empty value. */
export type ClusteringValues = readonly (Uint8Array | null)[];

export interface Row {
  readonly kind: 'row';
  /** true for the static row (clustering is then []) */
  readonly isStatic: boolean;
  readonly clustering: ClusteringValues;
  readonly liveness: Liveness;
  readonly deletion: DeletionTime;
  /** cells sorted by column ordinal, then by path (as on disk) */
  readonly cells: readonly Cell[];
  /** complex (collection/UDT) deletions by column ordinal; absent when none */
  readonly complexDeletions?: ComplexDeletions;
}

/**
 * Bound kinds, named after ClusteringPrefix.Kind (ordinals are the serialized byte, §5.5).
 */
export enum BoundKind {
  EXCL_END_BOUND = 0,
  INCL_START_BOUND = 1,
  EXCL_END_INCL_START_BOUNDARY = 2,
  STATIC_CLUSTERING = 3,
  CLUSTERING = 4,
  INCL_END_EXCL_START_BOUNDARY = 5,
  INCL_END_BOUND = 6,
  EXCL_START_BOUND = 7,
}

export interface Bound {
  readonly kind: BoundKind;
  /** a prefix of the clustering (size 0: BOTTOM for starts, TOP for ends) */
  readonly values: ClusteringValues;
}

/** A range-tombstone marker: a bound (opens or closes) or a boundary (closes one, opens the next). */
export interface RangeMarker {
  readonly kind: 'marker';
  readonly bound: Bound;
  /** deletion that ends here (end bounds and boundaries) */
  readonly close: DeletionTime | null;
  /** deletion that starts here (start bounds and boundaries) */
  readonly open: DeletionTime | null;
}

export interface PartitionStart {
  readonly kind: 'partition';
  /** raw partition-key bytes (CompositeType-encoded for multi-column keys) */
  readonly key: Uint8Array;
  readonly deletion: DeletionTime;
  /** uncompressed Data.db offset of the partition, for error messages and range planning */
  readonly position: number;
}

export interface PartitionEnd {
  readonly kind: 'end';
}

export type Unfiltered = Row | RangeMarker;

/** The event stream of one SSTable: partition, [static row], unfiltered*, end; repeated. */
export type SSTableEvent = PartitionStart | Row | RangeMarker | PartitionEnd;

/**
 * Readers yield events in batches (a decompressed chunk's, cut into batches of about 128: unit-stream.ts
 * MAX_BATCH), so that consumers await once per batch and loop synchronously inside it.
 */
export type EventBatches = AsyncIterable<readonly SSTableEvent[]>;
