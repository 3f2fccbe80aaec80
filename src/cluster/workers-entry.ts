/**
 * A decoding worker (worker_threads): for each task it receives, it reads one token range of one group
 * of nodes (locate, open, seek, read, merge: range-reader.ts) and posts the rows back ENCODED (CSV
 * records or JSON lines) in batches, waiting for acknowledgements when `maxInFlight` batches are
 * outstanding (workers-protocol.ts).
 *
 * Started by workers.ts from the compiled file (dist/cluster/workers-entry.js). Each node's SSTables
 * are opened on first use and stay open until `close`/`abort`; every file handle is closed before the
 * worker exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { locateTable } from '../catalog/locate.js';
import { resolveSchema } from '../catalog/schema.js';
import { AgentError } from '../errors.js';
import { csvRowEncoder, type CsvStats } from '../export/csv.js';
import { jsonRowRenderer } from '../export/json-row.js';
import { resolveExportOptions } from '../export/options.js';
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import { openTableSSTables } from '../catalog/open-table.js';
import { closeAll, type OpenedSSTable } from '../sstable/table.js';
import { batchEncoder } from '../tasks/encode-batch.js';
import { SSTableSeeker, rangeRows } from './range-reader.js';
import { meteredDataSource, onDiskChunkCost, throttleSSTable, TokenBucket } from './throttle.js';
import { serializeError, type FromWorker, type ToWorker, type WorkerSetup } from './workers-protocol.js';

const port = parentPort;
if (port === null) throw new AgentError('E_BAD_ARGUMENT', 'workers-entry.js must be started as a worker thread');
const setup = workerData as WorkerSetup;
const abort = new AbortController();
const opened: OpenedSSTable[] = [];
const seekersByNode = new Map<number, Promise<SSTableSeeker[]>>();
const tasks: { id: number; group: number; range: { start: bigint | null; end: bigint | null } }[] = [];
let closing = false;
let credits = setup.maxInFlight;
let creditWaiter: (() => void) | null = null;
let taskWaiter: (() => void) | null = null;
/** on-disk Data.db bytes decoded since the last batch was posted */
let dataBytes = 0;
const countBytes = (n: number): void => {
  dataBytes += n;
};
const takeDataBytes = (): number => {
  const n = dataBytes;
  dataBytes = 0;
  return n;
};

const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  switch (m.kind) {
    case 'task':
      tasks.push({ id: m.id, group: m.task.group, range: m.task.range });
      break;
    case 'ack':
      credits++;
      break;
    case 'close':
      closing = true;
      break;
    case 'abort':
      closing = true;
      abort.abort(new AgentError('E_IO', 'read aborted'));
      break;
  }
  const w = creditWaiter ?? taskWaiter;
  creditWaiter = null;
  taskWaiter = null;
  w?.();
});

async function nodeSeekers(node: number): Promise<SSTableSeeker[]> {
  let p = seekersByNode.get(node);
  if (p === undefined) {
    p = (async () => {
      const n = setup.nodes[node];
      if (n === undefined) throw new AgentError('E_BAD_ARGUMENT', `no node ${node} in the worker setup`);
      // listed and opened together, again if compaction removed a listed SSTable first (open-table.ts);
      // once open, an SSTable is read whole even if compaction deletes it meanwhile
      const { sstables } = await openTableSSTables(n.paths, setup.keyspace, setup.table, { signal: abort.signal });
      opened.push(...sstables);
      const bucket = setup.bytesPerSecondPerNode === null ? null : new TokenBucket(setup.bytesPerSecondPerNode);
      const out: SSTableSeeker[] = [];
      for (const t of sstables) {
        const metered = { ...t, data: meteredDataSource(t.data, await onDiskChunkCost(t), countBytes) };
        out.push(await SSTableSeeker.open(bucket === null ? metered : await throttleSSTable(metered, bucket)));
      }
      return out;
    })();
    seekersByNode.set(node, p);
  }
  return p;
}

