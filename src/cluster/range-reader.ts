/**
 * Reading one token range of a table: each SSTable is seeked to the first partition of the range with
 * Summary.db (binary search by token, ranges.ts summarySeekIndex) and Index.db (forward scan), and read up
 * to the first partition past the range, so a range costs only its own chunks (plus one chunk at each
 * edge) and no partition is decoded twice.
 *
 * For a range (s, e] an SSTable is read over Data.db [offsetAfter(s), offsetAfter(e)), where
 * offsetAfter(b) is the position of the first partition with token > b. Adjacent ranges share the bound,
 * so the byte slices of one SSTable tile Data.db exactly: no partition is lost or read twice.
 *
 * Memory: per SSTable the summary tokens (one bigint per ~128 partitions) and, per seek, one Index.db
 * read of up to 1 MiB.
 *
 * Nothing here reads a path: Summary.db comes from the bytes read at openSSTable and Index.db from its
 * handle pinned there, so ranges read after compaction deleted the files still see the same SSTable.
 */
import { AgentError } from '../errors.js';
import type { CqlRow } from '../merge/rows.js';
import { mergeToCqlRows, type MergeOptions } from '../merge/merge.js';
import { partitionerFromClass, type Partitioner } from '../merge/partitioner.js';
import type { TableSchema } from '../schema/model.js';
import { parseSummary } from '../sstable/io/summary.js';
import type { EventBatches } from '../sstable/model.js';
import type { ExportOptions } from '../export/options.js';
import { isV3 } from '../sstable/io/descriptor.js';
import { buildV3Layout } from '../sstable/v3/layout.js';
import { decodeColumns, mergeOptionsFor, singleSSTableRows, sstableEvents, type OpenedSSTable, type TableReadOptions } from '../sstable/table.js';
import type { BatchEncoder } from '../tasks/encode-batch.js';
import { rowsModule, wasmRecords, type WasmReadOptions, type WasmRecordStream } from '../wasm/engine.js';
import { wasmPlanFor } from '../wasm/plan.js';
import { FULL_RING, splitBySamples, splitEvenly, summarySeekIndex, tokenSpace, type TokenRange } from './ranges.js';

/** Finds Data.db offsets of token bounds in one SSTable. */
export class SSTableSeeker {
  private constructor(
    readonly table: OpenedSSTable,
    private readonly partitioner: Partitioner,
    /** summary entry tokens (ascending) and their Index.db positions; empty without Summary.db */
    private readonly tokens: readonly bigint[],
    private readonly indexPositions: readonly number[],
    private readonly firstToken: bigint | null,
    private readonly lastToken: bigint | null,
  ) {}

  /** Parses the Summary.db read at open (absent: every seek scans Index.db from its start). */
  static async open(table: OpenedSSTable): Promise<SSTableSeeker> {
    const partitioner = partitionerFromClass(table.statistics.partitioner);
    const desc = table.descriptor;
    const bytes = table.summary;
    if (bytes === null || tokenSpace(partitioner.className) === null) return new SSTableSeeker(table, partitioner, [], [], null, null);
    const summary = parseSummary(bytes, desc.version, desc.componentPath('Summary.db'));
    const tokens = summary.entries.map((e) => partitioner.token(e.key) as bigint);
    const positions = summary.entries.map((e) => e.indexPosition);
    const first = summary.entries.length === 0 ? null : (partitioner.token(summary.firstKey) as bigint);
    const last = summary.entries.length === 0 ? null : (partitioner.token(summary.lastKey) as bigint);
    return new SSTableSeeker(table, partitioner, tokens, positions, first, last);
  }

  /** The summary tokens: an even sample of the SSTable's partitions, for planning. */
  get samples(): readonly bigint[] {
    return this.tokens;
  }

  /**
   * Uncompressed Data.db offset of the first partition whose token is > bound (null bound: 0); the data
   * length when there is none.
   * @throws AgentError E_BAD_ARGUMENT for a numeric bound on a partitioner without numeric tokens;
   *   E_MISSING_COMPONENT when the SSTable has no Index.db or was opened without it
   */
  async offsetAfter(bound: bigint | null, signal?: AbortSignal): Promise<number> {
    const length = this.table.data.uncompressedLength;
    if (bound === null) return 0;
    if (tokenSpace(this.partitioner.className) === null) {
      throw new AgentError('E_BAD_ARGUMENT', `${this.partitioner.className} tokens are key bytes; read its tables as one range`, { file: this.table.data.path });
    }
    if (this.firstToken !== null && bound < this.firstToken) return 0;
    if (this.lastToken !== null && bound >= this.lastToken) return length;
    const i = summarySeekIndex(this.tokens, bound);
    const start = i < 0 ? 0 : (this.indexPositions[i] as number);
    const index = this.table.index;
    if (index === null) {
      const why = this.table.descriptor.components.has('Index.db') ? 'was opened without it (openSSTable index: false)' : 'has none';
      throw new AgentError('E_MISSING_COMPONENT', `Index.db is needed to read a token range, but the SSTable ${why}`, { file: this.table.descriptor.componentPath('Index.db') });
    }
    const opts = signal === undefined ? { start } : { start, signal };
    for await (const entry of index.entries(opts)) {
      if ((this.partitioner.token(entry.key) as bigint) > bound) return entry.position;
    }
    return length;
  }

  /** Data.db [start, end) of the partitions in `range`. */
  async slice(range: TokenRange, signal?: AbortSignal): Promise<{ start: number; end: number }> {
    const start = await this.offsetAfter(range.start, signal);
    const end = range.end === null ? this.table.data.uncompressedLength : await this.offsetAfter(range.end, signal);
    return { start, end: Math.max(start, end) };
  }
}

