/**
 * 2.x schema discovery (§10.1) from `system.schema_columnfamilies`, `schema_columns` and
 * `schema_usertypes` rows, following 2.1 `CFMetaData.fromSchemaNoTriggers` and `rebuild()`:
 * - the comparator (plus `is_dense`) fixes the clustering types (§6.3): sparse compound = all
 *   components but the trailing UTF8Type name (and a trailing ColumnToCollectionType); dense = every
 *   component (or the plain comparator); static compact = none;
 * - `is_dense` null -> `calculateIsDense` (tables from Thrift or before CASSANDRA-7744);
 * - key/clustering/value columns missing from `schema_columns` come from `key_aliases`,
 *   `column_aliases`, `value_alias`, else get the default names key, key2.., column1.., value;
 * - the compact value of a dense table is hidden when it has an empty name (CQL tables with only a
 *   primary key) or an empty type;
 * - `dropped_columns` is a map name -> drop time in µs.
 * Marshal type strings are parsed by the injected `parseMarshal` (ReversedType -> reversed, FrozenType
 * -> frozen, ColumnToCollectionType -> columnToCollection).
 */
import { AgentError } from '../errors.js';
import { isCounter, type CqlType } from '../sstable/types/model.js';
import type { ParsedSchema } from './cql-ddl.js';
import { bigIntOf, optBool, optInt, optStr, optUuidHex, pairs, str, strList, type JsonRow } from './json-row.js';
import type { ColumnDef, DroppedColumn, TableFlavour, TableSchema } from './model.js';

type LegacyKind = 'partition_key' | 'clustering_key' | 'regular' | 'static' | 'compact_value';

interface LegacyDef {
  readonly name: string;
  readonly kind: LegacyKind;
  /** component_index; null for a single key column, regular, static and compact value columns */
  readonly index: number | null;
  readonly type: CqlType;
}

const KINDS: ReadonlySet<string> = new Set(['partition_key', 'clustering_key', 'regular', 'static', 'compact_value']);

/** A value stored inside another value is one blob: everything in it is frozen. */
function frozenCopy(t: CqlType): CqlType {
  switch (t.kind) {
    case 'list':
    case 'set':
      return { ...t, element: frozenCopy(t.element), frozen: true };
    case 'map':
      return { ...t, key: frozenCopy(t.key), value: frozenCopy(t.value), frozen: true };
    case 'udt':
      return { ...t, fields: t.fields.map((f) => ({ name: f.name, type: frozenCopy(f.type) })), frozen: true };
    case 'tuple':
      return { ...t, elements: t.elements.map(frozenCopy) };
    default:
      return t;
  }
}

const isText = (t: CqlType): boolean => t.kind === 'native' && t.name === 'text';
const isEmptyType = (t: CqlType): boolean => t.kind === 'native' && t.name === 'empty';

/** 2.1 `CFMetaData.calculateIsDense`. */
function calculateIsDense(comparator: CqlType, defs: readonly LegacyDef[]): boolean {
  let hasRegular = false;
  let maxClustering = -1;
  for (const d of defs) {
    if (d.kind === 'clustering_key') maxClustering = Math.max(maxClustering, d.index ?? 0);
    else if (d.kind === 'regular') hasRegular = true;
  }
  const count = comparator.kind === 'composite' ? comparator.components.length : 1;
  if (maxClustering >= 0) return maxClustering === count - 1;
  const cql3OnlyPk = comparator.kind === 'composite' && comparator.components.length === 1 && isText(comparator.components[0] as CqlType);
  return !hasRegular && !cql3OnlyPk;
}

/** `key_aliases` / `column_aliases` hold a JSON list of names (null entries allowed). */
function aliasList(json: string | null, where: string, field: string): Array<string | null> {
  if (json === null) return [];
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new AgentError('E_SCHEMA', `${where}: ${field} is not JSON: ${json}`, {}, { cause: e });
  }
  if (!Array.isArray(v) || !v.every((x) => x === null || typeof x === 'string')) {
    throw new AgentError('E_SCHEMA', `${where}: ${field} should be a JSON list of names, found ${json}`);
  }
  return v as Array<string | null>;
}

export function schemaFromLegacySchemaRows(
  rows: { columnfamilies: JsonRow[]; columns: JsonRow[]; usertypes: JsonRow[] },
  parseMarshal: (s: string) => CqlType,
): ParsedSchema {
  const types = new Map<string, CqlType>();
  for (const r of rows.usertypes) {
    const ks = str(r, 'keyspace_name', 'system.schema_usertypes row');
    const name = str(r, 'type_name', 'system.schema_usertypes row');
    const where = `system.schema_usertypes ${ks}.${name}`;
    const names = strList(r, 'field_names', where);
    const fieldTypes = strList(r, 'field_types', where);
    if (names.length !== fieldTypes.length) {
      throw new AgentError('E_SCHEMA', `${where}: ${names.length} field names but ${fieldTypes.length} field types`);
    }
    const fields = names.map((f, i) => ({ name: f, type: frozenCopy(parseMarshal(fieldTypes[i] as string)) }));
    types.set(`${ks}.${name}`, { kind: 'udt', keyspace: ks, name, fields, frozen: false });
  }

  const defsByTable = new Map<string, LegacyDef[]>();
  for (const r of rows.columns) {
    const ks = str(r, 'keyspace_name', 'system.schema_columns row');
    const cf = str(r, 'columnfamily_name', 'system.schema_columns row');
    const name = str(r, 'column_name', `system.schema_columns ${ks}.${cf}`);
    const where = `system.schema_columns ${ks}.${cf}.${name}`;
    const kind = (optStr(r, 'type', where) ?? 'regular').toLowerCase();
    if (!KINDS.has(kind)) throw new AgentError('E_SCHEMA', `${where}: unknown column kind '${kind}'`);
    const def: LegacyDef = { name, kind: kind as LegacyKind, index: optInt(r, 'component_index', where), type: parseMarshal(str(r, 'validator', where)) };
    const k = `${ks}.${cf}`;
    const list = defsByTable.get(k);
    if (list === undefined) defsByTable.set(k, [def]);
    else list.push(def);
  }

  const tables = rows.columnfamilies.map((r) => legacyTable(r, defsByTable, parseMarshal));
  return { tables, types };
}

