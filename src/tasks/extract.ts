/**
 * `runExtract`: one keyspace (or chosen tables) from Cassandra data directories to the DMS layout in a
 * sink: `<keyspace>/<table>/LOAD….csv` per table, then `dms/*.json` and `manifest.json`.
 *
 * Outcome rules (house style rule 9):
 * - a table that fails is reported with its cause and the others go on; the report aggregates the
 *   per-table causes and says whether the export is complete;
 * - the DMS documents and manifest.json are written only when every selected table loaded, so the
 *   presence of manifest.json means a complete export (tools outside read this layout);
 * - a cancelled run (signal) returns a report with `aborted: true`; the checkpoint holds what was done.
 * Tables run one after another; the memory budget is one table's (extract-table.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TableLocation } from '../catalog/locate.js';
import type { ReplicaMode } from '../cluster/replicas.js';
import type { WorkerNode } from '../cluster/workers-protocol.js';
import { discoverDataDirSchema, resolveSchema } from '../catalog/schema.js';
import { AgentError, isAgentError } from '../errors.js';
import { dmsDocuments, type TableExport } from '../export/dms-json.js';
import { resolveExportOptions, type ExportOptions, type PartialExportOptions } from '../export/options.js';
import { parseCqlSchema } from '../schema/cql-ddl.js';
import type { TableSchema } from '../schema/model.js';
import type { Sink } from '../sink/sink.js';
import { isAbortError } from '../util/abort.js';
import { CHECKPOINT_VERSION, MemoryCheckpointStore, type CheckpointData, type CheckpointStore, type ProblemFile, type TableCheckpoint } from './checkpoint.js';
import { classifyDataDir, listTableDirs, locateAcrossRoots, type DataRoot } from './extract-plan.js';
import { ProgressTracker, type ExtractProgress } from './extract-progress.js';
import { readByWorkers, recordSourceFor, readPlacement } from './extract-read.js';
import { defaultWorkerUrl } from '../cluster/parallel.js';
import { WorkerPool } from '../cluster/workers.js';
import type { RowEngine } from '../wasm/engine.js';
import { dataBytesOf, encodedRows, type RowSourceFactory } from './extract-source.js';
import { extractTable } from './extract-table.js';
import type { ErrorInfo, TableLoadState } from './model.js';

export type { ExtractProgress } from './extract-progress.js';
export type { RowSourceFactory, RowSourceOptions } from './extract-source.js';

export const DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;

/** One node's data directories (a node may have several data_file_directories). */
export interface ExtractNode {
  /** host name, for messages and the report */
  readonly name: string;
  readonly dataDirs: readonly string[];
}

/** How the SSTables are read (issue 5: replicas, workers, bandwidth, snapshots). */
export interface ReadSettings {
  /** decoding worker threads (token ranges in parallel); 0 or absent: decode in this thread */
  readonly workers?: number;
  /** default 'merge' (replicas.ts) */
  readonly replicaMode?: ReplicaMode;
  /** read limit per node, MB/s (10^6 bytes) of on-disk Data.db; absent: unlimited */
  readonly bandwidthMBps?: number;
  /** read `<table dir>/snapshots/<tag>/` (nodetool snapshot -t <tag>) instead of the live SSTables */
  readonly snapshotTag?: string;
  /**
   * with workers: a table with less on-disk Data.db than this is read in this thread (its records are
   * the same); default RANGE_DATA_BYTES (4 MiB), one range, which workers would not split
   */
  readonly inThreadBelowBytes?: number;
  /** the per-row path of single-SSTable reads (src/wasm/engine.ts RowEngine); default 'auto' */
  readonly engine?: RowEngine;
}

export interface ExtractRequest {
  /** data, keyspace or table directories, each one node's (several = replicas); or give `nodes` */
  readonly dataDirs?: readonly string[];
  /** the nodes, each with its data directories; exclusive with `dataDirs` */
  readonly nodes?: readonly ExtractNode[];
  readonly read?: ReadSettings;
  readonly keyspace: string;
  /** default: every table of the keyspace found in the data dirs */
  readonly tables?: readonly string[];
  readonly schemaFile?: string;
  readonly sink: Sink;
  /** target LOAD file size in bytes; default 64 MiB (overrides exportOptions.chunk.targetBytes) */
  readonly chunkSizeBytes?: number;
  /** "now" for TTL expiry; a resumed run uses the checkpoint's value instead */
  readonly nowInSec: number;
  readonly exportOptions?: PartialExportOptions;
  /** written into manifest.json */
  readonly generator?: string;
}

