/**
 * The CQL type model shared by every stage. Marshal class strings (SSTable headers, 2.x schema tables)
 * and CQL strings (3.x system_schema, CREATE statements) both parse into this model.
 */
export type NativeTypeName =
  | 'ascii' | 'bigint' | 'blob' | 'boolean' | 'counter' | 'date' | 'decimal' | 'double' | 'duration'
  | 'float' | 'inet' | 'int' | 'smallint' | 'text' | 'time' | 'timestamp' | 'timeuuid' | 'tinyint'
  | 'uuid' | 'varint'
  /** internal: always zero-length (dense compact tables without a value column) */
  | 'empty';

export interface UdtField {
  readonly name: string;
  readonly type: CqlType;
}

export type CqlType =
  | { readonly kind: 'native'; readonly name: NativeTypeName }
  | { readonly kind: 'list'; readonly element: CqlType; readonly frozen: boolean }
  | { readonly kind: 'set'; readonly element: CqlType; readonly frozen: boolean }
  | { readonly kind: 'map'; readonly key: CqlType; readonly value: CqlType; readonly frozen: boolean }
  | { readonly kind: 'tuple'; readonly elements: readonly CqlType[] }
  | { readonly kind: 'udt'; readonly keyspace: string; readonly name: string; readonly fields: readonly UdtField[]; readonly frozen: boolean }
  /** DESC clustering: values are the base type, only the order is reversed (pitfall P7) */
  | { readonly kind: 'reversed'; readonly base: CqlType }
  /** multi-column partition keys and 2.x cell names */
  | { readonly kind: 'composite'; readonly components: readonly CqlType[] }
  | { readonly kind: 'dynamicComposite'; readonly aliases: ReadonlyMap<string, CqlType> }
  /** 2.x comparators only: hex(column name) -> collection type */
  | { readonly kind: 'columnToCollection'; readonly columns: ReadonlyMap<string, CqlType> }
  /** a custom marshal class we cannot interpret: values are kept as blobs */
  | { readonly kind: 'custom'; readonly className: string };

export const native = (name: NativeTypeName): CqlType => ({ kind: 'native', name });

/** Strips ReversedType wrappers. */
export function baseType(t: CqlType): CqlType {
  return t.kind === 'reversed' ? baseType(t.base) : t;
}

/** True for columns stored as several cells (non-frozen collections and non-frozen UDTs). */
export function isMultiCell(t: CqlType): boolean {
  const b = baseType(t);
  return (b.kind === 'list' || b.kind === 'set' || b.kind === 'map' || b.kind === 'udt') && !b.frozen;
}

export function isCounter(t: CqlType): boolean {
  const b = baseType(t);
  return b.kind === 'native' && b.name === 'counter';
}

/**
 * A value rendered by the "Value conventions" of the fixture corpus (../shared/fixtures/MANIFEST.md):
 * the `dump` output and the input of the CSV stage.
 */
export type JsonValue = null | string | number | boolean | JsonValue[] | { [key: string]: JsonValue };
