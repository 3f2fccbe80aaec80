/**
 * Schema discovery from the rows of the schema tables (§10). 3.x reads `system_schema.{tables, columns,
 * types, dropped_columns}` (3.11 `SchemaKeyspace.fetchTable`, `createColumnFromRow`,
 * `createDroppedColumnFromRow`); the 2.x variant lives in discover-legacy.ts.
 *
 * Tables come out in their CQL view. 3.x stores COMPACT STORAGE tables in the internal `CompactTables`
 * layout; what `SELECT *` shows follows 3.11 `CFMetaData.allColumnsInSelectOrder`/`nonPkColumnIterator`:
 * - static compact (flags neither `dense` nor `compound`): the partition key and the static columns,
 *   shown as regular columns; the internal clustering column (`column1`) and `value` are hidden;
 * - dense: the compact value column is hidden when its type is `empty` (a table with no non-key column);
 * - either kind: no non-key column at all when the compact value is `empty`.
 */
import { AgentError, isAgentError } from '../errors.js';
import { isCounter, type CqlType } from '../sstable/types/model.js';
import { TokenCursor, tokenize, type Token } from './cql-lexer.js';
import { parseRawType, resolveRawType, type RawType } from './cql-type.js';
import type { ParsedSchema } from './cql-ddl.js';
import { optStr, optUuidHex, optInt, str, strList, timestampMicros, type JsonRow } from './json-row.js';
import type { ColumnDef, DroppedColumn, TableFlavour, TableSchema } from './model.js';
import { UserTypeRegistry } from './udt-registry.js';

export type { JsonRow } from './json-row.js';
export { schemaFromLegacySchemaRows } from './discover-legacy.js';

function rawTypeOf(s: string, where: string): RawType {
  const context = `${where}: type "${s}"`;
  const c = new TokenCursor(tokenize(s, 'E_SCHEMA', context), 'E_SCHEMA', context);
  const t = parseRawType(c);
  if (!c.atEnd()) c.fail('expected end of type');
  return t;
}

function groupBy(rows: readonly JsonRow[], what: string, nameField: string): Map<string, JsonRow[]> {
  const out = new Map<string, JsonRow[]>();
  for (const r of rows) {
    const where = `system_schema.${what} row`;
    const k = `${str(r, 'keyspace_name', where)}.${str(r, nameField, where)}`;
    const list = out.get(k);
    if (list === undefined) out.set(k, [r]);
    else list.push(r);
  }
  return out;
}

const byName = (a: ColumnDef, b: ColumnDef): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Throws `E_SCHEMA` for malformed rows, unknown user types, or a table without partition key columns. */
export function schemaFromSystemSchemaRows(rows: {
  tables: JsonRow[];
  columns: JsonRow[];
  types: JsonRow[];
  dropped_columns: JsonRow[];
}): ParsedSchema {
  const udts = new UserTypeRegistry();
  for (const r of rows.types) {
    const ks = str(r, 'keyspace_name', 'system_schema.types row');
    const name = str(r, 'type_name', 'system_schema.types row');
    const where = `system_schema.types ${ks}.${name}`;
    const names = strList(r, 'field_names', where);
    const types = strList(r, 'field_types', where);
    if (names.length !== types.length) {
      throw new AgentError('E_SCHEMA', `${where}: ${names.length} field names but ${types.length} field types`);
    }
    const fields = names.map((f, i) => ({ name: f, type: rawTypeOf(types[i] as string, `${where} field ${f}`) }));
    udts.define({ keyspace: ks, name, fields, where: () => `(${where})` });
  }

  const columns = groupBy(rows.columns, 'columns', 'table_name');
  const dropped = groupBy(rows.dropped_columns, 'dropped_columns', 'table_name');
  const tables = rows.tables.map((r) => tableFromRows(r, columns, dropped, udts));
  return { tables, types: udts.all() };
}

