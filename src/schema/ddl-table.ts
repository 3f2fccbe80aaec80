/**
 * Turns a CREATE TABLE (plus later ALTERs) into a `TableSchema`, checking what 3.11
 * `CreateTableStatement` checks where a wrong answer would mislead the decoder.
 */
import { AgentError, isAgentError } from '../errors.js';
import { isCounter, type CqlType } from '../sstable/types/model.js';
import type { Token } from './cql-lexer.js';
import { resolveRawType, type RawType, type ResolveContext } from './cql-type.js';
import type { ColumnDef, DroppedColumn, TableFlavour, TableSchema, UserTypeLookup } from './model.js';

export interface RawColumn {
  name: string;
  type: RawType;
  isStatic: boolean;
  readonly at: Token;
}

export interface KeyRef {
  name: string;
  readonly at: Token;
}

export interface RawTable {
  readonly keyspace: string;
  readonly table: string;
  id: string | null;
  /** every declared column, key columns included, in declaration order */
  readonly columns: RawColumn[];
  readonly partitionKey: KeyRef[];
  readonly clustering: KeyRef[];
  readonly desc: Set<string>;
  compact: boolean;
  readonly dropped: Map<string, { at: bigint; type: RawType | null }>;
  readonly at: Token;
}

const fail = (msg: string, at: Token, where: (at: Token) => string): never => {
  throw new AgentError('E_SCHEMA', `CQL schema: ${msg} ${where(at)}`);
};

export function buildTable(t: RawTable, udts: UserTypeLookup, where: (at: Token) => string): TableSchema {
  const ctx: ResolveContext = { keyspace: t.keyspace, udts, where };
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const keyNames = new Set<string>();
  const keyColumn = (ref: KeyRef, kind: 'partition_key' | 'clustering', position: number): ColumnDef => {
    const col = byName.get(ref.name);
    if (col === undefined) return fail(`PRIMARY KEY names unknown column ${ref.name}`, ref.at, where);
    if (keyNames.has(ref.name)) return fail(`column ${ref.name} appears twice in the PRIMARY KEY`, ref.at, where);
    if (col.isStatic) return fail(`primary key column ${ref.name} cannot be static`, col.at, where);
    keyNames.add(ref.name);
    const base = resolveRawType(col.type, ctx);
    const type: CqlType = kind === 'clustering' && t.desc.has(ref.name) ? { kind: 'reversed', base } : base;
    return { name: ref.name, type, kind, position };
  };
  const partitionKey = t.partitionKey.map((r, i) => keyColumn(r, 'partition_key', i));
  const clustering = t.clustering.map((r, i) => keyColumn(r, 'clustering', i));

  const columns: ColumnDef[] = [];
  for (const col of t.columns) {
    if (keyNames.has(col.name)) continue;
    if (col.isStatic && clustering.length === 0) {
      fail(`static column ${col.name} needs at least one clustering column`, col.at, where);
    }
    columns.push({ name: col.name, type: resolveRawType(col.type, ctx), kind: col.isStatic ? 'static' : 'regular', position: -1 });
  }

  let flavour: TableFlavour = 'cql';
  if (t.compact) {
    flavour = clustering.length > 0 ? 'dense' : 'staticCompact';
    const stat = t.columns.find((c) => c.isStatic);
    if (stat !== undefined) fail(`static column ${stat.name} is not allowed with COMPACT STORAGE`, stat.at, where);
    if (flavour === 'dense' && columns.length > 1) {
      fail('COMPACT STORAGE with clustering columns allows at most one non-key column', t.at, where);
    }
  }

  const counters = columns.filter((c) => isCounter(c.type)).length;
  if (counters > 0 && counters < columns.length) {
    fail(`table ${t.keyspace}.${t.table} mixes counter and non-counter columns`, t.at, where);
  }

  const dropped = new Map<string, DroppedColumn>();
  for (const [name, d] of t.dropped) {
    dropped.set(name, { name, droppedAt: d.at, type: d.type === null ? null : droppedType(d.type, ctx) });
  }

  return {
    keyspace: t.keyspace,
    table: t.table,
    id: t.id,
    partitionKey,
    clustering,
    columns,
    flavour,
    isCounter: counters > 0,
    dropped,
  };
}

/**
 * A dropped column's type may name a user type that was dropped afterwards; the type is informative
 * only (3.11 records dropped types with UDTs expanded to tuples), so an unresolvable one becomes null.
 */
function droppedType(t: RawType, ctx: ResolveContext): CqlType | null {
  try {
    return resolveRawType(t, ctx);
  } catch (e) {
    if (isAgentError(e) && e.code === 'E_SCHEMA') return null;
    throw e;
  }
}
