/**
 * Finds the schema of a table, in this order:
 * 1. a CQL file given by the user (--schema);
 * 2. the built-in definitions of Cassandra's own system tables;
 * 3. the system_schema tables (3.x) of the data directory the table sits in;
 * 4. a snapshot's schema.cql next to the SSTables;
 * 5. for 3.x SSTables, the serialization header alone (generated key names, as sstabledump).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../errors.js';
import { jsonRowRenderer, type JsonRow } from '../export/json-row.js';
import { findBuiltinTable } from '../schema/builtin.js';
import { parseCqlSchema, type ParsedSchema } from '../schema/cql-ddl.js';
import { schemaFromLegacySchemaRows, schemaFromSystemSchemaRows } from '../schema/discover.js';
import { schemaFromHeader } from '../schema/from-header.js';
import type { TableSchema } from '../schema/model.js';
import { withInternalColumnOrder } from '../schema/column-order.js';
import { isV3 } from '../sstable/io/descriptor.js';
import { readStatistics, type SerializationHeader } from '../sstable/io/statistics.js';
import { closeAll, openSSTable, tableRows, type OpenedSSTable } from '../sstable/table.js';
import { parseMarshalType } from '../sstable/types/index.js';
import { findTableDir, locateTable, type TableLocation } from './locate.js';

export interface SchemaSource {
  readonly schema: TableSchema;
  /** where it came from, for messages and reports */
  readonly origin: 'cql-file' | 'builtin' | 'system_schema' | 'snapshot-schema.cql' | 'sstable-header';
}

function pick(parsed: ParsedSchema, keyspace: string | null, table: string | null, what: string): TableSchema | undefined {
  const matches = parsed.tables.filter((t) => (keyspace === null || t.keyspace === keyspace) && (table === null || t.table === table));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new AgentError('E_SCHEMA', `${what} defines several tables matching ${keyspace ?? '*'}.${table ?? '*'}; give --keyspace and --table`);
  }
  return undefined;
}

/** Rows of a system table, rendered as JSON (the dump conventions), read with its built-in schema; null when absent. */
export async function readSystemTable(dataDir: string, keyspace: string, table: string, nowInSec: number): Promise<JsonRow[] | null> {
  const dir = await findTableDir(dataDir, keyspace, table);
  if (dir === null) return null;
  const loc = await locateTable([dir]);
  const family = loc.sstables.some((s) => !isV3(s.version)) ? '2.x' : '3.x';
  const schema = findBuiltinTable(keyspace, table, family);
  if (schema === undefined) return null;
  const opened: OpenedSSTable[] = [];
  try {
    for (const d of loc.sstables) opened.push(await openSSTable(d, { index: false }));
    const render = jsonRowRenderer(schema);
    const out: JsonRow[] = [];
    for await (const batch of tableRows(opened, schema, { nowInSec })) for (const r of batch) out.push(render(r));
    return out;
  } finally {
    await closeAll(opened);
  }
}

const discovered = new Map<string, Promise<ParsedSchema | null>>();

/**
 * The schema of every table of a data directory (cached per directory): from the 3.x system_schema
 * tables, or else from the 2.x system.schema_columnfamilies / schema_columns / schema_usertypes.
 */
export function discoverDataDirSchema(dataDir: string, nowInSec: number): Promise<ParsedSchema | null> {
  let p = discovered.get(dataDir);
  if (p === undefined) {
    p = (async () => {
      if (!existsSync(join(dataDir, 'system_schema'))) return discoverLegacySchema(dataDir, nowInSec);
      const [tables, columns, types, dropped] = await Promise.all([
        readSystemTable(dataDir, 'system_schema', 'tables', nowInSec),
        readSystemTable(dataDir, 'system_schema', 'columns', nowInSec),
        readSystemTable(dataDir, 'system_schema', 'types', nowInSec),
        readSystemTable(dataDir, 'system_schema', 'dropped_columns', nowInSec),
      ]);
      if (tables === null || columns === null) return null;
      return schemaFromSystemSchemaRows({ tables, columns, types: types ?? [], dropped_columns: dropped ?? [] });
    })();
    discovered.set(dataDir, p);
  }
  return p;
}

