/**
 * Renders reconciled CQL rows by the "Value conventions" of the fixture corpus: the `dump` contract.
 */
import type { CqlRow, LiveValue } from '../merge/rows.js';
import { selectStarColumns, type ColumnDef, type TableSchema } from '../schema/model.js';
import { splitComposite } from '../sstable/composite.js';
import { decodeCollectionJson, decodeJson } from '../sstable/types/index.js';
import { baseType, type CqlType, type JsonValue } from '../sstable/types/model.js';

export type JsonRow = Record<string, JsonValue>;

type Extract = (row: CqlRow, keyParts: readonly Uint8Array[]) => JsonValue;

function liveToJson(type: CqlType, v: LiveValue | null | undefined): JsonValue {
  if (v === null || v === undefined) return null;
  if (v.kind === 'simple') return decodeJson(type, v.value);
  return decodeCollectionJson(type, v.cells);
}

/**
 * Builds a renderer for one table: column extractors are prepared once, then applied per row.
 * Keys of the returned objects follow `SELECT *` order.
 */
export function jsonRowRenderer(schema: TableSchema): (row: CqlRow) => JsonRow {
  const cols = selectStarColumns(schema);
  const ordinals = new Map<ColumnDef, number>();
  schema.columns.forEach((c, i) => ordinals.set(c, i));
  const composite = schema.partitionKey.length > 1;
  const extractors: [string, Extract][] = cols.map((col): [string, Extract] => {
    const type = baseType(col.type);
    if (col.kind === 'partition_key') {
      const i = col.position;
      return [col.name, (_row, parts) => { const p = parts[i]; return p === undefined ? null : decodeJson(type, p); }];
    }
    if (col.kind === 'clustering') {
      const i = col.position;
      return [col.name, (row) => { const v = row.clustering[i]; return v === null || v === undefined ? null : decodeJson(type, v); }];
    }
    const ordinal = ordinals.get(col) ?? -1;
    return [col.name, (row) => liveToJson(type, row.values[ordinal])];
  });
  return (row) => {
    const parts = composite ? splitComposite(row.partitionKey) : [row.partitionKey];
    const out: JsonRow = {};
    for (const [name, f] of extractors) out[name] = f(row, parts);
    return out;
  };
}
