/**
 * Single-SSTable reads through the WebAssembly module (rows.c, built by scripts/build-wasm.sh into
 * dist/wasm/rows.wasm): decompressed chunks go into the module's memory, and the CSV records of the
 * live rows come out, with their ends and the CSV figures, byte for byte what the TypeScript path
 * (v3/live-rows.ts, csv-fast.ts, encode-batch.ts) gives for the same read.
 *
 * The module declines a structure it does not do exactly (a value outside its writers, a row the
 * DynamoDB pre-check cannot clear, anything malformed). That one structure is then decoded here by
 * the TypeScript decoder, resumed inside the partition with the module's state (key, partition
 * deletion, open range tombstone), and its rows are encoded and checked by the TypeScript encoder:
 * the records stay in order, and a malformed structure gets the TypeScript path's precise error.
 *
 * Memory per read: the module's data (about 0.4 MB), an input window of a few chunks, and one run
 * of output (RECORD_RUN_BYTES, 1 MiB) with its ends; each grows only for a structure or record
 * larger than it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentError } from '../errors.js';
import { createCsvStats, type CsvStats } from '../export/csv.js';
import { sharedCopy } from '../export/byte-writer.js';
import type { MergeOptions } from '../merge/merge.js';
import type { CqlRow } from '../merge/rows.js';
import { Cursor, NEED_MORE } from '../sstable/cursor.js';
import type { DataSource } from '../sstable/io/data-source.js';
import type { V3Layout } from '../sstable/v3/layout.js';
import { v3LiveRowsDecoder } from '../sstable/v3/live-rows.js';
import { RECORD_RUN_BYTES, type BatchEncoder, type EncodedBatch } from '../tasks/encode-batch.js';
import type { WasmPlanBytes } from './plan.js';

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  readonly Memory: new (d: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (m: WasmModule, imports: { env: { memory: WasmMemory } }) => { readonly exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface RowsExports {
  init(plan: number): void;
  feed(input: number, len: number, final: number, stopAt: number, out: number, outCap: number, ends: number, endsCap: number, endsBase: number): number;
  consumed(): number;
  outLength(): number;
  records(): number;
  insidePartition(): number;
  partitionKey(): number;
  partitionKeyLength(): number;
  partitionDeletionLo(): number;
  partitionDeletionHi(): number;
  openDeletionLo(): number;
  openDeletionHi(): number;
  setOpenDeletion(lo: number, hi: number): void;
  figures(): number;
  zeroLengths(): number;
  collisions(): number;
  rowCount(): number;
  readonly __heap_base: { readonly value: number };
}

const FUNCTIONS = [
  'init', 'feed', 'consumed', 'outLength', 'records', 'insidePartition', 'partitionKey', 'partitionKeyLength',
  'partitionDeletionLo', 'partitionDeletionHi', 'openDeletionLo', 'openDeletionHi', 'setOpenDeletion', 'figures',
  'zeroLengths', 'collisions', 'rowCount',
] as const;

function isRowsExports(x: Record<string, unknown>): x is Record<string, unknown> & RowsExports {
  const heap = x.__heap_base;
  return FUNCTIONS.every((f) => typeof x[f] === 'function') && typeof heap === 'object' && heap !== null && typeof (heap as { value?: unknown }).value === 'number';
}

/**
 * Which per-row path reads a table held in one 3.x SSTable: `auto`, the module where it is built and
 * covers the table; `ts`, the TypeScript decoder and encoder always (the same output, slower).
 */
export type RowEngine = 'auto' | 'ts';

/** rows.c feed statuses */
const enum Status { NeedMore = 0, OutFull = 1, Decline = 2, RangeEnd = 3 }

const PAGE = 65536;
const ENDS_CAP = 1 << 16;

/** Where the built module may be: beside this file (dist/wasm/), from the bundle (dist/bundle/), from src/wasm/ (tests). */
function candidates(): string[] {
  return [new URL('./rows.wasm', import.meta.url), new URL('../wasm/rows.wasm', import.meta.url), new URL('../../dist/wasm/rows.wasm', import.meta.url)].map((u) => fileURLToPath(u));
}

let loaded: WasmModule | null | undefined;
let loadedFrom: string | null = null;

/**
 * The compiled module, or null when it was not built (no clang at build time). Compiled once per
 * thread, like the codec bindings (sstable/io/decompress.ts).
 * @throws AgentError E_INTERNAL when the file is there but is not the module this code drives
 */
export function rowsModule(): WasmModule | null {
  if (loaded !== undefined) return loaded;
  const path = candidates().find((p) => existsSync(p));
  if (path === undefined) {
    loaded = null;
    return null;
  }
  try {
    loaded = new wasmApi.Module(readFileSync(path));
    loadedFrom = path;
  } catch (e) {
    throw new AgentError('E_INTERNAL', `${path} is not a valid WebAssembly module (rebuild with npm run build): ${(e as Error).message}`, { file: path }, { cause: e });
  }
  return loaded;
}

/** Where the module was loaded from (null before, or when there is none). */
export function rowsModulePath(): string | null {
  return loadedFrom;
}

