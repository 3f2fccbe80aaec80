/**
 * The plan of one single-SSTable read for the WebAssembly module (rows.c): the layout of the rows
 * (serialization header resolved against the schema, v3/layout.ts), the CSV fields in SELECT * order
 * with their writer kinds (csv-fast-values.ts fieldKind / jsonElementKind, the decisions the
 * TypeScript encoder makes), the CSV options, and what the DynamoDB pre-check reads
 * (tasks/extract-checks.ts fineCheckPlan). A table the module does not cover gets a reason instead,
 * and is read on the TypeScript path whole.
 *
 * Pure: no I/O.
 */
import { dmsColumns, type DmsColumn } from '../export/dms-columns.js';
import { isWellFormed } from '../export/csv-fast.js';
import { fieldKind, fieldWriter, jsonElementKind, type FieldKind } from '../export/csv-fast-values.js';
import type { ExportOptions } from '../export/options.js';
import type { MergeOptions } from '../merge/merge.js';
import { selectStarColumns, type TableSchema } from '../schema/model.js';
import { baseType, isMultiCell } from '../sstable/types/model.js';
import type { V3Layout } from '../sstable/v3/layout.js';
import { liveRowsSupported } from '../sstable/v3/live-rows.js';
import { fineCheckPlan, rowProblemChecker } from '../tasks/extract-checks.js';

/** rows.c MAX_COLS: clustering columns, regular columns and fields each */
export const MAX_COLUMNS = 1024;

/** rows.c writer kinds (K_*); absent: not in the module */
const KIND_CODES: Readonly<Partial<Record<FieldKind, number>>> = {
  'text': 1, 'hex-prefix': 2, 'hex': 3, 'int4': 4, 'int2': 5, 'int1': 6, 'bigint': 7, 'double': 8, 'uuid': 9,
  'bool': 10, 'ts-space': 11, 'ts-iso': 12, 'date': 13, 'inet4': 14, 'time': 15,
};
const enum Coll { None = 0, List = 1, Set = 2, Map = 3 }
const enum Src { PartitionKey = 0, Clustering = 1, Regular = 2, Absent = 3 }
const F_SCAN = 1;
const F_TEXTUAL = 2;
const F_EMPTY_FORM = 4;
const F_REAL4 = 8;
const F_REAL8 = 16;

/** A plan the module takes: its bytes, and the CSV fields of a record (the length of CsvStats.maxBytes). */
export interface WasmPlanBytes {
  readonly ok: true;
  readonly bytes: Uint8Array;
  readonly fields: number;
}

export type WasmPlan = WasmPlanBytes | { readonly ok: false; readonly reason: string };

const utf8 = new TextEncoder();

/** i64 as [low, high] 32-bit words. */
function halves(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0];
}

/**
 * The module's plan for reading an SSTable of `layout` alone into CSV records of `schema` with the
 * options `o`; `{ ok: false, reason }` when the module does not cover it.
 */