async function resolveTableSchema(): Promise<TableSchema> {
  if (setup.schema !== undefined) return setup.schema;
  const first = setup.nodes[0];
  if (first === undefined) throw new AgentError('E_BAD_ARGUMENT', 'no nodes to read');
  const loc = await locateTable(first.paths, setup.keyspace, setup.table);
  const opts = setup.schemaFile === undefined ? { nowInSec: setup.nowInSec } : { nowInSec: setup.nowInSec, schemaFile: setup.schemaFile };
  return (await resolveSchema(loc, opts)).schema;
}

async function waitForCredit(): Promise<void> {
  while (credits <= 0 && !abort.signal.aborted) await new Promise<void>((r) => { creditWaiter = r; });
  abort.signal.throwIfAborted();
}

/** The next task, or null once `close` has come and no task is left. */
async function nextTask(): Promise<(typeof tasks)[number] | null> {
  for (;;) {
    const task = tasks.shift();
    if (task !== undefined) return task;
    if (closing) return null;
    await new Promise<void>((r) => { taskWaiter = r; });
  }
}

async function taskSeekers(group: number): Promise<SSTableSeeker[]> {
  const seekers: SSTableSeeker[] = [];
  for (const node of setup.groups[group] ?? []) seekers.push(...(await nodeSeekers(node)));
  return seekers;
}

/** Runs tasks until `close`, posting text batches (csv, json); returns the CSV encoder's figures (null for JSON). */
async function runText(schema: TableSchema): Promise<CsvStats | null> {
  const csv = setup.format === 'csv' ? csvRowEncoder(schema, setup.exportOptions ?? {}) : null;
  const render = jsonRowRenderer(schema);
  const encode = csv ?? ((row: CqlRow): string => JSON.stringify(render(row)) + '\n');
  const readOpts = { nowInSec: setup.nowInSec, signal: abort.signal };
  for (let task = await nextTask(); task !== null; task = await nextTask()) {
    const id = task.id;
    const seekers = await taskSeekers(task.group);
    let text = '';
    let ends: number[] = [];
    let rows = 0;
    const flush = async (): Promise<void> => {
      await waitForCredit();
      credits--;
      const e = Uint32Array.from(ends);
      post({ kind: 'batch', id, text, ends: e, dataBytes: takeDataBytes() }, [e.buffer]);
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
async function runRecords(schema: TableSchema): Promise<CsvStats> {
  const encoder = batchEncoder(schema, resolveExportOptions(setup.exportOptions ?? {}));
  const readOpts = { nowInSec: setup.nowInSec, signal: abort.signal };
  const batchBytes = setup.batchBytes ?? Number.POSITIVE_INFINITY;
  for (let task = await nextTask(); task !== null; task = await nextTask()) {
    const id = task.id;
    const seekers = await taskSeekers(task.group);
    let rows = 0;
    const flush = async (): Promise<void> => {
      await waitForCredit();
      credits--;
      const b = encoder.take();
      post({ kind: 'records', id, bytes: b.bytes, ends: b.ends, count: b.count, problems: b.problems, dataBytes: takeDataBytes() }, [b.bytes.buffer as ArrayBuffer, b.ends.buffer as ArrayBuffer]);
    };
    if (seekers.length > 0) {
      for await (const batch of rangeRows(seekers, schema, task.range, readOpts)) {
        if (batch.length === 0) continue;
        // the records of several row batches leave together, copied once (encode-batch.ts append)
        encoder.append(batch);
        rows += batch.length;
        if (encoder.pendingRows >= setup.batchRows || encoder.pendingBytes >= batchBytes) await flush();
      }
    }
    if (encoder.pendingRows > 0) await flush();
    post({ kind: 'done', id, rows });
  }
  return encoder.stats;
}

async function run(): Promise<CsvStats | null> {
  const schema = await resolveTableSchema();
  return setup.format === 'records' ? runRecords(schema) : runText(schema);
}

try {
  const csvStats = await run();
  await closeAll(opened);
  post({ kind: 'closed', csvStats });
} catch (e) {
  // The first failure is the one reported; a failure to close after it would only hide it.
  await closeAll(opened).catch(() => undefined);
  if (!abort.signal.aborted) post({ kind: 'error', error: serializeError(e) });
  else post({ kind: 'closed', csvStats: null });
}
port.close();