async function discoverLegacySchema(dataDir: string, nowInSec: number): Promise<ParsedSchema | null> {
  if (!existsSync(join(dataDir, 'system'))) return null;
  const [columnfamilies, columns, usertypes] = await Promise.all([
    readSystemTable(dataDir, 'system', 'schema_columnfamilies', nowInSec),
    readSystemTable(dataDir, 'system', 'schema_columns', nowInSec),
    readSystemTable(dataDir, 'system', 'schema_usertypes', nowInSec),
  ]);
  if (columnfamilies === null || columns === null) return null;
  return schemaFromLegacySchemaRows({ columnfamilies, columns, usertypes: usertypes ?? [] }, parseMarshalType);
}

export interface ResolveOptions {
  readonly schemaFile?: string;
  readonly nowInSec: number;
}

/** @throws AgentError E_SCHEMA when no source can describe the table */
export async function resolveSchema(loc: TableLocation, opts: ResolveOptions): Promise<SchemaSource> {
  const found = await findSchema(loc, opts);
  return { ...found, schema: withInternalColumnOrder(found.schema) };
}

async function findSchema(loc: TableLocation, opts: ResolveOptions): Promise<SchemaSource> {
  const name = `${loc.keyspace ?? '?'}.${loc.table ?? '?'}`;
  if (opts.schemaFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.schemaFile, 'utf8');
    } catch (e) {
      throw new AgentError('E_NOT_FOUND', `cannot read the schema file ${opts.schemaFile}`, { file: opts.schemaFile }, { cause: e });
    }
    let parsed: ParsedSchema;
    try {
      parsed = parseCqlSchema(text, loc.keyspace === null ? {} : { defaultKeyspace: loc.keyspace });
    } catch (e) {
      throw e instanceof AgentError ? e.withFile(opts.schemaFile) : e;
    }
    const t = pick(parsed, loc.keyspace, loc.table, opts.schemaFile) ?? pick(parsed, null, loc.table, opts.schemaFile) ?? (parsed.tables.length === 1 ? parsed.tables[0] : undefined);
    if (t === undefined) throw new AgentError('E_SCHEMA', `the schema file does not define table ${name}`, { file: opts.schemaFile });
    return { schema: t, origin: 'cql-file' };
  }
  const allV3 = loc.sstables.every((s) => isV3(s.version));
  if (loc.keyspace !== null && loc.table !== null) {
    const builtin = findBuiltinTable(loc.keyspace, loc.table, allV3 ? '3.x' : '2.x');
    if (builtin !== undefined) return { schema: builtin, origin: 'builtin' };
    if (loc.dataDir !== null) {
      const parsed = await discoverDataDirSchema(loc.dataDir, opts.nowInSec);
      const t = parsed === null ? undefined : pick(parsed, loc.keyspace, loc.table, 'system_schema');
      if (t !== undefined) return { schema: t, origin: 'system_schema' };
    }
  }
  for (const dir of loc.tableDirs) {
    const cql = join(dir, 'schema.cql');
    if (existsSync(cql)) {
      const parsed = parseCqlSchema(await readFile(cql, 'utf8'));
      const t = pick(parsed, loc.keyspace, loc.table, cql) ?? (parsed.tables.length === 1 ? parsed.tables[0] : undefined);
      if (t !== undefined) return { schema: t, origin: 'snapshot-schema.cql' };
    }
  }
  if (allV3 && loc.sstables.length > 0) {
    // The union of the headers: each SSTable lists only the columns it holds.
    let merged: SerializationHeader | null = null;
    for (const d of loc.sstables) {
      const h = (await readStatistics(d)).header;
      if (h === null) continue;
      merged = merged === null ? h : unionHeaders(merged, h);
    }
    if (merged !== null) {
      return { schema: schemaFromHeader(merged, loc.keyspace ?? 'keyspace', loc.table ?? 'table', parseMarshalType), origin: 'sstable-header' };
    }
  }
  throw new AgentError('E_SCHEMA', `no schema for ${name}: 2.x SSTables do not describe their columns; pass --schema <file.cql> or point at the data directory that holds the system schema tables`);
}

function unionHeaders(a: SerializationHeader, b: SerializationHeader): SerializationHeader {
  const add = <T extends { name: string }>(x: readonly T[], y: readonly T[]): T[] => [...x, ...y.filter((c) => !x.some((d) => d.name === c.name))];
  return { ...a, staticColumns: add(a.staticColumns, b.staticColumns), regularColumns: add(a.regularColumns, b.regularColumns) };
}
