import { describe, expect, it } from 'vitest';
import { schemaFromLegacySchemaRows } from '../../src/schema/discover.js';
import type { JsonRow } from '../../src/schema/discover.js';
import { formatCqlType } from '../../src/schema/format.js';
import type { CqlType, NativeTypeName } from '../../src/sstable/types/model.js';
import type { TableSchema } from '../../src/schema/model.js';

/** A tiny stand-in for the real marshal parser: only the class names these tests use. */
function fakeMarshal(s: string): CqlType {
  let i = 0;
  const natives: Record<string, NativeTypeName> = {
    Int32Type: 'int', UTF8Type: 'text', BytesType: 'blob', LongType: 'bigint', CounterColumnType: 'counter', EmptyType: 'empty', AsciiType: 'ascii',
  };
  const name = (): string => {
    const m = /^[A-Za-z0-9.]+/.exec(s.slice(i));
    if (m === null) throw new Error(`fake marshal: bad ${s} at ${i}`);
    i += m[0].length;
    return m[0].replace(/^org\.apache\.cassandra\.db\.marshal\./, '');
  };
  const list = (): CqlType[] => {
    const out: CqlType[] = [];
    i++; // (
    for (;;) {
      out.push(type());
      if (s[i++] === ')') return out;
    }
  };
  const type = (): CqlType => {
    const n = name();
    const nat = natives[n];
    if (nat !== undefined) return { kind: 'native', name: nat };
    if (n === 'ReversedType') return { kind: 'reversed', base: list()[0] as CqlType };
    if (n === 'FrozenType') {
      const t = list()[0] as CqlType;
      return t.kind === 'set' || t.kind === 'list' ? { ...t, frozen: true } : t;
    }
    if (n === 'SetType') return { kind: 'set', element: list()[0] as CqlType, frozen: false };
    if (n === 'CompositeType') return { kind: 'composite', components: list() };
    if (n === 'ColumnToCollectionType') {
      const columns = new Map<string, CqlType>();
      i++;
      for (;;) {
        const hex = name();
        i++; // :
        columns.set(hex, type());
        if (s[i++] === ')') return { kind: 'columnToCollection', columns };
      }
    }
    throw new Error(`fake marshal: unknown ${n}`);
  };
  return type();
}

const cf = (name: string, extra: JsonRow): JsonRow => ({
  keyspace_name: 'ks', columnfamily_name: name, type: 'Standard', key_validator: 'Int32Type', default_validator: 'BytesType', ...extra,
});
const col = (table: string, name: string, type: string, validator: string, index: number | null = null): JsonRow => ({
  keyspace_name: 'ks', columnfamily_name: table, column_name: name, type, validator, component_index: index,
});
const view = (t: TableSchema): string[] => [
  ...t.partitionKey.map((c) => `pk ${c.name}:${formatCqlType(c.type)}`),
  ...t.clustering.map((c) => `ck ${c.name}:${formatCqlType(c.type)}${c.type.kind === 'reversed' ? ' DESC' : ''}`),
  ...t.columns.map((c) => `${c.kind} ${c.name}:${formatCqlType(c.type)}`),
];

