/**
 * The live CQL rows of one partition as they are handed out (§9.3): the partition's live static values
 * repeated on every row, and, when only static data is live, one row with null clustering values.
 * Shared by the k-way merge (merge.ts) and the single-source paths (v2/live-rows.ts, v3/live-rows.ts).
 */
import type { ClusteringValues } from '../sstable/model.js';
import type { CqlRow, LiveValue } from './rows.js';

const EMPTY_KEY = new Uint8Array(0);

export class PartitionRows {
  private key: Uint8Array = EMPTY_KEY;
  private staticCols: number[] = [];
  private staticVals: LiveValue[] = [];
  private hasLiveStatic = false;
  private emitted = false;
  private readonly nullValues: (LiveValue | null)[];
  private readonly staticOnlyClustering: ClusteringValues;

  constructor(columnCount: number, clusteringSize: number) {
    this.nullValues = new Array<LiveValue | null>(columnCount).fill(null);
    this.staticOnlyClustering = Object.freeze(new Array<null>(clusteringSize).fill(null));
  }

  /** A new partition, whose rows carry `key`. */
  start(key: Uint8Array): void {
    this.key = key;
    this.staticCols = [];
    this.staticVals = [];
    this.hasLiveStatic = false;
    this.emitted = false;
  }

  /** A fresh values array (every column null) for one row, indexed by column ordinal. */
  values(): (LiveValue | null)[] {
    return this.nullValues.slice();
  }

  /** The reconciled static row: its values (from `values()`), and whether it has live data. */
  statics(values: readonly (LiveValue | null)[], live: boolean): void {
    this.hasLiveStatic = live;
    const cols: number[] = [];
    const vals: LiveValue[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      cols.push(i);
      vals.push(v);
    }
    this.staticCols = cols;
    this.staticVals = vals;
  }

  /** One live row: the static values are set into `values`, and the row goes to `out`. */
  emit(out: CqlRow[], clustering: ClusteringValues, values: (LiveValue | null)[]): void {
    const cols = this.staticCols;
    for (let k = 0; k < cols.length; k++) values[cols[k] as number] = this.staticVals[k] as LiveValue;
    out.push({ partitionKey: this.key, clustering, values });
    this.emitted = true;
  }

  /** The end of the partition: the static-only row, when no other row came and a static value is live. */
  end(out: CqlRow[]): void {
    if (!this.emitted && this.hasLiveStatic) this.emit(out, this.staticOnlyClustering, this.values());
  }
}
