/**
 * Renders reconciled CQL rows by the "Value conventions" of the fixture corpus: the `dump` contract.
 */
import { isComplexValue, type CqlRow, type LiveValue } from '../merge/rows.js';
import { selectStarColumns, type ColumnDef, type TableSchema } from '../schema/model.js';
import { splitComposite } from '../sstable/composite.js';
import { formatCqlType, jsonCellsDecoder, jsonDecoder, jsonRangeDecoder } from '../sstable/types/index.js';
import { ViewCell } from '../sstable/model.js';
import { AgentError } from '../errors.js';
import { baseType, isMultiCell, type CqlType, type JsonValue } from '../sstable/types/model.js';

export type JsonRow = Record<string, JsonValue>;

type Extract = (row: CqlRow, keyParts: readonly Uint8Array[]) => JsonValue;

/** Decoders compiled once per column (the hot path renders every value of every row). */
function liveDecoder(type: CqlType): (v: LiveValue | null | undefined) => JsonValue {
  const simple = jsonDecoder(type);
  const range = jsonRangeDecoder(type);
  const complex = isMultiCell(type) ? jsonCellsDecoder(type) : null;
  return (v) => {
    if (v === null || v === undefined) return null;
    if (isComplexValue(v)) {
      if (complex === null) throw new AgentError('E_SCHEMA', `column of type ${formatCqlType(type)} holds collection cells`);
      return complex(v.cells);
    }
    return v instanceof ViewCell ? range(v.buf, v.valueOffset, v.valueOffset + v.valueLength) : simple(v.value);
  };
}

/**
 * Builds a renderer for one table: column extractors are prepared once, then applied per row.
 * Keys of the returned objects follow `SELECT *` order; `only` restricts them to the named columns.
 */
export function jsonRowRenderer(schema: TableSchema, only?: ReadonlySet<string>): (row: CqlRow) => JsonRow {
  const cols = selectStarColumns(schema).filter((c) => only === undefined || only.has(c.name));
  const ordinals = new Map<ColumnDef, number>();
  schema.columns.forEach((c, i) => ordinals.set(c, i));
  const composite = schema.partitionKey.length > 1;
  const extractors: [string, Extract][] = cols.map((col): [string, Extract] => {
    const type = baseType(col.type);
    if (col.kind === 'partition_key') {
      const i = col.position;
      const decode = jsonDecoder(type);
      return [col.name, (_row, parts) => { const p = parts[i]; return p === undefined ? null : decode(p); }];
    }
    if (col.kind === 'clustering') {
      const i = col.position;
      const decode = jsonDecoder(type);
      return [col.name, (row) => { const v = row.clustering[i]; return v === null || v === undefined ? null : decode(v); }];
    }
    const ordinal = ordinals.get(col) ?? -1;
    const decode = liveDecoder(type);
    return [col.name, (row) => decode(row.values[ordinal])];
  });
  return (row) => {
    const parts = composite ? splitComposite(row.partitionKey) : [row.partitionKey];
    const out: JsonRow = {};
    for (const [name, f] of extractors) out[name] = f(row, parts);
    return out;
  };
}