export function wasmPlanFor(layout: V3Layout, schema: TableSchema, merge: MergeOptions, o: ExportOptions): WasmPlan {
  const no = (reason: string): WasmPlan => ({ ok: false, reason });
  if (layout.statics.length > 0 || layout.staticCompact) return no('static columns');
  if (!liveRowsSupported(layout, merge)) return no('a column stored unlike the schema says, or a drop time beyond 2^53');
  const { delimiter, nullMarker, rowDelimiter, quoteAll } = o.csv;
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) >= 0x80 || !isWellFormed(nullMarker)) return no('a non-ASCII delimiter or an ill-formed null marker');
  if (layout.clusteringFixed.length > MAX_COLUMNS || layout.regulars.length > MAX_COLUMNS) return no('more than 1024 columns');
  const fine = fineCheckPlan(schema, o);
  if (!fine.keysSafe) return no('key columns whose DynamoDB key needs the full check');
  if (fine.numerics.length > 0) return no('NUMERIC columns');
  const realWidth = new Map(fine.reals.map((r) => [r.ordinal, r.width] as const));
  const columns = dmsColumns(schema, o.types);
  const defs = selectStarColumns(schema);
  if (defs.length > MAX_COLUMNS) return no('more than 1024 columns');
  const ordinals = new Map(schema.columns.map((c, i) => [c, i] as const));
  const headerIndex = new Map(layout.regulars.map((r, i) => [r.ordinal, i] as const));

  const words: number[] = [];
  const strings: Uint8Array[] = [];
  // string offsets are patched once the words' length is known
  const stringRefs: { word: number; index: number }[] = [];
  const str = (s: string | Uint8Array): void => {
    stringRefs.push({ word: words.length, index: strings.length });
    const b = typeof s === 'string' ? utf8.encode(s) : s;
    strings.push(b);
    words.push(0, b.length);
  };

  const pkComposite = schema.partitionKey.length > 1;
  const [tsLo, tsHi] = halves(layout.minTimestamp);
  words.push(layout.clusteringFixed.length, layout.regulars.length, defs.length, schema.partitionKey.length, pkComposite ? 1 : 0);
  words.push(layout.minLocalDeletionTime | 0, layout.minTTL | 0, merge.nowInSec | 0, tsLo, tsHi);
  const budget = rowProblemChecker(schema, o).budget;
  words.push(delimiter.charCodeAt(0), quoteAll ? 1 : 0, Math.max(-1, Math.min(0x7fffffff, Math.floor(budget))));
  str(nullMarker);
  str(rowDelimiter);
  str(o.types.booleanText[0]);
  str(o.types.booleanText[1]);
  for (const f of layout.clusteringFixed) words.push(f);
  for (const r of layout.regulars) {
    const [dLo, dHi] = r.droppedAt === null ? [0, 0] : halves(r.droppedAt);
    words.push(r.ordinal, r.complex ? 1 : 0, r.fixedLength, r.droppedAt === null ? 0 : 1, dLo, dHi);
  }
  for (const [index, def] of defs.entries()) {
    const c = columns[index] as DmsColumn;
    const ordinal = ordinals.get(def) ?? -1;
    let src: Src;
    let at: number;
    if (def.kind === 'partition_key') [src, at] = [Src.PartitionKey, def.position];
    else if (def.kind === 'clustering') [src, at] = [Src.Clustering, def.position];
    else {
      const h = headerIndex.get(ordinal);
      [src, at] = h === undefined ? [Src.Absent, 0] : [Src.Regular, h];
    }
    let flags = (c.render === 'string' || c.render === 'json') ? F_TEXTUAL : 0;
    const t = c.cqlType;
    if (t.kind === 'native' && (t.name === 'text' || t.name === 'ascii' || t.name === 'blob')) flags |= F_EMPTY_FORM;
    const width = realWidth.get(ordinal);
    if (width !== undefined) flags |= width === 4 ? F_REAL4 : F_REAL8;
    let kind = 0;
    let coll = Coll.None;
    let el1 = 0;
    let el2 = 0;
    if (def.kind !== 'partition_key' && def.kind !== 'clustering' && isMultiCell(t)) {
      if (width !== undefined) return no(`collection column ${c.name} declared as a DynamoDB number`);
      const b = baseType(t);
      const code = (k: FieldKind | null): number => (k === null ? 0 : KIND_CODES[k] ?? 0);
      if (b.kind === 'list' || b.kind === 'set') {
        coll = b.kind === 'list' ? Coll.List : Coll.Set;
        el1 = code(jsonElementKind(b.element));
      } else if (b.kind === 'map') {
        coll = Coll.Map;
        el1 = code(jsonElementKind(b.key));
        el2 = code(jsonElementKind(b.value));
        if (el2 === 0) return no(`column ${c.name}: map values of a type the module does not write`);
      } else return no(`column ${c.name}: a non-frozen ${b.kind}`);
      if (el1 === 0) return no(`column ${c.name}: elements of a type the module does not write`);
      flags |= F_SCAN;
    } else {
      const k = fieldKind(c, o.types);
      kind = k === null ? 0 : KIND_CODES[k] ?? 0;
      if (kind === 0) return no(`column ${c.name}: values of a type the module does not write`);
      if (width !== undefined && k !== 'double') return no(`column ${c.name}: a DynamoDB number that is not a double`);
      // text is not scanned: its writer notes the special bytes it copies (ByteWriter.utf8Text), as rows.c does
      if (fieldWriter(c, o.types, delimiter)?.scan === true) flags |= F_SCAN;
    }
    words.push(src, at, kind, coll, el1, el2, flags);
  }

  const wordBytes = 4 * words.length;
  let offset = wordBytes;
  for (const ref of stringRefs) {
    words[ref.word] = offset;
    offset += (strings[ref.index] as Uint8Array).length;
  }
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setInt32(4 * i, w, true));
  let p = wordBytes;
  for (const s of strings) {
    bytes.set(s, p);
    p += s.length;
  }
  return { ok: true, bytes, fields: defs.length };
}
