/**
 * Rows DynamoDB cannot take (src/export/dynamo-limits.ts), accounted for by table and key.
 *
 * Decision: such a row is STILL written to its LOAD file. The CSV is a faithful copy of the table; DMS
 * (DataErrorPolicy / the DynamoDB target) rejects that one row and logs it in
 * awsdms_apply_exceptions, and the user decides what to do with it. Dropping it here would make the
 * CSV lie. Every problem row is also listed, with its primary key and problems, in
 *   problems/<keyspace>/<table>/LOAD0000000N.jsonl
 * (one per LOAD file that holds problem rows; outside the `<keyspace>/<table>/` folder, so DMS never
 * reads it), counted in the manifest (dynamoProblems, problemRows, problemFiles) and in the report.
 *
 * Memory: only the problem rows of the LOAD file being written are held.
 */
import type { DynamoProblem, DynamoProblemCode } from '../export/dynamo-limits.js';
import type { TableSchema } from '../schema/model.js';
import type { JsonValue } from '../sstable/types/model.js';

export const PROBLEMS_ROOT = 'problems';

export interface ProblemRecord {
  /** 0-based index of the row in the table's row sequence */
  readonly row: number;
  readonly key: Record<string, JsonValue>;
  readonly problems: readonly DynamoProblem[];
}

export function problemFileKey(schema: TableSchema, loadFile: string): string {
  return `${PROBLEMS_ROOT}/${schema.keyspace}/${schema.table}/${loadFile.replace(/\.csv$/, '.jsonl')}`;
}

export class ProblemLog {
  readonly counts: Partial<Record<DynamoProblemCode, number>> = {};
  problemRows = 0;
  private pending: ProblemRecord[] = [];

  /** @param keepFrom rows before this index belong to files already written (resume): counted, not kept */
  constructor(private readonly keepFrom: number) {}

  /** @param key the row's primary key columns (encode-batch.ts BatchProblem.key) */
  record(row: number, key: Record<string, JsonValue>, problems: readonly DynamoProblem[]): void {
    this.problemRows++;
    for (const p of problems) this.counts[p.code] = (this.counts[p.code] ?? 0) + 1;
    if (row < this.keepFrom) return;
    this.pending.push({ row, key, problems });
  }

  /** The JSON Lines of the problem rows before `endRow` (exclusive), removed from the log; '' if none. */
  takeUpTo(endRow: number, loadFile: string): { text: string; rows: number } {
    let n = 0;
    while (n < this.pending.length && (this.pending[n] as ProblemRecord).row < endRow) n++;
    if (n === 0) return { text: '', rows: 0 };
    const taken = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    return { text: taken.map((r) => `${JSON.stringify({ file: loadFile, row: r.row, key: r.key, problems: r.problems })}\n`).join(''), rows: n };
  }
}
