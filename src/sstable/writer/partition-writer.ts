/**
 * Writes one partition to Data.db (3.0 ColumnIndex.buildRowIndex + BigTableWriter.append): header
 * (key, deletion, static row when the header has statics, P5), the unfiltereds in clustering order with
 * range tombstones turned into markers, end-of-partition; and collects the promoted-index blocks and
 * statistics on the way. Rows are encoded and written one by one: memory holds one row, never the
 * partition.
 */
import { AgentError } from '../../errors.js';
import { makeClusteringOrder, type ClusteringOrder } from '../../merge/clustering-order.js';
import { BoundKind, LIVE, type Bound, type DeletionTime } from '../model.js';
import { baseType } from '../types/model.js';
import { ByteSink } from './byte-sink.js';
import type { DataFileWriter } from './data-file.js';
import type { IndexBlock } from './index-writer.js';
import type { WriterLayout } from './layout.js';
import type { WriteBound, WritePartition, WriteRangeTombstone, WriteRow, WriteUnfiltered, WriteValue } from './model.js';
import { encodeValue, type RowEncoder } from './prepare.js';
import type { MetadataCollector } from './stats.js';
import { DeltaWriter, writeMarker, writeRawDeletion, writeRow, type EncodedMarker, type EncodedRow, type EncodedUnfiltered } from './unfiltered.js';

export interface PartitionResult {
  readonly headerLength: number;
  readonly blocks: readonly IndexBlock[];
  readonly rows: number;
}

interface OpenRange {
  readonly end: Bound;
  readonly deletion: DeletionTime;
}

export class PartitionWriter {
  private readonly out = new ByteSink(4096);
  private readonly body = new ByteSink(4096);
  private readonly order: ClusteringOrder;

  constructor(
    private readonly data: DataFileWriter,
    private readonly layout: WriterLayout,
    private readonly encoder: RowEncoder,
    private readonly collector: MetadataCollector,
    private readonly deltas: DeltaWriter,
    private readonly columnIndexSize: number,
  ) {
    this.order = makeClusteringOrder(layout.clusteringCompare);
  }

  private clustering(values: readonly (WriteValue | null)[], bound: boolean): (Uint8Array | null)[] {
    const n = this.layout.clusteringTypes.length;
    if (values.length > n || (!bound && values.length !== n && this.layout.schema.flavour === 'cql')) {
      throw new AgentError('E_BAD_ARGUMENT', `${this.where()}: expected ${n} clustering values, got ${values.length}`);
    }
    return values.map((v, i) => (v === null ? null : encodeValue(baseType(this.layout.clusteringTypes[i] ?? { kind: 'native', name: 'blob' }), v, `${this.where()} clustering ${i}`)));
  }

  private where(): string {
    return `${this.layout.schema.keyspace}.${this.layout.schema.table}`;
  }

  /** Writes the partition starting at the current Data.db position. */
  async write(key: Uint8Array, p: WritePartition): Promise<PartitionResult> {
    const start = this.data.position;
    const deletion = p.deletion ?? LIVE;
    const out = this.out;
    out.reset();
    out.u16(key.length);
    out.bytes(key);
    writeRawDeletion(out, deletion);
    this.collector.deletion(deletion);
    if (this.layout.statics.length > 0) {
      const st = p.staticRow;
      const row = this.encoder.encodeRow(true, [], { timestamp: -(1n << 63n), ttl: 0, localExpirationTime: 0x7fffffff }, LIVE, st?.cells, st?.timestamp);
      writeRow(out, this.body, this.deltas, this.layout, row, 0);
      this.collector.row(row);
    } else if (p.staticRow !== undefined && Object.keys(p.staticRow.cells).length > 0) {
      throw new AgentError('E_BAD_ARGUMENT', `${this.where()} has no static columns`);
    }
    this.data.write(out.view());
    const headerLength = this.data.position - start;
    const state = new UnfilteredState(this, start);
    if (p.rows !== undefined) {
      for await (const u of p.rows) {
        await state.add(u);
      }
    }
    await state.closeOpenRange();
    out.reset();
    out.u8(0x01);
    this.data.write(out.view());
    const blocks = state.finishBlocks(this.data.position - start);
    this.collector.endPartition(this.data.position - start);
    await this.data.drain();
    return { headerLength, blocks, rows: state.rows };
  }

  /** @internal used by UnfilteredState */
  encodeRowInput(r: WriteRow): EncodedRow {
    const clustering = this.clustering(r.clustering, false);
    const liveness = this.encoder.liveness(r.liveness);
    return this.encoder.encodeRow(false, clustering, liveness, r.deletion ?? LIVE, r.cells, r.liveness?.timestamp);
  }

  /** @internal */
  bound(b: WriteBound, start: boolean): Bound {
    const kind = start
      ? b.inclusive ? BoundKind.INCL_START_BOUND : BoundKind.EXCL_START_BOUND
      : b.inclusive ? BoundKind.INCL_END_BOUND : BoundKind.EXCL_END_BOUND;
    return { kind, values: this.clustering(b.values, true) };
  }

  /** @internal serializes one unfiltered and records its statistics */
  emit(u: EncodedUnfiltered, prevSize: number): void {
    const out = this.out;
    out.reset();
    if (u.kind === 'row') {
      writeRow(out, this.body, this.deltas, this.layout, u, prevSize);
      this.collector.row(u);
    } else {
      writeMarker(out, this.body, this.deltas, this.layout, u, prevSize);
      this.collector.clustering(u.values);
      if (u.close !== null) this.collector.deletion(u.close);
      if (u.open !== null) this.collector.deletion(u.open);
    }
    this.data.write(out.view());
  }

