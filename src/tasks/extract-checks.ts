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
  return Object.assign(check, { narrow: new Set(narrow), needsFullRow });
}