function legacyTable(r: JsonRow, defsByTable: Map<string, LegacyDef[]>, parseMarshal: (s: string) => CqlType): TableSchema {
  const keyspace = str(r, 'keyspace_name', 'system.schema_columnfamilies row');
  const table = str(r, 'columnfamily_name', 'system.schema_columnfamilies row');
  const where = `system.schema_columnfamilies ${keyspace}.${table}`;
  const defs = defsByTable.get(`${keyspace}.${table}`) ?? [];

  const isSuper = (optStr(r, 'type', where) ?? 'Standard').toLowerCase() === 'super';
  const raw = parseMarshal(str(r, 'comparator', where));
  const sub = optStr(r, 'subcomparator', where);
  // 2.1 makeRawAbstractType: a super column family's cell name is (super column, sub column)
  const comparator: CqlType = isSuper && sub !== null ? { kind: 'composite', components: [raw, parseMarshal(sub)] } : raw;
  const isDense = optBool(r, 'is_dense', where) ?? (isSuper || calculateIsDense(comparator, defs));
  const isCompound = comparator.kind === 'composite';

  let components: readonly CqlType[] = comparator.kind === 'composite' ? comparator.components : [comparator];
  if (isCompound && !isDense && components[components.length - 1]?.kind === 'columnToCollection') {
    components = components.slice(0, -1);
  }
  const clusteringTypes = isDense ? components : isCompound ? components.slice(0, -1) : [];

  const keyValidator = parseMarshal(optStr(r, 'key_validator', where) ?? 'BytesType');
  const keyTypes = keyValidator.kind === 'composite' ? keyValidator.components : [keyValidator];
  const defaultValidator = parseMarshal(optStr(r, 'default_validator', where) ?? 'BytesType');

  // aliases first, schema_columns entries override them (2.1 addColumnMetadataFromAliases, then columnDefs)
  const keyAliases = aliasList(optStr(r, 'key_aliases', where), where, 'key_aliases');
  const columnAliases = aliasList(optStr(r, 'column_aliases', where), where, 'column_aliases');
  const pk = slots(keyTypes.length, defs, 'partition_key', keyAliases, keyTypes, (i) => (i === 0 ? 'key' : `key${i + 1}`));
  const ck = slots(clusteringTypes.length, defs, 'clustering_key', columnAliases, clusteringTypes, (i) => `column${i + 1}`);
  const partitionKey: ColumnDef[] = pk.map((s, i) => ({ name: s.name, type: s.type, kind: 'partition_key', position: i }));
  const clustering: ColumnDef[] = ck.map((s, i) => ({ name: s.name, type: s.type, kind: 'clustering', position: i }));

  const columns: ColumnDef[] = [];
  if (isDense) {
    const valueDef = defs.find((d) => d.kind === 'compact_value');
    const valueAlias = optStr(r, 'value_alias', where);
    const name = valueDef?.name ?? valueAlias ?? 'value';
    const type = valueDef?.type ?? defaultValidator;
    if (name !== '' && !isEmptyType(type)) columns.push({ name, type, kind: 'regular', position: -1 });
  } else {
    for (const d of defs) {
      if (d.kind === 'regular' || (d.kind === 'static' && isCompound)) {
        columns.push({ name: d.name, type: d.type, kind: d.kind, position: -1 });
      }
    }
    columns.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  const flavour: TableFlavour = isDense ? 'dense' : isCompound ? 'cql' : 'staticCompact';
  const dropped = new Map<string, DroppedColumn>();
  for (const [k, v] of pairs(r, 'dropped_columns', where)) {
    if (typeof k !== 'string') throw new AgentError('E_SCHEMA', `${where}: dropped_columns key should be text, found ${JSON.stringify(k)}`);
    dropped.set(k, { name: k, droppedAt: bigIntOf(v, where, 'dropped_columns'), type: null });
  }

  return {
    keyspace,
    table,
    id: optUuidHex(r, 'cf_id', where),
    partitionKey,
    clustering,
    columns,
    flavour,
    isCounter: isCounter(defaultValidator) || columns.some((c) => isCounter(c.type)),
    dropped,
  };
}

/**
 * Key or clustering columns by position: a schema_columns definition, else an alias, else a default
 * name; types from the definition (it carries ReversedType for DESC) or the validator/comparator.
 */
function slots(
  count: number,
  defs: readonly LegacyDef[],
  kind: 'partition_key' | 'clustering_key',
  aliases: ReadonlyArray<string | null>,
  types: readonly CqlType[],
  defaultName: (i: number) => string,
): Array<{ name: string; type: CqlType }> {
  const out: Array<{ name: string; type: CqlType }> = [];
  for (let i = 0; i < count; i++) {
    const def = defs.find((d) => d.kind === kind && (d.index ?? 0) === i);
    const type = types[i] as CqlType;
    out.push(def !== undefined ? { name: def.name, type: def.type } : { name: aliases[i] ?? defaultName(i), type });
  }
  return out;
}
