/**
 * The DynamoDB limit check of every row, made cheap without changing its answer.
 *
 * dynamo-limits.ts finds three kinds of problems: key problems (KEY_*: they look only at the
 * partition-key and clustering columns), number problems (NUMBER_*: only at columns declared as a
 * DynamoDB N type, and of those only NUMERIC and REALn values can break a rule), and ITEM_TOO_LARGE (the whole item). The whole item is at most
 *   Σ column-name bytes + Σ key-attribute-name bytes + 6 × (UTF-16 length of the CSV record)
 * (every field text is a substring of the record, at most 3 UTF-8 bytes per UTF-16 unit, counted
 * once as an attribute and once more inside a composite key attribute). When that bound is within
 * the limit, no ITEM_TOO_LARGE is possible, so checking only the key and N columns gives exactly the
 * problems the full check gives; otherwise the full row is checked.
 */
import { dmsColumns } from '../export/dms-columns.js';
import { dynamoKeyPlan } from '../export/dynamo-keys.js';
import { DYNAMO_ITEM_LIMIT, dynamoRowChecker, type DynamoProblem } from '../export/dynamo-limits.js';
import type { JsonRow } from '../export/json-row.js';
import type { DmsColumnType, ExportOptions } from '../export/options.js';
import type { TableSchema } from '../schema/model.js';
import { utf8Length } from '../export/csv.js';
import { isComplexValue, type CqlRow } from '../merge/rows.js';
import { ViewCell } from '../sstable/model.js';
import { f32, f64, i32 } from '../sstable/types/bytes.js';
import { baseType } from '../sstable/types/model.js';

/**
 * The N-typed DMS columns that can break a number rule (dynamo-limits.ts). Integer types (INTn, UINTn)
 * cannot: at most 20 digits, always finite, far inside DynamoDB's range.
 */
const NUMBER_TYPES: ReadonlySet<DmsColumnType> = new Set(['NUMERIC', 'REAL4', 'REAL8']);

export interface RowProblemChecker {
  /**
   * `(row, recordLength)` -> the problems dynamoRowChecker(schema, o)(row) would return. `recordLength`
   * is the CSV record's length in UTF-16 units or, larger still, in UTF-8 bytes. `row` may hold only the
   * `narrow` columns when `needsFullRow(recordLength)` is false.
   */
  (row: JsonRow, recordLength: number): readonly DynamoProblem[];
  /** the key and number columns: all the check reads unless the item may be too large */
  readonly narrow: ReadonlySet<string>;
  needsFullRow(recordLength: number): boolean;
  /** needsFullRow(n) is 6 × n > budget */
  readonly budget: number;
}

export function rowProblemChecker(schema: TableSchema, o: ExportOptions): RowProblemChecker {
  const full = dynamoRowChecker(schema, o);
  const cols = dmsColumns(schema, o.types);
  const keyNames = new Set([...schema.partitionKey, ...schema.clustering].map((c) => c.name));
  const narrow = cols.filter((c) => keyNames.has(c.name) || NUMBER_TYPES.has(c.dmsType)).map((c) => c.name);
  const plan = dynamoKeyPlan(schema, o.keys);
  let fixed = 0;
  for (const c of cols) fixed += utf8Length(c.name);
  fixed += utf8Length(plan.partitionKey.name) + (plan.sortKey === null ? 0 : utf8Length(plan.sortKey.name));
  const budget = DYNAMO_ITEM_LIMIT - fixed;
  const needsFullRow = (recordLength: number): boolean => 6 * recordLength > budget;
  const check = (row: JsonRow, recordLength: number): readonly DynamoProblem[] => {
    if (needsFullRow(recordLength)) return full(row);
    const sub: JsonRow = {};
    for (const name of narrow) {
      const v = row[name];
      if (v !== undefined) sub[name] = v;
    }
    return full(sub);
  };
  return Object.assign(check, { narrow: new Set(narrow), needsFullRow, budget });
}

/** Key column types whose CSV text is short, never empty for a non-empty value, and an S or N attribute. */
const SAFE_KEY_TYPES: ReadonlySet<string> = new Set(['uuid', 'timeuuid', 'int', 'bigint', 'smallint', 'tinyint', 'timestamp', 'date', 'time']);
/** Every character those texts can hold: a separator outside it cannot occur inside them. */
const SAFE_KEY_ALPHABET = /^[^0-9a-fA-F\-+.:eETZ ]+$/;
const DYNAMO_MAX_NUMBER = 9.9999999999999999999999999999999999999e125;
const DYNAMO_MIN_NUMBER = 1e-130;

/** What the byte-level pre-check reads of a table (rowCertainlyFine; src/wasm/plan.ts does the same check). */
export interface FineCheckPlan {
  /** every key column is of a SAFE_KEY_TYPE and the key separator cannot occur in their texts; if not, every row is checked */
  readonly keysSafe: boolean;
  /** REALn columns (ordinal in TableSchema.columns, width in bytes): a value must be finite and in DynamoDB's range */
  readonly reals: readonly { readonly ordinal: number; readonly width: 4 | 8 }[];
  /** NUMERIC columns: short enough for 38 digits (decimal: and a scale that keeps the exponent in range) */
  readonly numerics: readonly { readonly ordinal: number; readonly decimal: boolean }[];
}