export interface ExtractOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ExtractProgress) => void;
  /** ms between progress calls; default 250 */
  readonly progressIntervalMs?: number;
  readonly checkpoint?: CheckpointStore;
  /** rows of a table, encoded in this thread (tests); overrides `read` */
  readonly rowSource?: RowSourceFactory;
  /** clock for manifest.createdAt; default the wall clock */
  readonly now?: () => Date;
}

export interface ExtractTableReport {
  readonly keyspace: string;
  readonly table: string;
  readonly state: TableLoadState;
  /** the table was complete in the checkpoint and not read again */
  readonly resumed: boolean;
  readonly rows: number;
  readonly bytes: number;
  readonly files: readonly { readonly key: string; readonly rows: number; readonly bytes: number; readonly sha256: string }[];
  readonly problems: Readonly<Record<string, number>>;
  readonly problemRows: number;
  readonly problemFiles: readonly ProblemFile[];
  readonly schemaOrigin?: string;
  readonly error?: ErrorInfo;
}

export interface ExtractReport {
  /** every selected table loaded and the DMS documents + manifest were written */
  readonly complete: boolean;
  readonly aborted: boolean;
  readonly keyspace: string;
  readonly root: string;
  readonly nowInSec: number;
  /** how the SSTables were read: replica mode, workers, snapshot */
  readonly read: { readonly replicaMode: ReplicaMode; readonly workers: number; readonly nodes: readonly string[]; readonly snapshotTag: string | null; readonly bandwidthMBps: number | null };
  readonly tables: readonly ExtractTableReport[];
  /** tables of the keyspace found but not extracted, with why */
  readonly skipped: readonly { readonly table: string; readonly reason: string }[];
  /** keys of the DMS documents and manifest written ([] when incomplete) */
  readonly documents: readonly string[];
  readonly rows: number;
  readonly csvBytes: number;
  readonly dataBytes: number;
  readonly elapsedMs: number;
  /** one line per failed table (or the documents step); '' when complete */
  readonly errorSummary: string;
}

interface Selected {
  readonly table: string;
  readonly loc: TableLocation;
  readonly nodes: readonly WorkerNode[];
  readonly schema: TableSchema;
  readonly origin: string;
  readonly dataBytes: number;
}