export async function openSeekers(tables: readonly OpenedSSTable[]): Promise<SSTableSeeker[]> {
  const out: SSTableSeeker[] = [];
  for (const t of tables) out.push(await SSTableSeeker.open(t));
  return out;
}

/** Events of one SSTable restricted to a token range. */
export async function* rangeEvents(seeker: SSTableSeeker, schema: TableSchema, range: TokenRange, signal?: AbortSignal): EventBatches {
  const { start, end } = await seeker.slice(range, signal);
  if (start >= end) return;
  yield* sstableEvents(seeker.table, schema, signal === undefined ? { start, end } : { start, end, signal });
}

/**
 * Live CQL rows of one token range of the given SSTables (of one table), merged and reconciled like
 * tableRows (src/sstable/table.ts).
 * @throws AgentError E_SCHEMA if the SSTables disagree on the partitioner
 */
export function rangeRows(seekers: readonly SSTableSeeker[], schema: TableSchema, range: TokenRange, opts: TableReadOptions): AsyncIterable<CqlRow[]> {
  const partitioner = commonPartitioner(seekers.map((s) => s.table), `${schema.keyspace}.${schema.table}`);
  const mergeOpts = mergeOptionsFor(schema, partitioner, opts);
  const only = seekers.length === 1 ? seekers[0] : undefined;
  if (only !== undefined) return singleRangeRows(only, schema, range, mergeOpts, opts.signal);
  const sources = seekers.map((s) => rangeEvents(s, schema, range, opts.signal));
  return mergeToCqlRows(sources, mergeOpts);
}

/** One SSTable's slice of a range, decoded straight into rows where table.ts singleSSTableRows can. */
async function* singleRangeRows(seeker: SSTableSeeker, schema: TableSchema, range: TokenRange, mergeOpts: MergeOptions, signal?: AbortSignal): AsyncGenerator<CqlRow[]> {
  const { start, end } = await seeker.slice(range, signal);
  if (start >= end) return;
  const readOpts = signal === undefined ? { start, end } : { start, end, signal };
  yield* singleSSTableRows(seeker.table, schema, mergeOpts, readOpts) ?? mergeToCqlRows([sstableEvents(seeker.table, schema, readOpts)], mergeOpts);
}

/**
 * One SSTable's slice of a range as records, through the WebAssembly module (src/wasm/engine.ts):
 * what encodeRuns(encoder, singleRangeRows(...)) gives. Null when the module is not built or does not
 * cover the table (then read it with rangeRows). `encoder` encodes the rows of the structures the
 * module declines; the stream's `figures()` are those of the records it wrote.
 */
export async function moduleRangeRecords(seeker: SSTableSeeker, schema: TableSchema, range: TokenRange, o: ExportOptions, encoder: BatchEncoder, opts: TableReadOptions & Omit<WasmReadOptions, 'start' | 'end' | 'signal'>): Promise<WasmRecordStream | null> {
  const t = seeker.table;
  const header = t.statistics.header;
  if (!isV3(t.descriptor.version) || header === null || rowsModule() === null) return null;
  const layout = buildV3Layout(header, schema, decodeColumns(schema), t.data.path);
  const mergeOpts = mergeOptionsFor(schema, t.statistics.partitioner, opts);
  // asked before the seek, which the caller's rangeRows would otherwise make a second time
  const plan = wasmPlanFor(layout, schema, mergeOpts, o);
  if (!plan.ok) return null;
  const { start, end } = await seeker.slice(range, opts.signal);
  return wasmRecords(t.data, layout, mergeOpts, plan, encoder, {
    start, end: Math.max(start, end),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.shared === undefined ? {} : { shared: opts.shared }),
    ...(opts.runBytes === undefined ? {} : { runBytes: opts.runBytes }),
    ...(opts.runRows === undefined ? {} : { runRows: opts.runRows }),
  });
}

/** rangeRows over several ranges, one after the other (the in-process, single-thread path). */
export async function* rangesRows(seekers: readonly SSTableSeeker[], schema: TableSchema, ranges: readonly TokenRange[], opts: TableReadOptions): AsyncGenerator<CqlRow[]> {
  for (const r of ranges) yield* rangeRows(seekers, schema, r, opts);
}

/** @param what the table's name, for the message */
export function commonPartitioner(tables: readonly OpenedSSTable[], what: string): string {
  const partitioners = new Set(tables.map((t) => t.statistics.partitioner));
  if (partitioners.size > 1) {
    throw new AgentError('E_SCHEMA', `the SSTables of ${what} use different partitioners: ${[...partitioners].join(', ')}`);
  }
  return [...partitioners][0] ?? 'org.apache.cassandra.dht.Murmur3Partitioner';
}

export type SplitMethod = 'even' | 'summary';

/**
 * Plans n ranges for the given SSTables: 'summary' cuts at quantiles of the Summary.db samples of all
 * of them (ranges then hold similar numbers of partitions), 'even' cuts the token space in equal
 * widths. With `tail`, the last `tail` ranges are each cut in 4 (ranges.ts taperedCuts), so that a
 * parallel read does not end with one worker alone on a whole range. Partitioners without numeric
 * tokens get the single FULL_RING range.
 */
export function planRanges(seekers: readonly SSTableSeeker[], partitionerClass: string, n: number, method: SplitMethod = 'summary', tail = 0): TokenRange[] {
  const space = tokenSpace(partitionerClass);
  if (space === null) return [FULL_RING];
  if (method === 'even') return splitEvenly(space, n, tail);
  const samples: bigint[] = [];
  for (const s of seekers) for (const t of s.samples) samples.push(t);
  // Few samples (small SSTables hold one summary entry per ~128 partitions): equal widths are as good.
  return samples.length < n * 4 ? splitEvenly(space, n, tail) : splitBySamples(samples, n, tail);
}
