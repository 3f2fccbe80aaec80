/**
 * A decoding worker (worker_threads). It lives for a whole pool (workers.ts WorkerPool): each table
 * read starts with a `setup` message; then, for each task it receives, it reads one token range of one
 * group of nodes (locate, open, seek, read, merge: range-reader.ts) and posts the rows back ENCODED
 * (CSV records, JSON lines, or the extraction's records) in batches, waiting for acknowledgements when
 * `maxInFlight` batches are outstanding (workers-protocol.ts). `close` ends the read: files closed,
 * figures reported (`closed`), and the worker waits for the next `setup`, its compiled code warm.
 * `abort` and a failure end the worker itself (every file handle closed first); `exit` ends an idle one.
 *
 * Started by workers.ts from the compiled file (dist/cluster/workers-entry.js). Each node's SSTables
 * are opened on first use within a read and stay open until its end.
 */
import { parentPort } from 'node:worker_threads';
import { locateTable } from '../catalog/locate.js';
import { resolveSchema } from '../catalog/schema.js';
import { AgentError } from '../errors.js';
import { createCsvStats, csvRowEncoder, mergeCsvStats, type CsvStats } from '../export/csv.js';
import { jsonRowRenderer } from '../export/json-row.js';
import { resolveExportOptions } from '../export/options.js';
import type { CqlRow } from '../merge/rows.js';
import { selectStarColumns, type TableSchema } from '../schema/model.js';
import { openTableSSTables } from '../catalog/open-table.js';
import { closeAll, type OpenedSSTable } from '../sstable/table.js';
import { batchEncoder, encodeRuns } from '../tasks/encode-batch.js';
import { moduleRangeRecords, SSTableSeeker, rangeRows } from './range-reader.js';
import { meteredDataSource, onDiskChunkCost, throttleSSTable, TokenBucket } from './throttle.js';
import { serializeError, type FromWorker, type ToWorker, type WorkerSetup } from './workers-protocol.js';

const port = parentPort;
if (port === null) throw new AgentError('E_BAD_ARGUMENT', 'workers-entry.js must be started as a worker thread');

/**
 * Nothing is transferred. A transfer detaches its ArrayBuffer, and the first detach in an isolate
 * invalidates V8's "no ArrayBuffer was ever detached" protector: from then on every optimised
 * typed-array access checks its buffer, and the decoder and the encoder are little else (the workers'
 * CPU fell by 12% without it: docs/extract.md, "Session 10"). The records' bytes leave in a
 * SharedArrayBuffer (encodeRuns `shared`), which the message shares instead of copying; the rest is
 * small and copied. `--trace-protector-invalidation` shows a detach.
 */
const post = (m: FromWorker): void => port.postMessage(m);

interface Task {
  readonly id: number;
  readonly group: number;
  readonly range: { start: bigint | null; end: bigint | null };
}

/** One table read: its setup, open files, tasks and flow-control credits. */
class TableRun {
  readonly abort = new AbortController();
  private readonly opened: OpenedSSTable[] = [];
  private readonly seekersByNode = new Map<number, Promise<SSTableSeeker[]>>();
  private readonly tasks: Task[] = [];
  private closing = false;
  private credits: number;
  private waiter: (() => void) | null = null;
  /** on-disk Data.db bytes decoded since the last batch was posted */
  private dataBytes = 0;
  private readonly countBytes = (n: number): void => {
    this.dataBytes += n;
  };

  constructor(private readonly setup: WorkerSetup) {
    this.credits = setup.maxInFlight;
  }