function errorInfo(e: unknown): ErrorInfo {
  if (isAgentError(e)) return { code: e.code, message: e.message };
  return { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** What shapes the LOAD files: a checkpoint written under another fingerprint is refused. */
export function extractFingerprint(keyspace: string, tables: readonly string[], o: ExportOptions, root: string, read: { replicaMode: ReplicaMode; snapshotTag: string | null } = { replicaMode: 'merge', snapshotTag: null }): string {
  const shape = { keyspace, tables: [...tables].sort(), csv: o.csv, types: o.types, keys: o.keys, chunk: o.chunk, root, ...(read.replicaMode === 'merge' && read.snapshotTag === null ? {} : { read }) };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/** The table names a schema source knows for the keyspace (null = no source to ask). */
async function schemaTableNames(req: ExtractRequest, roots: readonly DataRoot[]): Promise<Set<string> | null> {
  if (req.schemaFile !== undefined) {
    const text = await readFile(req.schemaFile, 'utf8').catch((e: unknown) => {
      throw new AgentError('E_NOT_FOUND', `cannot read the schema file ${req.schemaFile}`, { file: req.schemaFile }, { cause: e });
    });
    return new Set(parseCqlSchema(text, { defaultKeyspace: req.keyspace }).tables.filter((t) => t.keyspace === req.keyspace).map((t) => t.table));
  }
  for (const r of roots) {
    const parsed = await discoverDataDirSchema(r.dataDir, req.nowInSec);
    if (parsed !== null) return new Set(parsed.tables.filter((t) => t.keyspace === req.keyspace).map((t) => t.table));
  }
  return null;
}

/** The nodes of a request: `nodes`, or each of `dataDirs` as a node of its own. */
function extractNodes(req: ExtractRequest): readonly ExtractNode[] {
  if (req.nodes !== undefined && req.dataDirs !== undefined) throw new AgentError('E_BAD_ARGUMENT', 'give either dataDirs or nodes, not both');
  const nodes = req.nodes ?? (req.dataDirs ?? []).map((d) => ({ name: d, dataDirs: [d] }));
  if (nodes.length === 0 || nodes.some((n) => n.dataDirs.length === 0)) throw new AgentError('E_BAD_ARGUMENT', 'give at least one data directory (per node)');
  return nodes;
}

/** @throws AgentError (bad request: no table, unknown table, checkpoint mismatch); table failures are reported, not thrown */
export async function runExtract(req: ExtractRequest, opts: ExtractOptions = {}): Promise<ExtractReport> {
  const progress = new ProgressTracker(opts.onProgress, opts.progressIntervalMs ?? 250);
  const o = resolveExportOptions({ ...req.exportOptions, chunk: { ...req.exportOptions?.chunk, targetBytes: req.chunkSizeBytes ?? req.exportOptions?.chunk?.targetBytes ?? DEFAULT_CHUNK_SIZE } });
  const nodeList = extractNodes(req);
  const nodeRoots: { name: string; roots: DataRoot[] }[] = [];
  for (const n of nodeList) {
    const rs: DataRoot[] = [];
    for (const d of n.dataDirs) rs.push(await classifyDataDir(d));
    nodeRoots.push({ name: n.name, roots: rs });
  }
  const roots = nodeRoots.flatMap((n) => n.roots);
  const read = req.read ?? {};
  const replicaMode = read.replicaMode ?? 'merge';
  const snapshotTag = read.snapshotTag ?? null;
  const workers = read.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0) throw new AgentError('E_BAD_ARGUMENT', `workers must be an integer >= 0, got ${workers}`);

  // Plan: the tables, and what is left out with why.
  const found = await listTableDirs(roots, req.keyspace);
  const skipped: { table: string; reason: string }[] = [];
  let names: string[];
  if (req.tables !== undefined && req.tables.length > 0) {
    const missing = req.tables.filter((t) => !found.includes(t));
    if (missing.length > 0) throw new AgentError('E_NOT_FOUND', `table(s) ${missing.map((t) => `${req.keyspace}.${t}`).join(', ')} not found in the data directories (found: ${found.join(', ') || 'none'})`);
    names = [...new Set(req.tables)];
    for (const t of found) if (!names.includes(t)) skipped.push({ table: t, reason: 'not selected (--table)' });
  } else {
    const known = await schemaTableNames(req, roots);
    names = [];
    for (const t of found) {
      if (known !== null && !known.has(t)) skipped.push({ table: t, reason: req.schemaFile !== undefined ? `not defined in ${req.schemaFile}` : 'not in system_schema.tables (a dropped table, or a view/index directory)' });
      else names.push(t);
    }
    if (known !== null) for (const t of [...known].sort()) if (!found.includes(t)) skipped.push({ table: t, reason: 'in the schema but no directory in any data dir (never flushed): nothing to extract' });
  }
  if (names.length === 0) throw new AgentError('E_NOT_FOUND', `no table of keyspace ${req.keyspace} to extract${skipped.length > 0 ? ` (skipped: ${skipped.map((s) => `${s.table}: ${s.reason}`).join('; ')})` : ''}`);

  const store = opts.checkpoint ?? new MemoryCheckpointStore();
  const fingerprint = extractFingerprint(req.keyspace, names, o, req.sink.root, { replicaMode, snapshotTag });
  const saved = await store.load();
  if (saved !== null && saved.fingerprint !== fingerprint) {
    throw new AgentError('E_CONFLICT', 'the checkpoint belongs to another extraction (keyspace, tables, CSV or chunk options, or output differ); use the same options, or delete the checkpoint to start over');
  }
  const nowInSec = saved?.nowInSec ?? req.nowInSec;
  const placement = replicaMode === 'primary-range' ? await readPlacement(nodeRoots, req.keyspace, nowInSec) : null;
  // decoding workers are started once and kept from table to table (closed below, whatever happens)
  const pool = opts.rowSource === undefined && workers > 0 ? new WorkerPool(defaultWorkerUrl()) : null;
  const records = opts.rowSource !== undefined
    ? encodedRows(opts.rowSource)
    : recordSourceFor({
      workers, replicaMode,
      ...(pool === null ? {} : { pool }),
      ...(read.inThreadBelowBytes === undefined ? {} : { inThreadBelowBytes: read.inThreadBelowBytes }),
      ...(read.engine === undefined ? {} : { engine: read.engine }),
      ...(read.bandwidthMBps === undefined ? {} : { bandwidthMBps: read.bandwidthMBps }),
      ...(placement === null ? {} : { placement: placement.placement }),
      ...(req.schemaFile === undefined ? {} : { schemaFile: req.schemaFile }),
    });
  let state: CheckpointData = saved ?? { version: CHECKPOINT_VERSION, fingerprint, nowInSec, tables: {} };
  const save = async (name: string, t: TableCheckpoint): Promise<void> => {
    state = { ...state, tables: { ...state.tables, [name]: t } };
    await store.save(state);
  };

  // Locate and describe every table first: a table that cannot be read is an error of that table.
  const reports = new Map<string, ExtractTableReport>();
  const selected: Selected[] = [];
  const blank = (table: string, st: TableLoadState, extra: Partial<ExtractTableReport> = {}): ExtractTableReport => ({
    keyspace: req.keyspace, table, state: st, resumed: false, rows: 0, bytes: 0, files: [], problems: {}, problemRows: 0, problemFiles: [], ...extra,
  });
  for (const table of names) {
    const name = `${req.keyspace}.${table}`;
    try {
      const tag = snapshotTag ?? undefined;
      const loc = await locateAcrossRoots(roots, req.keyspace, table, tag);
      const nodes: WorkerNode[] = [];
      for (const [i, n] of nodeRoots.entries()) {
        const own = await locateAcrossRoots(n.roots, req.keyspace, table, tag).catch((e: unknown) => {
          if (isAgentError(e) && e.code === 'E_NOT_FOUND') return null;
          throw e;
        });
        // primary-range plans by ring id (host id), so a node is named by it
        const id = placement?.ids[i] ?? n.name;
        if (own !== null) nodes.push({ node: id, paths: own.tableDirs });
      }
      const src = await resolveSchema(loc, req.schemaFile === undefined ? { nowInSec } : { nowInSec, schemaFile: req.schemaFile });
      const dataBytes = await dataBytesOf(loc);
      selected.push({ table, loc, nodes, schema: src.schema, origin: src.origin, dataBytes });
      progress.addTable(req.keyspace, table, dataBytes);
    } catch (e) {
      progress.addTable(req.keyspace, table, 0);
      progress.setState(name, 'errored', errorInfo(e));
      reports.set(name, blank(table, 'errored', { error: errorInfo(e) }));
    }
  }

  // a table still to read that workers will read wants them: they load meanwhile
  const byWorkers = (s: Selected): boolean => state.tables[`${req.keyspace}.${s.table}`]?.done === undefined && readByWorkers(s.dataBytes, read.inThreadBelowBytes);
  if (pool !== null && selected.some(byWorkers)) pool.prestart(workers);
  progress.phase = 'extracting';
  const exports: TableExport[] = [];
  const cancelled = (): boolean => opts.signal?.aborted === true;
  let aborted = false;
  try {
    for (const s of selected) {
      const name = `${req.keyspace}.${s.table}`;
      const cp = state.tables[name];
      const fileKeys = (files: TableCheckpoint['files']) => files.map((f) => ({ key: `${req.keyspace}/${s.table}/${f.name}`, rows: f.rows, bytes: f.bytes, sha256: f.sha256 }));
      if (cp?.done !== undefined) {
        const rows = cp.files.reduce((n, f) => n + f.rows, 0);
        const bytes = cp.files.reduce((n, f) => n + f.bytes, 0);
        progress.setDone(name, rows, cp.files.length, bytes);
        exports.push({ schema: s.schema, files: cp.files, stats: cp.done.stats, problems: cp.done.problems });
        reports.set(name, blank(s.table, 'loaded', { resumed: true, rows, bytes, files: fileKeys(cp.files), problems: { ...cp.done.problems }, problemRows: cp.done.problemRows, problemFiles: cp.problemFiles, schemaOrigin: s.origin }));
        continue;
      }
      if (aborted || cancelled()) {
        aborted = true;
        reports.set(name, blank(s.table, 'queued', { schemaOrigin: s.origin }));
        continue;
      }
      progress.setState(name, 'loading');
      try {
        const r = await extractTable({
          name, input: { loc: s.loc, nodes: s.nodes, schema: s.schema, options: o }, sink: req.sink, nowInSec,
          ...(opts.signal === undefined ? {} : { signal: opts.signal }),
          resumeFrom: cp, records, progress,
          saveCheckpoint: (t) => save(name, t),
        });
        const rows = r.files.reduce((n, f) => n + f.rows, 0);
        const bytes = r.files.reduce((n, f) => n + f.bytes, 0);
        await save(name, { files: r.files, rowsDone: rows, problemFiles: r.problemFiles, done: { stats: r.stats, problems: r.problems, problemRows: r.problemRows } });
        exports.push({ schema: s.schema, files: r.files, stats: r.stats, problems: r.problems });
        reports.set(name, blank(s.table, 'loaded', { rows, bytes, files: fileKeys(r.files), problems: { ...r.problems }, problemRows: r.problemRows, problemFiles: r.problemFiles, schemaOrigin: s.origin }));
        progress.setState(name, 'loaded');
      } catch (e) {
        if (isAbortError(e) || cancelled()) {
          aborted = true;
          progress.setState(name, 'queued');
          reports.set(name, blank(s.table, 'queued', { schemaOrigin: s.origin }));
          continue;
        }
        const info = errorInfo(e);
        progress.setState(name, 'errored', info);
        reports.set(name, blank(s.table, 'errored', { error: info, schemaOrigin: s.origin }));
      }
    }
  } finally {
    await pool?.close();
  }

  const tables = names.map((t) => reports.get(`${req.keyspace}.${t}`) ?? blank(t, 'queued'));
  const errors = tables.filter((t) => t.error !== undefined).map((t) => `${t.keyspace}.${t.table}: ${t.error?.message ?? ''} [${t.error?.code ?? ''}]`);
  let documents: string[] = [];
  if (!aborted && errors.length === 0) {
    progress.phase = 'documents';
    progress.emit(true);
    try {
      documents = await writeDocuments(req, exports, tables, o, opts);
    } catch (e) {
      if (isAbortError(e)) aborted = true;
      else errors.push(`DMS documents: ${errorInfo(e).message} [${errorInfo(e).code}]`);
    }
  }
  progress.phase = 'done';
  const snap = progress.snapshot();
  opts.onProgress?.(snap);
  return {
    complete: !aborted && errors.length === 0 && documents.length > 0,
    aborted,
    keyspace: req.keyspace,
    root: req.sink.root,
    nowInSec,
    read: { replicaMode, workers, nodes: nodeList.map((n) => n.name), snapshotTag, bandwidthMBps: read.bandwidthMBps ?? null },
    tables,
    skipped,
    documents,
    rows: snap.rows,
    csvBytes: snap.csvBytes,
    dataBytes: snap.dataBytesRead,
    elapsedMs: snap.elapsedMs,
    errorSummary: aborted ? 'cancelled; resume with the same checkpoint to continue' : errors.join('\n'),
  };
}

/** dms/*.json and manifest.json (extended with the problem files), manifest last. */
async function writeDocuments(req: ExtractRequest, exports: readonly TableExport[], tables: readonly ExtractTableReport[], o: ExportOptions, opts: ExtractOptions): Promise<string[]> {
  const ordered = [...exports].sort((a, b) => (a.schema.table < b.schema.table ? -1 : a.schema.table > b.schema.table ? 1 : 0));
  const docs = dmsDocuments(ordered, o, {
    createdAt: (opts.now?.() ?? new Date()).toISOString(),
    ...(req.generator === undefined ? {} : { generator: req.generator }),
  });
  const written: string[] = [];
  for (const d of docs) {
    let json = d.json;
    if (d.path === 'manifest.json') json = withProblemFiles(json, tables);
    const body = Buffer.from(`${JSON.stringify(json, null, 2)}\n`, 'utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    await req.sink.put(d.path, body, { contentType: 'application/json', sha256 }, opts.signal === undefined ? {} : { signal: opts.signal });
    written.push(d.path);
  }
  return written;
}

/** Adds problemRows and problemFiles to each table entry of the manifest. */
function withProblemFiles(manifest: unknown, tables: readonly ExtractTableReport[]): unknown {
  if (typeof manifest !== 'object' || manifest === null) return manifest;
  const m = manifest as { tables?: unknown };
  if (!Array.isArray(m.tables)) return manifest;
  const entries = (m.tables as Record<string, unknown>[]).map((e) => {
    const r = tables.find((t) => t.keyspace === e['keyspace'] && t.table === e['table']);
    return r === undefined ? e : { ...e, problemRows: r.problemRows, problemFiles: r.problemFiles.map((f) => ({ path: f.key, rows: f.rows })) };
  });
  return { ...m, tables: entries };
}