export interface WasmReadOptions {
  /** uncompressed offset of the first partition (a partition start); default 0 */
  readonly start?: number;
  /** stop before the first partition that starts at or after this offset; default: the end */
  readonly end?: number;
  readonly signal?: AbortSignal;
  readonly verifyChecksums?: boolean;
  /** records in SharedArrayBuffers (a worker posts them) */
  readonly shared?: boolean;
  /** a run of records ends once it holds this many bytes (default RECORD_RUN_BYTES) */
  readonly runBytes?: number;
  /** or this many records (default: no limit) */
  readonly runRows?: number;
}

/** The records of a read; `figures()` is the CSV figures of the module's records (not the declined rows', which `fallback` counts). */
export interface WasmRecordStream extends AsyncIterable<EncodedBatch> {
  figures(): CsvStats;
  /** structures the TypeScript path decoded for the module */
  declined(): number;
}

/**
 * The records of the live rows of one 3.x SSTable read alone (what encodeRuns(batchEncoder, live rows)
 * gives), by the plan that plan.ts `wasmPlanFor` made for this layout, merge options and export
 * options; null when the module is not built. `fallback` encodes and checks the rows of the structures
 * the module declines: the caller's encoder for this table, whose stats then hold those rows' figures.
 */
export function wasmRecords(source: DataSource, layout: V3Layout, merge: MergeOptions, plan: WasmPlanBytes, fallback: BatchEncoder, opts: WasmReadOptions = {}): WasmRecordStream | null {
  const module = rowsModule();
  if (module === null) return null;
  // the module asks for its data and stack (about 0.5 MB); the regions below are reserved after
  const memory = new wasmApi.Memory({ initial: 64 });
  const instance = new wasmApi.Instance(module, { env: { memory } });
  const x = instance.exports;
  if (!isRowsExports(x)) throw new AgentError('E_INTERNAL', `${rowsModulePath() ?? 'rows.wasm'} lacks the functions this version drives (rebuild with npm run build)`);
  const fieldCount = plan.fields;
  const runBytes = opts.runBytes ?? RECORD_RUN_BYTES;
  // a run's records, at most: the module stops (OUT_FULL) when the ends it may write are used up
  const runRows = Math.max(1, Math.min(ENDS_CAP, opts.runRows ?? ENDS_CAP));
  const shared = opts.shared ?? false;
  const start = opts.start ?? 0;
  const stopAt = Math.min(opts.end ?? source.uncompressedLength, source.uncompressedLength);

  // regions: plan, ends, output, input (last, so that it grows in place)
  const align = (n: number): number => (n + 15) & ~15;
  const PLAN = align(x.__heap_base.value);
  const ENDS = align(PLAN + plan.bytes.length);
  const OUT = ENDS + 4 * ENDS_CAP;
  let outCap = runBytes + (256 << 10);
  let IN = OUT + outCap;
  let inCap = 4 * source.chunkLength + (64 << 10);
  let mem8 = new Uint8Array(memory.buffer);
  let mem32 = new Uint32Array(memory.buffer);
  const reserve = (bytes: number): void => {
    if (bytes <= memory.buffer.byteLength) return;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    mem8 = new Uint8Array(memory.buffer);
    mem32 = new Uint32Array(memory.buffer);
  };
  reserve(IN + inCap);
  mem8.set(plan.bytes, PLAN);
  x.init(PLAN);

  const decoder = v3LiveRowsDecoder(layout, merge);
  let declines = 0;
  // input window: IN[inStart, inEnd) is unread; IN[0] is stream offset `base`
  let base = 0;
  let inStart = 0;
  let inEnd = 0;
  // the pending run: OUT[0, outUsed), `count` records whose ends are at ENDS
  let outUsed = 0;
  let count = 0;
  const truncated = (offset: number): AgentError => new AgentError('E_TRUNCATED', 'Data.db ends inside a partition', { file: source.path, offset });

  const flush = (ready: EncodedBatch[]): void => {
    if (count === 0) return;
    const view = mem8.subarray(OUT, OUT + outUsed);
    const bytes = shared ? sharedCopy(view) : view.slice();
    const ends = mem32.slice(ENDS >>> 2, (ENDS >>> 2) + count);
    ready.push({ bytes, ends, count, problems: [] });
    outUsed = 0;
    count = 0;
  };

  const add = (chunk: Uint8Array): void => {
    if (inEnd + chunk.length > inCap) {
      if (inStart > 0) {
        mem8.copyWithin(IN, IN + inStart, IN + inEnd);
        base += inStart;
        inEnd -= inStart;
        inStart = 0;
      }
      if (inEnd + chunk.length > inCap) {
        inCap = Math.max(2 * inCap, inEnd + chunk.length);
        reserve(IN + inCap);
      }
    }
    mem8.set(chunk, IN + inEnd);
    inEnd += chunk.length;
  };

  /**
   * A record larger than the whole output area: more room, the input moved up behind it. A safeguard:
   * the module declines records longer than a sixth of the DynamoDB pre-check's item budget (about
   * 68 KB; extract-checks.ts needsFullRow), so the records it writes fit the 256 KiB past a run.
   */
  const growOut = (): void => {
    const delta = outCap;
    reserve(IN + delta + inCap);
    mem8.copyWithin(IN + delta, IN, IN + inEnd);
    IN += delta;
    outCap += delta;
  };

  /**
   * The declined structure at inStart (or, at the end, the bytes the module found incomplete), through
   * the TypeScript decoder and encoder; false = needs more bytes.
   */
  const decline = (final: boolean, ready: EncodedBatch[]): boolean => {
    const offset = base + inStart;
    const c = new Cursor(source.path);
    c.feed([mem8.subarray(IN + inStart, IN + inEnd)]);
    c.base = offset;
    c.final = final;
    if (x.insidePartition() !== 0) {
      const keyAt = x.partitionKey() >>> 0;
      const key = mem8.slice(keyAt, keyAt + (x.partitionKeyLength() >>> 0));
      const i64 = (lo: number, hi: number): bigint => BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
      decoder.resume(key, i64(x.partitionDeletionLo(), x.partitionDeletionHi()), i64(x.openDeletionLo(), x.openDeletionHi()));
    } else decoder.atPartitionStart();
    const rows: CqlRow[] = [];
    try {
      decoder.step(c, rows, stopAt);
    } catch (e) {
      if (e === NEED_MORE) {
        if (final) throw truncated(offset);
        return false;
      }
      if (e instanceof AgentError) throw e.withFile(source.path);
      throw e;
    }
    declines++;
    inStart += c.pos;
    const open = BigInt.asUintN(64, decoder.openDeletion());
    x.setOpenDeletion(Number(open & 0xffffffffn) | 0, Number(open >> 32n) | 0);
    if (rows.length > 0) {
      try {
        fallback.append(rows);
      } catch (e) {
        // a value the encoder cannot render: named here by the file and the row's offset, which the
        // encoder does not know (on the TypeScript path, a decoding error up to a batch further on
        // may come first: it decodes rows a batch ahead of encoding them)
        if (e instanceof AgentError && e.location.file === undefined && e.location.offset === undefined) {
          throw new AgentError(e.code, e.message, { file: source.path, offset }, { cause: e });
        }
        throw e;
      }
      ready.push(fallback.take(shared));
    }
    return true;
  };

  /** Runs the module over the window; true when the range has ended. */
  const run = (final: boolean, ready: EncodedBatch[]): boolean => {
    for (;;) {
      const stopRel = Math.max(0, Math.min(0xffffffff, stopAt - (base + inStart)));
      const status = x.feed(IN + inStart, inEnd - inStart, final ? 1 : 0, stopRel, OUT + outUsed, outCap - outUsed, ENDS + 4 * count, runRows - count, outUsed) as Status;
      const n = x.records() >>> 0;
      const len = x.outLength() >>> 0;
      count += n;
      outUsed += len;
      inStart += x.consumed() >>> 0;
      if (outUsed >= runBytes || count >= runRows) flush(ready);
      switch (status) {
        case Status.NeedMore:
          // at the end, bytes the module found incomplete: the TypeScript decoder names what is cut off
          if (!final || (inStart >= inEnd && x.insidePartition() === 0)) return false;
          flush(ready);
          if (!decline(true, ready)) return false;
          break;
        case Status.RangeEnd: return true;
        case Status.OutFull:
          if (n > 0 || count > 0) flush(ready);
          else growOut();
          break;
        case Status.Decline:
          flush(ready);
          if (!decline(final, ready)) return false;
          break;
        default:
          throw new AgentError('E_INTERNAL', `rows.wasm returned status ${String(status)}`, { file: source.path, offset: base + inStart });
      }
    }
  };

  return {
    figures: () => {
      const stats = createCsvStats(fieldCount);
      const at = (x.figures() >>> 2) >>> 0;
      for (let i = 0; i < fieldCount; i++) stats.maxBytes[i] = mem32[at + i] as number;
      stats.rows = x.rowCount() >>> 0;
      stats.markerCollisions = x.collisions() >>> 0;
      stats.zeroLengthValues = x.zeroLengths() >>> 0;
      return stats;
    },
    declined: () => declines,
    async *[Symbol.asyncIterator]() {
      if (start >= stopAt) return;
      const verify = opts.verifyChecksums ?? true;
      // each chunk is copied into the input window before the next is asked for: the source may reuse its memory
      const chunks = source.chunks(opts.signal === undefined ? { start, verify, reuse: true } : { start, verify, reuse: true, signal: opts.signal });
      const ready: EncodedBatch[] = [];
      let first = true;
      let ended = false;
      for await (const chunk of chunks) {
        if (first) {
          base = chunk.offset;
          inStart = start - chunk.offset;
          first = false;
        }
        add(chunk.bytes);
        ended = run(false, ready);
        for (const b of ready) yield b;
        ready.length = 0;
        if (ended) break;
      }
      if (!ended) {
        ended = run(true, ready);
        flush(ready);
        for (const b of ready) yield b;
        ready.length = 0;
        if (!ended && (x.insidePartition() !== 0 || inStart < inEnd)) throw truncated(base + inStart);
      } else {
        flush(ready);
        for (const b of ready) yield b;
      }
    },
  };
}