  get position(): number {
    return this.data.position;
  }

  get clusteringOrder(): ClusteringOrder {
    return this.order;
  }

  get indexBlockSize(): number {
    return this.columnIndexSize;
  }

  drain(): Promise<void> {
    return this.data.drain();
  }

  fail(msg: string): never {
    throw new AgentError('E_BAD_ARGUMENT', `${this.where()}: ${msg}`);
  }
}

/** Order checks, range-tombstone markers and index blocks of the partition being written. */
class UnfilteredState {
  rows = 0;
  /** ColumnIndex.previousRowStart starts at 0: the first unfiltered's prevSize is its offset in the partition */
  private previousStart = 0;
  private last: Bound | null = null;
  private open: OpenRange | null = null;
  private readonly blocks: IndexBlock[] = [];
  private blockStart = -1;
  private blockFirst: Bound | null = null;
  private blockLast: Bound | null = null;
  private openMarker: DeletionTime | null = null;

  constructor(
    private readonly w: PartitionWriter,
    private readonly partitionStart: number,
  ) {}

  async add(u: WriteUnfiltered): Promise<void> {
    const order = this.w.clusteringOrder;
    if (u.kind === 'range') {
      await this.addRange(u);
      return;
    }
    const row = this.w.encodeRowInput(u);
    if (this.last !== null) {
      const c = this.last.kind === BoundKind.CLUSTERING ? order.compare(this.last.values, row.clustering) : order.compareBoundToClustering(this.last, row.clustering);
      if (c >= 0) this.w.fail('rows must come in strictly increasing clustering order');
    }
    if (this.open !== null && order.compareBoundToClustering(this.open.end, row.clustering) < 0) await this.closeOpenRange();
    this.emit(row, { kind: BoundKind.CLUSTERING, values: row.clustering });
    this.rows++;
    await this.w.drain();
  }

  private async addRange(r: WriteRangeTombstone): Promise<void> {
    const order = this.w.clusteringOrder;
    const start = this.w.bound(r.start, true);
    const end = this.w.bound(r.end, false);
    if (order.compareBounds(start, end) >= 0) this.w.fail('a range tombstone must start before it ends');
    if (this.last !== null) {
      const c = this.last.kind === BoundKind.CLUSTERING ? -order.compareBoundToClustering(start, this.last.values) : order.compareBounds(this.last, start);
      if (c >= 0 && !(this.open !== null && this.isAdjacent(this.open.end, start))) this.w.fail('range tombstones must come in clustering order, after the rows before them');
    }
    if (this.open !== null) {
      if (this.isAdjacent(this.open.end, start)) {
        const kind = this.open.end.kind === BoundKind.INCL_END_BOUND ? BoundKind.INCL_END_EXCL_START_BOUNDARY : BoundKind.EXCL_END_INCL_START_BOUNDARY;
        const m: EncodedMarker = { kind: 'marker', boundKind: kind, values: start.values, close: this.open.deletion, open: r.deletion };
        this.emit(m, { kind, values: start.values });
        this.open = { end, deletion: r.deletion };
        return;
      }
      if (order.compareBounds(this.open.end, start) >= 0) this.w.fail('range tombstones must not overlap');
      await this.closeOpenRange();
    }
    this.emit({ kind: 'marker', boundKind: start.kind, values: start.values, close: null, open: r.deletion }, start);
    this.open = { end, deletion: r.deletion };
    await this.w.drain();
  }

  /** An end and a start at the same prefix with complementary inclusiveness make one boundary. */
  private isAdjacent(end: Bound, start: Bound): boolean {
    const complementary = (end.kind === BoundKind.INCL_END_BOUND && start.kind === BoundKind.EXCL_START_BOUND)
      || (end.kind === BoundKind.EXCL_END_BOUND && start.kind === BoundKind.INCL_START_BOUND);
    if (!complementary || end.values.length !== start.values.length || end.values.length === 0) return false;
    return this.w.clusteringOrder.compare(end.values, start.values) === 0;
  }

  async closeOpenRange(): Promise<void> {
    if (this.open === null) return;
    const { end, deletion } = this.open;
    this.open = null;
    this.emit({ kind: 'marker', boundKind: end.kind, values: end.values, close: deletion, open: null }, end);
    await this.w.drain();
  }

  /** ColumnIndex.add: serialize, then track the index block (closed once it reaches column_index_size). */
  private emit(u: EncodedUnfiltered, at: Bound): void {
    const pos = this.w.position - this.partitionStart;
    if (this.blockFirst === null) {
      this.blockFirst = at;
      this.blockStart = pos;
    }
    this.w.emit(u, pos - this.previousStart);
    this.previousStart = pos;
    this.blockLast = at;
    this.last = at;
    if (u.kind === 'marker') this.openMarker = u.open;
    const now = this.w.position - this.partitionStart;
    if (now - this.blockStart >= this.w.indexBlockSize) this.addBlock(now);
  }

  private addBlock(now: number): void {
    if (this.blockFirst === null || this.blockLast === null) return;
    this.blocks.push({
      firstKind: this.blockFirst.kind, first: this.blockFirst.values,
      lastKind: this.blockLast.kind, last: this.blockLast.values,
      offset: this.blockStart, width: now - this.blockStart, openMarker: this.openMarker,
    });
    this.blockFirst = null;
  }

  /** ColumnIndex.finish: the last block includes the end-of-partition byte. */
  finishBlocks(partitionLength: number): IndexBlock[] {
    this.addBlock(partitionLength);
    return this.blocks;
  }
}
