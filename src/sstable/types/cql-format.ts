/**
 * `formatCqlType`: a CqlType in CQL syntax as Cassandra 3.11 prints it (`CQL3Type.toString`), the
 * form `system_schema.columns.type` holds.
 *
 * - Frozen collections and UDTs print `frozen<…>` at every level; tuples are always
 *   `frozen<tuple<…>>` (CQL3Type.Tuple); map parameters are separated by ", ".
 * - UDT names are quoted only when needed (ColumnIdentifier.maybeQuote).
 * - `reversed` prints its base (the order lives in `clustering_order`, pitfall P7).
 * - Types with no CQL syntax (custom, composite, dynamic composite, column-to-collection, empty)
 *   print as the quoted marshal class string (CQL3Type.Custom).
 */
import { formatMarshalType } from './marshal-format.js';
import type { CqlType } from './model.js';

export function formatCqlType(t: CqlType): string {
  switch (t.kind) {
    case 'native':
      return t.name === 'empty' ? quoteClass(t) : t.name;
    case 'list':
    case 'set':
      return frozenIf(t.frozen, `${t.kind}<${formatCqlType(t.element)}>`);
    case 'map':
      return frozenIf(t.frozen, `map<${formatCqlType(t.key)}, ${formatCqlType(t.value)}>`);
    case 'tuple':
      return `frozen<tuple<${t.elements.map(formatCqlType).join(', ')}>>`;
    case 'udt':
      return frozenIf(t.frozen, maybeQuote(t.name));
    case 'reversed':
      return formatCqlType(t.base);
    case 'composite':
    case 'dynamicComposite':
    case 'columnToCollection':
    case 'custom':
      return quoteClass(t);
  }
}

const frozenIf = (frozen: boolean, s: string): string => (frozen ? `frozen<${s}>` : s);
const quoteClass = (t: CqlType): string => `'${formatMarshalType(t)}'`;

/** Cassandra 3.11 ReservedKeywords: identifiers that must be quoted even when lowercase. */
const RESERVED = new Set([
  'select', 'from', 'where', 'and', 'entries', 'full', 'insert', 'update', 'with', 'limit', 'using',
  'use', 'set', 'begin', 'unlogged', 'batch', 'apply', 'truncate', 'delete', 'in', 'create',
  'keyspace', 'schema', 'columnfamily', 'table', 'materialized', 'view', 'index', 'on', 'to', 'drop',
  'primary', 'into', 'alter', 'rename', 'add', 'order', 'by', 'asc', 'desc', 'allow', 'if', 'is',
  'grant', 'of', 'revoke', 'modify', 'authorize', 'describe', 'execute', 'norecursive', 'token',
  'null', 'not', 'nan', 'infinity', 'or', 'replace', 'default', 'unset', 'mbean', 'mbeans',
]);

/** ColumnIdentifier.maybeQuote: bare when `[a-z][a-z0-9_]*` and not reserved, else double-quoted. */
export function maybeQuote(name: string): string {
  if (/^[a-z][a-z0-9_]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}
