/**
 * `cassandra-extractor dump <path>... [--schema file.cql] [--now ISO-8601] [--keyspace k --table t]`
 *
 * Contract (scripts call it): JSON Lines on stdout, one object per live CQL row, keyed by column name,
 * every schema column present (null where absent), in partition then clustering order; values follow
 * the fixture corpus' value conventions. Exit 0 on success; non-zero with one line on stderr otherwise.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { locateTable } from '../catalog/locate.js';
import { resolveSchema } from '../catalog/schema.js';
import { AgentError } from '../errors.js';
import { jsonRowRenderer, type JsonRow } from '../export/json-row.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../sstable/table.js';
import { parse, parseNow } from './args.js';

export const DUMP_USAGE = 'usage: cassandra-extractor dump <table dir | Data.db | data dir>... [--schema file.cql] [--now ISO-8601] [--keyspace k --table t]';

export interface DumpOptions {
  readonly schemaFile?: string;
  readonly nowInSec: number;
  readonly keyspace?: string;
  readonly table?: string;
}

/** The rows `dump` prints, as JSON objects, batch by batch. */
export async function* dumpJsonRows(paths: readonly string[], opts: DumpOptions): AsyncGenerator<JsonRow[]> {
  const loc = await locateTable(paths, opts.keyspace, opts.table);
  const { schema } = await resolveSchema(loc, opts.schemaFile === undefined ? { nowInSec: opts.nowInSec } : { nowInSec: opts.nowInSec, schemaFile: opts.schemaFile });
  const render = jsonRowRenderer(schema);
  const opened: OpenedSSTable[] = [];
  try {
    for (const d of loc.sstables) opened.push(await openSSTable(d, { index: false }));
    for await (const batch of tableRows(opened, schema, { nowInSec: opts.nowInSec })) {
      if (batch.length > 0) yield batch.map(render);
    }
  } finally {
    await closeAll(opened);
  }
}

export async function runDump(argv: string[], out: Writable): Promise<number> {
  const { values, positionals } = parse(argv, {
    schema: { type: 'string' },
    now: { type: 'string' },
    keyspace: { type: 'string' },
    table: { type: 'string' },
  });
  if (positionals.length === 0) throw new AgentError('E_BAD_ARGUMENT', DUMP_USAGE);
  if ((values.keyspace === undefined) !== (values.table === undefined)) throw new AgentError('E_BAD_ARGUMENT', '--keyspace and --table go together');
  const opts: DumpOptions = {
    nowInSec: parseNow(values.now),
    ...(values.schema === undefined ? {} : { schemaFile: values.schema }),
    ...(values.keyspace === undefined ? {} : { keyspace: values.keyspace }),
    ...(values.table === undefined ? {} : { table: values.table }),
  };
  for await (const batch of dumpJsonRows(positionals, opts)) {
    let text = '';
    for (const row of batch) text += JSON.stringify(row) + '\n';
    if (!out.write(text)) await once(out, 'drain');
  }
  return 0;
}