function tableFromRows(
  r: JsonRow,
  columnsByTable: Map<string, JsonRow[]>,
  droppedByTable: Map<string, JsonRow[]>,
  udts: UserTypeRegistry,
): TableSchema {
  const keyspace = str(r, 'keyspace_name', 'system_schema.tables row');
  const table = str(r, 'table_name', 'system_schema.tables row');
  const where = `system_schema.tables ${keyspace}.${table}`;
  // an absent flags set is not an empty one (which means static compact): 3.11 cannot load it either
  if (r['flags'] === undefined || r['flags'] === null) throw new AgentError('E_SCHEMA', `${where}: flags is missing`);
  const flags = new Set(strList(r, 'flags', where).map((f) => f.toLowerCase()));
  const isSuper = flags.has('super');
  const flavour: TableFlavour = isSuper || flags.has('dense') ? 'dense' : flags.has('compound') ? 'cql' : 'staticCompact';

  const partitionKey: ColumnDef[] = [];
  const clustering: ColumnDef[] = [];
  const statics: ColumnDef[] = [];
  const regulars: ColumnDef[] = [];
  for (const c of columnsByTable.get(`${keyspace}.${table}`) ?? []) {
    const def = columnFromRow(c, keyspace, table, udts);
    if (def.kind === 'partition_key') partitionKey.push(def);
    else if (def.kind === 'clustering') clustering.push(def);
    else if (def.kind === 'static') statics.push(def);
    else regulars.push(def);
  }
  if (partitionKey.length === 0) {
    throw new AgentError('E_SCHEMA', `${where}: no partition key columns in system_schema.columns`);
  }
  partitionKey.sort((a, b) => a.position - b.position);
  clustering.sort((a, b) => a.position - b.position);

  let visibleClustering = clustering;
  let others: ColumnDef[] = [...statics, ...regulars];
  if (flavour !== 'cql' && !isSuper) {
    const compactValue = regulars[0];
    const emptyValue = compactValue !== undefined && compactValue.type.kind === 'native' && compactValue.type.name === 'empty';
    if (flavour === 'staticCompact') {
      visibleClustering = [];
      others = emptyValue ? [] : statics.map((s) => ({ ...s, kind: 'regular' }));
    } else if (emptyValue) {
      others = statics;
    }
  }
  others.sort(byName);

  const droppedCols = new Map<string, DroppedColumn>();
  for (const d of droppedByTable.get(`${keyspace}.${table}`) ?? []) {
    const dc = droppedFromRow(d, keyspace, table, udts);
    droppedCols.set(dc.name, dc);
  }

  return {
    keyspace,
    table,
    id: optUuidHex(r, 'id', where),
    partitionKey,
    clustering: visibleClustering,
    columns: others,
    flavour,
    isCounter: flags.has('counter') || others.some((c) => isCounter(c.type)),
    dropped: droppedCols,
  };
}

function columnFromRow(c: JsonRow, keyspace: string, table: string, udts: UserTypeRegistry): ColumnDef {
  const name = str(c, 'column_name', `system_schema.columns ${keyspace}.${table}`);
  const where = `system_schema.columns ${keyspace}.${table}.${name}`;
  const kindText = str(c, 'kind', where).toLowerCase();
  if (kindText !== 'partition_key' && kindText !== 'clustering' && kindText !== 'static' && kindText !== 'regular') {
    throw new AgentError('E_SCHEMA', `${where}: unknown kind '${kindText}'`);
  }
  const base = resolveRawType(rawTypeOf(str(c, 'type', where), where), { keyspace, udts: udts.lookup, where: () => `(${where})` });
  const order = (optStr(c, 'clustering_order', where) ?? 'none').toLowerCase();
  const type: CqlType = order === 'desc' ? { kind: 'reversed', base } : base;
  const isKey = kindText === 'partition_key' || kindText === 'clustering';
  const position = isKey ? optInt(c, 'position', where) ?? 0 : -1;
  return { name, type, kind: kindText, position };
}

/**
 * 3.11 records dropped types with user types expanded to tuples; an unparsable or unresolvable one
 * only loses the (informative) type, never the drop time that decides which cells are dead.
 */
function droppedFromRow(d: JsonRow, keyspace: string, table: string, udts: UserTypeRegistry): DroppedColumn {
  const name = str(d, 'column_name', `system_schema.dropped_columns ${keyspace}.${table}`);
  const where = `system_schema.dropped_columns ${keyspace}.${table}.${name}`;
  const droppedAt = timestampMicros(d, 'dropped_time', where);
  const typeText = optStr(d, 'type', where);
  let type: CqlType | null = null;
  if (typeText !== null) {
    try {
      type = resolveRawType(rawTypeOf(typeText, where), { keyspace, udts: udts.lookup, where: (at: Token) => `(${where} ${at.line}:${at.col})` });
    } catch (e) {
      if (!isAgentError(e) || e.code !== 'E_SCHEMA') throw e;
    }
  }
  return { name, droppedAt, type };
}
