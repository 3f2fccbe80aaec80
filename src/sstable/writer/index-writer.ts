/**
 * Index.db entries (§7.1; 3.0 RowIndexEntry.IndexedEntry.serialize, IndexInfo.Serializer, ColumnIndex)
 * and Summary.db (§7.3; IndexSummaryBuilder at full sampling, IndexSummary.serializer, P14).
 */
import { BoundKind, type DeletionTime } from '../model.js';
import { ByteSink } from './byte-sink.js';
import { writeBound, writeClusteringValues, writeRawDeletion } from './unfiltered.js';

/** One promoted-index block: its first and last clustering prefixes, where it lies, the open deletion at its end. */
export interface IndexBlock {
  readonly firstKind: BoundKind;
  readonly first: readonly (Uint8Array | null)[];
  readonly lastKind: BoundKind;
  readonly last: readonly (Uint8Array | null)[];
  /** relative to the partition start */
  readonly offset: number;
  readonly width: number;
  readonly openMarker: DeletionTime | null;
}

/** IndexInfo: (kind 4 + row clustering) or a bound; offset; width − 65536 as a signed vint (WIDTH_BASE). */
function writeIndexClustering(s: ByteSink, kind: BoundKind, values: readonly (Uint8Array | null)[], fixed: readonly number[]): void {
  if (kind === BoundKind.CLUSTERING) {
    s.u8(kind);
    writeClusteringValues(s, values, fixed);
  } else {
    writeBound(s, kind, values, fixed);
  }
}

/**
 * Appends one Index.db entry to `s`. A promoted index is written only for more than one block
 * (RowIndexEntry.create).
 */
export function writeIndexEntry(
  s: ByteSink, key: Uint8Array, position: number, headerLength: number, deletion: DeletionTime,
  blocks: readonly IndexBlock[], fixed: readonly number[],
): void {
  s.u16(key.length);
  s.bytes(key);
  s.uvint(position);
  if (blocks.length <= 1) {
    s.uvint(0);
    return;
  }
  const infos = new ByteSink(blocks.length * 64);
  const offsets: number[] = [];
  for (const b of blocks) {
    offsets.push(infos.length);
    writeIndexClustering(infos, b.firstKind, b.first, fixed);
    writeIndexClustering(infos, b.lastKind, b.last, fixed);
    infos.uvint(b.offset);
    infos.vint(b.width - 65536);
    infos.bool(b.openMarker !== null);
    if (b.openMarker !== null) writeRawDeletion(infos, b.openMarker);
  }
  const promoted = new ByteSink(infos.length + 32 + offsets.length * 4);
  promoted.uvint(headerLength);
  writeRawDeletion(promoted, deletion);
  promoted.uvint(blocks.length);
  promoted.bytes(infos.view());
  for (const o of offsets) promoted.i32(o);
  s.uvint(promoted.length);
  s.bytes(promoted.view());
}

/** Full sampling: every `minIndexInterval`-th partition (from the first) is a summary entry. */
export class SummaryBuilder {
  private readonly entries: { key: Uint8Array; indexPosition: number }[] = [];
  private keys = 0;
  private first: Uint8Array | null = null;
  private last: Uint8Array | null = null;

  constructor(private readonly minIndexInterval = 128) {}

  add(key: Uint8Array, indexPosition: number): void {
    if (this.keys % this.minIndexInterval === 0) this.entries.push({ key, indexPosition });
    this.first ??= key;
    this.last = key;
    this.keys++;
  }

  /** i32 interval, i32 count, i64 entries size, i32 sampling level, i32 size at full sampling, LE offsets, entries, first/last key. */
  build(): Uint8Array {
    const s = new ByteSink(64 + this.entries.length * 32);
    s.i32(this.minIndexInterval);
    s.i32(this.entries.length);
    let size = this.entries.length * 4;
    for (const e of this.entries) size += e.key.length + 8;
    s.i64(BigInt(size));
    s.i32(128);
    s.i32(Math.ceil(this.keys / this.minIndexInterval));
    let off = this.entries.length * 4;
    for (const e of this.entries) {
      s.i32le(off);
      off += e.key.length + 8;
    }
    for (const e of this.entries) {
      s.bytes(e.key);
      s.i64le(BigInt(e.indexPosition));
    }
    for (const k of [this.first, this.last]) {
      const b = k ?? new Uint8Array(0);
      s.i32(b.length);
      s.bytes(b);
    }
    return s.toBytes();
  }
}
