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
import type { CqlRow } from '../merge/rows.js';
import type { TableSchema } from '../schema/model.js';
import { closeAll, openSSTable, type OpenedSSTable } from '../sstable/table.js';
import { SSTableSeeker, rangeRows } from './range-reader.js';
import { throttleSSTable, TokenBucket } from './throttle.js';
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
      const loc = await locateTable(n.paths, setup.keyspace, setup.table);
      const bucket = setup.bytesPerSecondPerNode === null ? null : new TokenBucket(setup.bytesPerSecondPerNode);
      const out: SSTableSeeker[] = [];
      for (const d of loc.sstables) {
        const t = await openSSTable(d);
        opened.push(t);
        out.push(await SSTableSeeker.open(bucket === null ? t : await throttleSSTable(t, bucket)));
      }
      return out;
    })();
    seekersByNode.set(node, p);
  }
  return p;
}

async function resolveTableSchema(): Promise<TableSchema> {
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

/** Runs tasks until `close`; returns the CSV encoder's figures (null for JSON). */
async function run(): Promise<CsvStats | null> {
  const schema = await resolveTableSchema();
  const csv = setup.format === 'csv' ? csvRowEncoder(schema, setup.exportOptions ?? {}) : null;
  const render = jsonRowRenderer(schema);
  const encode = csv ?? ((row: CqlRow): string => JSON.stringify(render(row)) + '\n');
  const readOpts = { nowInSec: setup.nowInSec, signal: abort.signal };
  for (;;) {
    const task = tasks.shift();
    if (task === undefined) {
      if (closing) break;
      await new Promise<void>((r) => { taskWaiter = r; });
      continue;
    }
    const seekers: SSTableSeeker[] = [];
    for (const node of setup.groups[task.group] ?? []) seekers.push(...(await nodeSeekers(node)));
    let text = '';
    let ends: number[] = [];
    let rows = 0;
    const flush = async (): Promise<void> => {
      await waitForCredit();
      credits--;
      const e = Uint32Array.from(ends);
      post({ kind: 'batch', id: task.id, text, ends: e }, [e.buffer]);
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
    post({ kind: 'done', id: task.id, rows });
  }
  return csv === null ? null : csv.stats;
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
