/** Helpers of the extract tests: output trees, CSV read-back with only the written documents. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { csvTableParser, etdTable, type CsvEndpointSettings, type EtdDocument } from '../../src/export/csv-parse.js';
import type { JsonRow } from '../../src/export/json-row.js';
import type { Sink } from '../../src/sink/sink.js';

/** Every file under `dir` (relative '/'-separated path -> bytes), temporary files included. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out.set(r, await readFile(join(d, e.name)));
    }
  };
  await walk(dir, '');
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The rows of one table as DMS would read them: LOAD files parsed with the ETD + endpoint settings. */
export function parseTable(tree: Map<string, Buffer>, keyspace: string, table: string): JsonRow[] {
  const etd = JSON.parse((tree.get('dms/table-definition.json') as Buffer).toString('utf8')) as EtdDocument;
  const endpoint = JSON.parse((tree.get('dms/endpoint-settings.json') as Buffer).toString('utf8')) as CsvEndpointSettings;
  const parse = csvTableParser(etdTable(etd, keyspace, table), endpoint);
  const rows: JsonRow[] = [];
  for (const [k, v] of tree) {
    if (k.startsWith(`${keyspace}/${table}/LOAD`)) rows.push(...parse(v.toString('utf8')));
  }
  return rows;
}

/** A sink that forwards to another and lets a test act before each put (e.g. abort on the n-th). */
export function spySink(inner: Sink, before: (key: string, n: number) => void): Sink {
  let n = 0;
  return {
    root: inner.root,
    put: (key, body, meta, opts) => {
      before(key, ++n);
      return inner.put(key, body, meta, opts);
    },
    head: (k) => inner.head(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    close: () => inner.close(),
  };
}