export function fineCheckPlan(schema: TableSchema, o: ExportOptions): FineCheckPlan {
  const keyCols = [...schema.partitionKey, ...schema.clustering];
  const keysSafe = SAFE_KEY_ALPHABET.test(o.keys.separator) && keyCols.every((c) => {
    const t = baseType(c.type);
    return t.kind === 'native' && SAFE_KEY_TYPES.has(t.name);
  });
  const decls = dmsColumns(schema, o.types);
  const byName = new Map(decls.map((d) => [d.name, d]));
  const reals: { ordinal: number; width: 4 | 8 }[] = [];
  const numerics: { ordinal: number; decimal: boolean }[] = [];
  schema.columns.forEach((c, ordinal) => {
    const d = byName.get(c.name);
    if (d === undefined) return;
    if (d.dmsType === 'REAL4' || d.dmsType === 'REAL8') reals.push({ ordinal, width: d.dmsType === 'REAL4' ? 4 : 8 });
    else if (d.dmsType === 'NUMERIC') {
      const t = baseType(c.type);
      numerics.push({ ordinal, decimal: t.kind === 'native' && t.name === 'decimal' });
    }
  });
  return { keysSafe, reals, numerics };
}

/**
 * A byte-level pre-check: true when the row certainly has no DynamoDB problem, so that it need not be
 * rendered and checked (what costs most). False means "check it" (rowProblemChecker), not "it is bad".
 * It is true only when every key column is of a SAFE_KEY_TYPE with a non-empty value, every REALn value is
 * a finite number in DynamoDB's range, every NUMERIC value is short enough for 38 digits and its scale
 * keeps the exponent in range, and the record is small enough that the item cannot reach 400 KB.
 */
export function rowCertainlyFine(schema: TableSchema, o: ExportOptions, check: RowProblemChecker): (row: CqlRow, recordLength: number) => boolean {
  const { keysSafe, reals, numerics } = fineCheckPlan(schema, o);
  if (!keysSafe) return () => false;
  const composite = schema.partitionKey.length > 1;
  const nPartitionKey = schema.partitionKey.length;
  const nClustering = schema.clustering.length;
  const realOrdinals = Int32Array.from(reals, (r) => r.ordinal);
  const realWidths = Int32Array.from(reals, (r) => r.width);
  const numericOrdinals = Int32Array.from(numerics, (n) => n.ordinal);
  const numericDecimal = Uint8Array.from(numerics, (n) => (n.decimal ? 1 : 0));
  // Runs once per extracted row: reads the value bytes in place (a ViewCell's `value` makes a view)
  return (row, recordLength) => {
    if (check.needsFullRow(recordLength)) return false;
    const key = row.partitionKey;
    if (composite ? nonEmptyComponents(key) !== nPartitionKey : key.length === 0) return false;
    const clustering = row.clustering;
    if (clustering.length < nClustering) return false;
    for (let i = 0; i < clustering.length; i++) {
      const v = clustering[i];
      if (v === null || v === undefined || v.length === 0) return false;
    }
    const values = row.values;
    for (let i = 0; i < realOrdinals.length; i++) {
      const v = values[realOrdinals[i] as number];
      if (v === null || v === undefined) continue;
      if (!(v instanceof ViewCell) && isComplexValue(v)) return false;
      const width = realWidths[i] as number;
      const b = v instanceof ViewCell ? v.buf : v.value;
      const s = v instanceof ViewCell ? v.valueOffset : 0;
      if ((v instanceof ViewCell ? v.valueLength : b.length) !== width) return false;
      const x = Math.abs(width === 4 ? f32(b, s) : f64(b, s));
      if (!(x === 0 || (x >= DYNAMO_MIN_NUMBER && x <= DYNAMO_MAX_NUMBER))) return false;
    }
    for (let i = 0; i < numericOrdinals.length; i++) {
      const v = values[numericOrdinals[i] as number];
      if (v === null || v === undefined) continue;
      if (!(v instanceof ViewCell) && isComplexValue(v)) return false;
      const b = v instanceof ViewCell ? v.buf : v.value;
      const s = v instanceof ViewCell ? v.valueOffset : 0;
      const n = v instanceof ViewCell ? v.valueLength : b.length;
      // at most 15 unscaled bytes: < 2^120 < 10^37, so at most 37 significant digits
      if (numericDecimal[i] === 0) {
        if (n === 0 || n > 15) return false;
        continue;
      }
      if (n < 5 || n > 19) return false;
      const scale = i32(b, s);
      // value = unscaled × 10^-scale with <= 37 digits: its exponent stays within [-130, 125]
      if (scale < -88 || scale > 93) return false;
    }
    return true;
  };
}

/** The number of components of the composite key `k` when all are non-empty; -1 when one is empty or `k` is malformed. */
function nonEmptyComponents(k: Uint8Array): number {
  let p = 0;
  let n = 0;
  while (p < k.length) {
    if (p + 2 > k.length) return -1;
    const len = ((k[p] as number) << 8) | (k[p + 1] as number);
    if (len === 0) return -1;
    p += 2 + len + 1;
    n++;
  }
  return p === k.length ? n : -1;
}
