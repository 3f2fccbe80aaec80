/**
 * `fixedLength`: how many bytes a value of the type takes in 3.x Data.db when written without a
 * length prefix (`AbstractType.valueLengthIfFixed`, doc §5.10), or -1 for variable-length types
 * (written as vint length + bytes).
 *
 * Pitfall P3: date, time, smallint, tinyint, inet, counter, decimal, varint, duration and all
 * collections, tuples and UDTs are variable-length even where their size is constant. `timestamp`
 * covers both TimestampType and the legacy DateType, which are both 8.
 */
import type { CqlType, NativeTypeName } from './model.js';

const FIXED: Readonly<Record<NativeTypeName, number>> = {
  uuid: 16, timeuuid: 16,
  bigint: 8, double: 8, timestamp: 8,
  int: 4, float: 4,
  boolean: 1,
  empty: 0,
  ascii: -1, blob: -1, counter: -1, date: -1, decimal: -1, duration: -1, inet: -1, smallint: -1,
  text: -1, time: -1, tinyint: -1, varint: -1,
};

export function fixedLength(t: CqlType): number {
  if (t.kind === 'native') return FIXED[t.name];
  if (t.kind === 'reversed') return fixedLength(t.base);
  return -1;
}