  onMessage(m: ToWorker): void {
    switch (m.kind) {
      case 'task':
        this.tasks.push({ id: m.id, group: m.task.group, range: m.task.range });
        break;
      case 'ack':
        this.credits++;
        break;
      case 'close':
        this.closing = true;
        break;
      case 'abort':
      case 'exit':
        this.closing = true;
        this.abort.abort(new AgentError('E_IO', 'read aborted'));
        break;
      case 'setup':
        break;
    }
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private takeDataBytes(): number {
    const n = this.dataBytes;
    this.dataBytes = 0;
    return n;
  }

  private nodeSeekers(node: number): Promise<SSTableSeeker[]> {
    let p = this.seekersByNode.get(node);
    if (p === undefined) {
      p = (async () => {
        const n = this.setup.nodes[node];
        if (n === undefined) throw new AgentError('E_BAD_ARGUMENT', `no node ${node} in the worker setup`);
        // listed and opened together, again if compaction removed a listed SSTable first (open-table.ts);
        // once open, an SSTable is read whole even if compaction deletes it meanwhile
        const { sstables } = await openTableSSTables(n.paths, this.setup.keyspace, this.setup.table, { signal: this.abort.signal });
        this.opened.push(...sstables);
        const rate = this.setup.bytesPerSecondPerNode;
        const bucket = rate === null ? null : new TokenBucket(rate);
        const out: SSTableSeeker[] = [];
        for (const t of sstables) {
          const metered = { ...t, data: meteredDataSource(t.data, await onDiskChunkCost(t), this.countBytes) };
          out.push(await SSTableSeeker.open(bucket === null ? metered : await throttleSSTable(metered, bucket)));
        }
        return out;
      })();
      this.seekersByNode.set(node, p);
    }
    return p;
  }

  private async resolveTableSchema(): Promise<TableSchema> {
    const setup = this.setup;
    if (setup.schema !== undefined) return setup.schema;
    const first = setup.nodes[0];
    if (first === undefined) throw new AgentError('E_BAD_ARGUMENT', 'no nodes to read');
    const loc = await locateTable(first.paths, setup.keyspace, setup.table);
    const opts = setup.schemaFile === undefined ? { nowInSec: setup.nowInSec } : { nowInSec: setup.nowInSec, schemaFile: setup.schemaFile };
    return (await resolveSchema(loc, opts)).schema;
  }

  private async waitForCredit(): Promise<void> {
    while (this.credits <= 0 && !this.abort.signal.aborted) await new Promise<void>((r) => { this.waiter = r; });
    this.abort.signal.throwIfAborted();
    this.credits--;
  }

  /** The next task, or null once `close` has come and no task is left. */
  private async nextTask(): Promise<Task | null> {
    for (;;) {
      this.abort.signal.throwIfAborted();
      const task = this.tasks.shift();
      if (task !== undefined) return task;
      if (this.closing) return null;
      await new Promise<void>((r) => { this.waiter = r; });
    }
  }

  private async taskSeekers(group: number): Promise<SSTableSeeker[]> {
    const seekers: SSTableSeeker[] = [];
    for (const node of this.setup.groups[group] ?? []) seekers.push(...(await this.nodeSeekers(node)));
    return seekers;
  }

  /** Runs tasks until `close`, posting text batches (csv, json); returns the CSV encoder's figures (null for JSON). */
  private async runText(schema: TableSchema): Promise<CsvStats | null> {
    const setup = this.setup;
    const csv = setup.format === 'csv' ? csvRowEncoder(schema, setup.exportOptions ?? {}) : null;
    const render = jsonRowRenderer(schema);
    const encode = csv ?? ((row: CqlRow): string => JSON.stringify(render(row)) + '\n');
    const readOpts = { nowInSec: setup.nowInSec, signal: this.abort.signal };
    for (let task = await this.nextTask(); task !== null; task = await this.nextTask()) {
      const id = task.id;
      const seekers = await this.taskSeekers(task.group);
      let text = '';
      let ends: number[] = [];
      let rows = 0;
      const flush = async (): Promise<void> => {
        await this.waitForCredit();
        const e = Uint32Array.from(ends);
        post({ kind: 'batch', id, text, ends: e, dataBytes: this.takeDataBytes() });
        text = '';
        ends = [];
      };
      if (seekers.length > 0) {
        for await (const batch of rangeRows(seekers, schema, task.range, readOpts)) {
          for (const row of batch) {
            text += encode(row);
            ends.push(text.length);
          }
          rows += batch.length;
          if (ends.length >= setup.batchRows) await flush();
        }
      }
      if (ends.length > 0) await flush();
      post({ kind: 'done', id, rows });
    }
    return csv === null ? null : csv.stats;
  }

  /** Runs tasks until `close`, posting the extraction's records (encode-batch.ts); returns the CSV figures. */
  private async runRecords(schema: TableSchema): Promise<CsvStats> {
    const setup = this.setup;
    const options = resolveExportOptions(setup.exportOptions ?? {});
    const encoder = batchEncoder(schema, options);
    const readOpts = { nowInSec: setup.nowInSec, signal: this.abort.signal };
    const batchBytes = setup.batchBytes ?? Number.POSITIVE_INFINITY;
    // the CSV figures of the records the WebAssembly module wrote (the encoder counts the others)
    let moduleFigures = createCsvStats(selectStarColumns(schema).length);
    for (let task = await this.nextTask(); task !== null; task = await this.nextTask()) {
      const id = task.id;
      const seekers = await this.taskSeekers(task.group);
      let rows = 0;
      if (seekers.length > 0) {
        // one SSTable: through the WebAssembly module where it covers the table (src/wasm/engine.ts);
        // otherwise the records of several row batches leave together, copied once (encodeRuns)
        const only = seekers.length === 1 && setup.engine !== 'ts' ? await moduleRangeRecords(seekers[0] as SSTableSeeker, schema, task.range, options, encoder, {
          nowInSec: setup.nowInSec, signal: this.abort.signal, shared: true, runBytes: Math.min(batchBytes, 1 << 30), runRows: setup.batchRows,
        }) : null;
        const runs = only ?? encodeRuns(encoder, rangeRows(seekers, schema, task.range, readOpts), { bytes: batchBytes, rows: setup.batchRows, shared: true });
        for await (const b of runs) {
          rows += b.count;
          await this.waitForCredit();
          post({ kind: 'records', id, bytes: b.bytes, ends: b.ends, count: b.count, problems: b.problems, dataBytes: this.takeDataBytes() });
        }
        if (only !== null) moduleFigures = mergeCsvStats(moduleFigures, only.figures());
      }
      post({ kind: 'done', id, rows });
    }
    return mergeCsvStats(encoder.stats, moduleFigures);
  }

  /**
   * The whole read. Resolves true when it ended by `close` (the worker may take another read), false
   * when it failed or was aborted (reported; the worker must end).
   */
  async execute(): Promise<boolean> {
    try {
      const schema = await this.resolveTableSchema();
      const csvStats = this.setup.format === 'records' ? await this.runRecords(schema) : await this.runText(schema);
      await closeAll(this.opened);
      post({ kind: 'closed', csvStats });
      return true;
    } catch (e) {
      // The first failure is the one reported; a failure to close after it would only hide it.
      await closeAll(this.opened).catch(() => undefined);
      if (!this.abort.signal.aborted) post({ kind: 'error', error: serializeError(e) });
      else post({ kind: 'closed', csvStats: null });
      return false;
    }
  }
}

let current: TableRun | null = null;
let exiting = false;

port.on('message', (m: ToWorker) => {
  if (m.kind === 'setup') {
    if (current !== null) {
      post({ kind: 'error', error: serializeError(new AgentError('E_INTERNAL', 'a read was set up while another one was running')) });
      port.close();
      return;
    }
    const run = new TableRun(m.setup);
    current = run;
    void run.execute().then((reusable) => {
      current = null;
      if (!reusable || exiting) port.close();
    });
    return;
  }
  if (m.kind === 'exit' || m.kind === 'abort') {
    // an idle worker ends at once; a running read is aborted first and the worker ends after it
    if (m.kind === 'exit') exiting = true;
    if (current === null) port.close();
  }
  current?.onMessage(m);
});
