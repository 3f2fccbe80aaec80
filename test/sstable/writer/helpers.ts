/**
 * Test helpers: turn the events the project's reader decodes from a real SSTable back into writer input
 * (raw bytes everywhere), and read an SSTable directory back as JSON rows.
 */
import { locateTable } from '../../../src/catalog/locate.js';
import { resolveSchema } from '../../../src/catalog/schema.js';
import { dumpJsonRows } from '../../../src/cli/dump.js';
import type { TableSchema } from '../../../src/schema/model.js';
import { BoundKind, NO_DELETION_TIME, type Cell, type ComplexDeletions, type DeletionTime, type SSTableEvent } from '../../../src/sstable/model.js';
import { closeAll, openSSTable, sstableEvents, type OpenedSSTable } from '../../../src/sstable/table.js';
import { isMultiCell } from '../../../src/sstable/types/model.js';
import type { WriteBound, WriteCell, WriteColumn, WriteElement, WritePartition, WriteRow, WriteUnfiltered } from '../../../src/sstable/writer/index.js';
import type { JsonRow } from '../../../src/export/json-row.js';

export async function schemaOf(dir: string, nowInSec = 2_000_000_000): Promise<TableSchema> {
  const loc = await locateTable([dir]);
  return (await resolveSchema(loc, { nowInSec })).schema;
}

export async function readEvents(dir: string, schema: TableSchema): Promise<SSTableEvent[]> {
  const loc = await locateTable([dir]);
  const opened: OpenedSSTable[] = [];
  const out: SSTableEvent[] = [];
  try {
    for (const d of loc.sstables) opened.push(await openSSTable(d));
    for (const t of opened) for await (const b of sstableEvents(t, schema)) out.push(...b);
  } finally {
    await closeAll(opened);
  }
  return out;
}

export async function dumpRows(paths: string[], nowInSec: number, ks?: string, table?: string): Promise<JsonRow[]> {
  const rows: JsonRow[] = [];
  const opts = ks === undefined || table === undefined ? { nowInSec } : { nowInSec, keyspace: ks, table };
  for await (const b of dumpJsonRows(paths, opts)) rows.push(...b);
  return rows;
}

function cellInput(c: Cell): WriteCell {
  if (c.ttl === 0 && c.localDeletionTime !== NO_DELETION_TIME) return { deleted: true, timestamp: c.timestamp, localDeletionTime: c.localDeletionTime };
  if (c.ttl !== 0) return { value: c.value, timestamp: c.timestamp, ttl: c.ttl, localExpirationTime: c.localDeletionTime };
  return { value: c.value, timestamp: c.timestamp };
}

function cellsInput(schema: TableSchema, cells: readonly Cell[], complexDeletions: ComplexDeletions | undefined): Record<string, WriteColumn> {
  const out: Record<string, WriteColumn> = {};
  const complex = new Map<number, WriteElement[]>();
  for (const c of cells) {
    const def = schema.columns[c.column];
    if (def === undefined) throw new Error(`no column ${c.column}`);
    if (isMultiCell(def.type)) {
      const list = complex.get(c.column) ?? [];
      list.push({ ...cellInput(c), path: c.path ?? new Uint8Array(0) });
      complex.set(c.column, list);
    } else {
      out[def.name] = cellInput(c);
    }
  }
  const ordinals = new Set([...complex.keys(), ...(complexDeletions?.keys() ?? [])]);
  for (const o of ordinals) {
    const def = schema.columns[o];
    if (def === undefined) continue;
    const d = complexDeletions?.get(o);
    out[def.name] = d === undefined ? { kind: 'complex', elements: complex.get(o) ?? [] } : { kind: 'complex', deletion: d, elements: complex.get(o) ?? [] };
  }
  return out;
}

const isStart = (k: BoundKind): boolean => k === BoundKind.INCL_START_BOUND || k === BoundKind.EXCL_START_BOUND;

/** Decoded events -> writer partitions (rows inside a range tombstone follow the range's start). */
export function eventsToPartitions(schema: TableSchema, events: readonly SSTableEvent[]): WritePartition[] {
  const parts: WritePartition[] = [];
  let cur: { key: Uint8Array; deletion: DeletionTime; staticRow?: WritePartition['staticRow']; rows: WriteUnfiltered[] } | null = null;
  let open: { start: WriteBound; deletion: DeletionTime; inside: WriteUnfiltered[] } | null = null;
  for (const e of events) {
    if (e.kind === 'partition') {
      cur = { key: e.key, deletion: e.deletion, rows: [] };
    } else if (e.kind === 'end') {
      if (cur === null) throw new Error('end without partition');
      parts.push(cur);
      cur = null;
    } else if (e.kind === 'row') {
      if (cur === null) throw new Error('row without partition');
      const cells = cellsInput(schema, e.cells, e.complexDeletions);
      if (e.isStatic) {
        cur.staticRow = { cells };
        continue;
      }
      const row: WriteRow = {
        clustering: e.clustering,
        ...(e.liveness.timestamp === -(1n << 63n) ? {} : { liveness: e.liveness.ttl === 0 ? { timestamp: e.liveness.timestamp } : { timestamp: e.liveness.timestamp, ttl: e.liveness.ttl, localExpirationTime: e.liveness.localExpirationTime } }),
        ...(e.deletion.markedForDeleteAt === -(1n << 63n) ? {} : { deletion: e.deletion }),
        cells,
      };
      (open === null ? cur.rows : open.inside).push(row);
    } else {
      if (cur === null) throw new Error('marker without partition');
      const k = e.bound.kind;
      const values = e.bound.values;
      if (e.close !== null) {
        if (open === null) throw new Error('close without open');
        const inclusive = k === BoundKind.INCL_END_BOUND || k === BoundKind.INCL_END_EXCL_START_BOUNDARY;
        cur.rows.push({ kind: 'range', start: open.start, end: { values, inclusive }, deletion: open.deletion }, ...open.inside);
        open = null;
      }
      if (e.open !== null) {
        const inclusive = k === BoundKind.INCL_START_BOUND || k === BoundKind.EXCL_END_INCL_START_BOUNDARY;
        if (!isStart(k) && e.close === null) throw new Error('unexpected marker');
        open = { start: { values, inclusive }, deletion: e.open, inside: [] };
      }
    }
  }
  return parts;
}

/** Events of one SSTable. */
export async function readSSTableEvents(t: OpenedSSTable, schema: TableSchema): Promise<SSTableEvent[]> {
  const out: SSTableEvent[] = [];
  for await (const b of sstableEvents(t, schema)) out.push(...b);
  return out;
}

/** The uncompressed Data.db stream of an opened SSTable. */
export async function uncompressedData(t: OpenedSSTable): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of t.data.chunks()) parts.push(c.bytes);
  return Buffer.concat(parts).subarray(0, t.data.uncompressedLength);
}
