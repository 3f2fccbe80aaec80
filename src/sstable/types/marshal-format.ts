/**
 * `formatMarshalType`: a CqlType as the marshal class string Cassandra 3.11 prints
 * (`AbstractType.toString`), the inverse of {@link parseMarshalType} for types in canonical form
 * (nested types frozen).
 *
 * As in 3.11 (`ListType/SetType/MapType/UserType.toString(boolean)`): a frozen collection or UDT is
 * wrapped in `FrozenType(…)` unless an enclosing frozen type or tuple already froze it; elements of a
 * multi-cell collection or UDT carry their own wrappers; tuple components never do
 * (`TupleType.toString` ignores freezing). ReversedType, CompositeType and friends print their
 * parameters with the plain `toString()`.
 */
import { hex, utf8Bytes } from './bytes.js';
import { MARSHAL_PACKAGE } from './marshal-parser.js';
import type { CqlType, NativeTypeName } from './model.js';

const CLASS_BY_NATIVE: Readonly<Record<NativeTypeName, string>> = {
  ascii: 'AsciiType', bigint: 'LongType', blob: 'BytesType', boolean: 'BooleanType',
  counter: 'CounterColumnType', date: 'SimpleDateType', decimal: 'DecimalType', double: 'DoubleType',
  duration: 'DurationType', float: 'FloatType', inet: 'InetAddressType', int: 'Int32Type',
  smallint: 'ShortType', text: 'UTF8Type', time: 'TimeType', timestamp: 'TimestampType',
  timeuuid: 'TimeUUIDType', tinyint: 'ByteType', uuid: 'UUIDType', varint: 'IntegerType',
  empty: 'EmptyType',
};

export function formatMarshalType(t: CqlType): string {
  return fmt(t, false);
}

const cls = (short: string): string => MARSHAL_PACKAGE + short;
const hexOf = (s: string): string => {
  const b = utf8Bytes(s);
  return hex(b, 0, b.length);
};

function wrap(frozen: boolean, ignoreFreezing: boolean, body: string): string {
  return frozen && !ignoreFreezing ? `${cls('FrozenType')}(${body})` : body;
}

function fmt(t: CqlType, ignoreFreezing: boolean): string {
  switch (t.kind) {
    case 'native':
      return cls(CLASS_BY_NATIVE[t.name]);
    case 'list':
    case 'set': {
      const inner = fmt(t.element, ignoreFreezing || t.frozen);
      return wrap(t.frozen, ignoreFreezing, `${cls(t.kind === 'list' ? 'ListType' : 'SetType')}(${inner})`);
    }
    case 'map': {
      const ig = ignoreFreezing || t.frozen;
      return wrap(t.frozen, ignoreFreezing, `${cls('MapType')}(${fmt(t.key, ig)},${fmt(t.value, ig)})`);
    }
    case 'tuple':
      return `${cls('TupleType')}(${t.elements.map((e) => fmt(e, true)).join(',')})`;
    case 'udt': {
      const ig = ignoreFreezing || t.frozen;
      const fields = t.fields.map((f) => `,${hexOf(f.name)}:${fmt(f.type, ig)}`).join('');
      return wrap(t.frozen, ignoreFreezing, `${cls('UserType')}(${t.keyspace},${hexOf(t.name)}${fields})`);
    }
    case 'reversed':
      return `${cls('ReversedType')}(${fmt(t.base, false)})`;
    case 'composite':
      return `${cls('CompositeType')}(${t.components.map((c) => fmt(c, false)).join(',')})`;
    case 'dynamicComposite': {
      const entries = [...t.aliases.entries()].sort(([a], [b]) => a.charCodeAt(0) - b.charCodeAt(0));
      return `${cls('DynamicCompositeType')}(${entries.map(([a, v]) => `${a}=>${fmt(v, false)}`).join(',')})`;
    }
    case 'columnToCollection': {
      const entries = [...t.columns.entries()].map(([h, v]) => `${h}:${fmt(v, false)}`);
      return `${cls('ColumnToCollectionType')}(${entries.join(',')})`;
    }
    case 'custom':
      return t.className;
  }
}
