/**
 * CqlType -> CQL type string, in the spelling 3.11 `CQL3Type.toString()` uses for
 * `system_schema.columns.type`: `frozen<...>` on frozen collections and user types (nested ones
 * included), tuples always `frozen<tuple<...>>`, `ReversedType` dropped (the order lives in
 * `clustering_order`), custom types as a quoted class string.
 */
import type { CqlType } from '../sstable/types/model.js';

/** 3.11 `ReservedKeywords`: identifiers that must be quoted even when lower case. */
const RESERVED = new Set([
  'select', 'from', 'where', 'and', 'entries', 'full', 'insert', 'update', 'with', 'limit', 'using', 'use', 'set',
  'begin', 'unlogged', 'batch', 'apply', 'truncate', 'delete', 'in', 'create', 'keyspace', 'schema', 'columnfamily',
  'table', 'materialized', 'view', 'index', 'on', 'to', 'drop', 'primary', 'into', 'alter', 'rename', 'add', 'order',
  'by', 'asc', 'desc', 'allow', 'if', 'is', 'grant', 'of', 'revoke', 'modify', 'authorize', 'describe', 'execute',
  'norecursive', 'token', 'null', 'not', 'nan', 'infinity', 'or', 'replace', 'default', 'unset', 'mbean', 'mbeans',
]);

/** `ColumnIdentifier.maybeQuote`: bare when it reads back unchanged, else double-quoted. */
export function quoteIdentifier(name: string): string {
  if (/^[a-z][a-z0-9_]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

export function formatCqlType(t: CqlType): string {
  switch (t.kind) {
    case 'native':
      return t.name;
    case 'list':
    case 'set':
      return wrap(`${t.kind}<${formatCqlType(t.element)}>`, t.frozen);
    case 'map':
      return wrap(`map<${formatCqlType(t.key)}, ${formatCqlType(t.value)}>`, t.frozen);
    case 'tuple':
      return `frozen<tuple<${t.elements.map(formatCqlType).join(', ')}>>`;
    case 'udt':
      return wrap(quoteIdentifier(t.name), t.frozen);
    case 'reversed':
      return formatCqlType(t.base);
    case 'custom':
      return `'${t.className.replace(/'/g, "''")}'`;
    case 'composite':
      return `'org.apache.cassandra.db.marshal.CompositeType(${t.components.map(formatCqlType).join(',')})'`;
    case 'dynamicComposite':
      return `'org.apache.cassandra.db.marshal.DynamicCompositeType(${[...t.aliases].map(([a, v]) => `${a}=>${formatCqlType(v)}`).join(',')})'`;
    case 'columnToCollection':
      return `'org.apache.cassandra.db.marshal.ColumnToCollectionType(${[...t.columns].map(([n, v]) => `${n}:${formatCqlType(v)}`).join(',')})'`;
  }
}

function wrap(s: string, frozen: boolean): string {
  return frozen ? `frozen<${s}>` : s;
}