describe('schemaFromLegacySchemaRows (2.x)', () => {
  const { tables, types } = schemaFromLegacySchemaRows({
    columnfamilies: [
      cf('cql', {
        cf_id: '5b608090-e03d-11eb-b4c1-d335f841c590', is_dense: false,
        comparator: 'CompositeType(org.apache.cassandra.db.marshal.ReversedType(Int32Type),UTF8Type,ColumnToCollectionType(6c:SetType(Int32Type)))',
        dropped_columns: [['old', '1430472654234000'], ['older', 5]],
      }),
      cf('thrift_dense', { comparator: 'CompositeType(UTF8Type,Int32Type)', key_aliases: '["id"]', column_aliases: '["a",null]', key_validator: 'AsciiType' }),
      cf('thrift_plain', { comparator: 'UTF8Type' }),
      cf('static_compact', { comparator: 'UTF8Type', is_dense: false }),
      cf('pk_only_dense', { comparator: 'Int32Type', is_dense: true, value_alias: '' }),
      cf('pk_only_cql', { comparator: 'CompositeType(UTF8Type)' }),
      cf('composite_key', { comparator: 'CompositeType(UTF8Type)', is_dense: false, key_validator: 'CompositeType(Int32Type,UTF8Type)' }),
      cf('counters', { comparator: 'CompositeType(UTF8Type)', is_dense: false, default_validator: 'CounterColumnType' }),
      cf('dense_value', { comparator: 'Int32Type', is_dense: true, default_validator: 'UTF8Type' }),
      cf('super', { type: 'Super', comparator: 'UTF8Type', subcomparator: 'Int32Type', default_validator: 'LongType' }),
    ],
    columns: [
      col('cql', 'k', 'partition_key', 'Int32Type'),
      col('cql', 'c', 'clustering_key', 'ReversedType(Int32Type)', 0),
      col('cql', 'v', 'regular', 'UTF8Type', 1),
      col('cql', 'l', 'regular', 'SetType(Int32Type)', 1),
      col('cql', 'st', 'static', 'FrozenType(SetType(UTF8Type))', 1),
      col('static_compact', 'k', 'partition_key', 'Int32Type'),
      col('static_compact', 'b', 'regular', 'Int32Type'),
      col('static_compact', 'a', 'regular', 'UTF8Type'),
      col('pk_only_dense', 'k', 'partition_key', 'Int32Type'),
      col('pk_only_dense', 'c', 'clustering_key', 'Int32Type'),
      col('pk_only_cql', 'k', 'partition_key', 'Int32Type'),
      col('composite_key', 'b', 'partition_key', 'UTF8Type', 1),
      col('composite_key', 'a', 'partition_key', 'Int32Type', 0),
      col('composite_key', 'v', 'regular', 'UTF8Type', 0),
      col('counters', 'k', 'partition_key', 'Int32Type'),
      col('counters', 'n', 'regular', 'CounterColumnType', 0),
      col('dense_value', 'k', 'partition_key', 'Int32Type'),
      col('dense_value', 'c', 'clustering_key', 'Int32Type'),
      col('dense_value', 'val', 'compact_value', 'UTF8Type'),
    ],
    usertypes: [{ keyspace_name: 'ks', type_name: 'pt', field_names: ['x', 's'], field_types: ['Int32Type', 'SetType(UTF8Type)'] }],
  }, fakeMarshal);
  const t = (name: string): TableSchema => {
    const found = tables.find((x) => x.table === name);
    if (found === undefined) throw new Error(name);
    return found;
  };

  it('reads a sparse compound (CQL) table: comparator minus the name and collection components', () => {
    const c = t('cql');
    expect(c.flavour).toBe('cql');
    expect(c.id).toBe('5b608090e03d11ebb4c1d335f841c590');
    expect(view(c)).toEqual(['pk k:int', 'ck c:int DESC', 'regular l:set<int>', 'static st:frozen<set<text>>', 'regular v:text']);
    expect(c.dropped.get('old')).toEqual({ name: 'old', droppedAt: 1430472654234000n, type: null });
    expect(c.dropped.get('older')?.droppedAt).toBe(5n);
  });

  it('names columns from key/column aliases, else key2/column2/value, and infers is_dense', () => {
    expect(t('thrift_dense').flavour).toBe('dense');
    expect(view(t('thrift_dense'))).toEqual(['pk id:ascii', 'ck a:text', 'ck column2:int', 'regular value:blob']);
    expect(view(t('thrift_plain'))).toEqual(['pk key:int', 'ck column1:text', 'regular value:blob']);
    expect(t('thrift_plain').flavour).toBe('dense');
  });

  it('reads static compact tables (defined columns only, as regular)', () => {
    expect(t('static_compact').flavour).toBe('staticCompact');
    expect(view(t('static_compact'))).toEqual(['pk k:int', 'regular a:text', 'regular b:int']);
  });

  it('hides the unnamed compact value of a primary-key-only dense table; keeps named ones', () => {
    expect(view(t('pk_only_dense'))).toEqual(['pk k:int', 'ck c:int']);
    expect(view(t('dense_value'))).toEqual(['pk k:int', 'ck c:int', 'regular val:text']);
    expect(t('pk_only_cql').flavour).toBe('cql');
    expect(view(t('pk_only_cql'))).toEqual(['pk k:int']);
  });

  it('orders composite partition keys by component_index', () => {
    expect(view(t('composite_key'))).toEqual(['pk a:int', 'pk b:text', 'regular v:text']);
  });

  it('marks counter tables and reads super column families as dense', () => {
    expect(t('counters').isCounter).toBe(true);
    expect(t('cql').isCounter).toBe(false);
    expect(t('super').flavour).toBe('dense');
    expect(view(t('super'))).toEqual(['pk key:int', 'ck column1:text', 'ck column2:int', 'regular value:bigint']);
  });

  it('reads user types with frozen fields', () => {
    const pt = types.get('ks.pt');
    expect(pt?.kind === 'udt' && pt.fields.map((f) => formatCqlType(f.type))).toEqual(['int', 'frozen<set<text>>']);
  });

  it('rejects malformed rows with E_SCHEMA', () => {
    expect(() => schemaFromLegacySchemaRows({ columnfamilies: [cf('x', { comparator: 'UTF8Type', key_aliases: 'not json' })], columns: [], usertypes: [] }, fakeMarshal))
      .toThrow(/key_aliases is not JSON/);
    expect(() => schemaFromLegacySchemaRows({ columnfamilies: [], columns: [col('x', 'k', 'weird', 'Int32Type')], usertypes: [] }, fakeMarshal))
      .toThrow(/unknown column kind 'weird'/);
  });
});
