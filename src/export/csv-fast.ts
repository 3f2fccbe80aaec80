/**
 * The byte-level CSV encoder: the same records and the same CsvStats as `csvRowEncoder` (csv.ts), for
 * a batch of rows at a time, written as UTF-8 straight from the cell buffers.
 *
 * Contract: `encode(rows)` is exactly `TextEncoder.encode(rows.map(csvRowEncoder(schema, opts)).join(''))`,
 * and `stats` evolves exactly as the string encoder's. Each field is written by a fast writer when its
 * value is well-formed and common (csv-fast-values.ts), otherwise through the very functions csv.ts
 * uses (json-codec decoders, `fieldRenderer`, `jsonText`), so rare and malformed values render, or
 * throw, the same way. When a batch throws, its output is lost and the stats may already count some of
 * its fields.
 *
 * A non-ASCII delimiter, or a null marker that is not well-formed UTF-16, is handled by running the
 * string encoder itself and encoding its text (no byte-level scan for multi-byte delimiters).
 */
import { AgentError } from '../errors.js';
import { isComplexValue, type CqlRow } from '../merge/rows.js';
import { selectStarColumns, type TableSchema } from '../schema/model.js';
import { splitComposite } from '../sstable/composite.js';
import { ViewCell, type Cell } from '../sstable/model.js';
import { formatCqlType, jsonCellsDecoder, jsonRangeDecoder } from '../sstable/types/index.js';
import { isMultiCell } from '../sstable/types/model.js';
import { byteClasses, ByteWriter, sharedCopy } from './byte-writer.js';
import { createCsvStats, csvRowEncoder, utf8Length, type CsvStats } from './csv.js';
import { complexWriter, type ComplexWriter } from './csv-fast-json.js';
import { fieldWriter, type RawWriter } from './csv-fast-values.js';
import { dmsColumns, fieldRenderer, type DmsColumn } from './dms-columns.js';
import { resolveExportOptions, type ExportOptions, type PartialExportOptions } from './options.js';

export interface CsvBatchEncoder {
  /**
   * The records of `rows` (each ending with the row delimiter), UTF-8, in a fresh array. With `ends`
   * (length >= rows.length), ends[i] receives the byte offset just after record i.
   */
  encode(rows: readonly CqlRow[], ends?: Uint32Array): Uint8Array;
  /**
   * Appends the records of `rows` to the pending output (what `take` will return); ends[at + i]
   * receives the offset in that output just after record i. Batches appended one after another then
   * leave in one array, copied once.
   */
  append(rows: readonly CqlRow[], ends: Uint32Array, at: number): void;
  /** The pending output (a fresh array the caller owns; in a SharedArrayBuffer when `shared`); the encoder starts over. */
  take(shared?: boolean): Uint8Array;
  readonly columns: readonly DmsColumn[];
  readonly stats: CsvStats;
}

const enum Source { PartitionKey, Clustering, Value }

interface Field {
  readonly index: number;
  readonly source: Source;
  /** partition-key component, clustering position, or column ordinal in TableSchema.columns */
  readonly at: number;
  readonly raw: RawWriter | null;
  readonly scan: boolean;
  /** string path of a simple value */
  readonly slow: (b: Uint8Array, s: number, e: number) => string;
  /** the live cells of a multi-cell column; null when the column is not multi-cell */
  readonly complex: ComplexWriter | null;
  readonly textual: boolean;
  readonly emptyForm: boolean;
}

const utf8Encoder = new TextEncoder();
/** the row argument of writeFields for the partition-key fields, which read only the key */
const EMPTY_ROW: CqlRow = { partitionKey: new Uint8Array(0), clustering: [], values: [] };

/** Well-formed UTF-16 (no lone surrogate): a null marker the byte-level encoder can compare as UTF-8. */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/**
 * The batch CSV encoder of one table, compiled once. Throws AgentError E_BAD_ARGUMENT on bad options;
 * `encode` throws E_BAD_FORMAT on malformed cell bytes and E_SCHEMA on cells that do not fit the schema.
 */
export function csvBatchEncoder(schema: TableSchema, opts: ExportOptions | PartialExportOptions = {}): CsvBatchEncoder {
  const o = isResolved(opts) ? opts : resolveExportOptions(opts);
  const { delimiter, nullMarker, rowDelimiter, quoteAll } = o.csv;
  if (delimiter.charCodeAt(0) >= 0x80 || !isWellFormed(nullMarker)) return viaStrings(schema, o);

  const columns = dmsColumns(schema, o.types);
  const stats = createCsvStats(columns.length);
  const w = new ByteWriter(byteClasses(delimiter.charCodeAt(0)));
  const marker = utf8Encoder.encode(nullMarker);
  const rowEnd = utf8Encoder.encode(rowDelimiter);
  const delim = delimiter.charCodeAt(0);
  const ordinals = new Map(schema.columns.map((c, i) => [c, i] as const));
  const fields: Field[] = selectStarColumns(schema).map((def, index): Field => {
    const c = columns[index] as DmsColumn;
    const type = c.cqlType;
    const decode = jsonRangeDecoder(type);
    const render = fieldRenderer(c.render, o.types, c.name);
    const fast = fieldWriter(c, o.types, delimiter);
    const source = def.kind === 'partition_key' ? Source.PartitionKey : def.kind === 'clustering' ? Source.Clustering : Source.Value;
    return {
      index,
      source,
      at: source === Source.Value ? (ordinals.get(def) ?? -1) : def.position,
      raw: fast?.raw ?? null,
      scan: fast === null || fast.scan,
      slow: (b, s, e) => render(decode(b, s, e)),
      complex: source === Source.Value && isMultiCell(type) ? complexWriter(type, jsonCellsDecoder(type), render) : null,
      textual: c.render === 'string' || c.render === 'json',
      emptyForm: type.kind === 'native' && (type.name === 'text' || type.name === 'ascii' || type.name === 'blob'),
    };
  });
  const pkComposite = schema.partitionKey.length > 1;
  const pkBounds = new Int32Array(2 * Math.max(1, schema.partitionKey.length));

  /** Stats and quoting of the non-null field written since `start` (csv.ts csvJsonRowEncoder). */
  const finish = (f: Field, start: number): void => {
    const len = w.pos - start;
    const isMarker = len === marker.length && w.equals(start, marker);
    if (len === 0 && !f.emptyForm) stats.zeroLengthValues++;
    if (isMarker && f.textual) stats.markerCollisions++;
    if (len > (stats.maxBytes[f.index] ?? 0)) stats.maxBytes[f.index] = len;
    w.quote(start, quoteAll || len === 0 || isMarker, f.scan);
  };

  const simple = (f: Field, b: Uint8Array, s: number, e: number): void => {
    const start = w.pos;
    if (f.raw === null || !f.raw(w, b, s, e)) w.string(f.slow(b, s, e));
    finish(f, start);
  };

  /**
   * A multi-cell column: the JSON is written inside an opened quote with its quotes doubled. JSON
   * holding a '"' needs the quotes (and cannot be the marker, which holds no '"'); other JSON is
   * unwrapped and finished like any field.
   */
  const complex = (f: Field, write: ComplexWriter, cells: readonly Cell[]): void => {
    const start = w.pos;
    w.ensure(1);
    w.byte(0x22);
    w.inQuotes = true;
    w.jsonQuotes = 0;
    write(w, cells);
    w.inQuotes = false;
    w.special = false;
    const quotes = w.jsonQuotes;
    if (quotes > 0) {
      const len = w.pos - start - 1 - quotes;
      if (len > (stats.maxBytes[f.index] ?? 0)) stats.maxBytes[f.index] = len;
      w.ensure(1);
      w.byte(0x22);
      return;
    }
    w.buf.copyWithin(start, start + 1, w.pos);
    w.pos--;
    finish(f, start);
  };

  const nullField = (): void => {
    w.bytes(marker, 0, marker.length);
  };

  /** Component bounds of a composite partition key into pkBounds; the count of components. */
  const splitKey = (k: Uint8Array): number => {
    let p = 0;
    let n = 0;
    while (p < k.length) {
      if (p + 2 > k.length) break;
      const len = ((k[p] as number) << 8) | (k[p + 1] as number);
      p += 2;
      if (p + len + 1 > k.length) {
        p = -1;
        break;
      }
      if (2 * n < pkBounds.length) {
        pkBounds[2 * n] = p;
        pkBounds[2 * n + 1] = p + len;
      }
      n++;
      p += len + 1;
    }
    if (p !== k.length) splitComposite(k);
    return n;
  };

  // The fields of the partition key, when they lead the record (SELECT * order), are written once per
  // partition: the rows of a partition come together, and the next rows copy the text (and replay the
  // stats) of the first when their key bytes are the same.
  let keyFields = 0;
  while (keyFields < fields.length && (fields[keyFields] as Field).source === Source.PartitionKey) keyFields++;
  if (fields.some((f, i) => i >= keyFields && f.source === Source.PartitionKey)) keyFields = 0;
  let lastKey = new Uint8Array(64);
  let lastKeyLength = -1;
  let keyText = new Uint8Array(256);
  let keyTextLength = 0;
  let keyZeroLength = 0;
  let keyCollisions = 0;

  /** The leading partition-key fields of a row whose key is `key`, copied when the previous row had the same key. */
  const sameKey = (key: Uint8Array): boolean => {
    if (key.length !== lastKeyLength) return false;
    for (let i = 0; i < key.length; i++) if (key[i] !== lastKey[i]) return false;
    return true;
  };

  const writeKeyFields = (key: Uint8Array): void => {
    if (sameKey(key)) {
      w.bytes(keyText, 0, keyTextLength);
      stats.zeroLengthValues += keyZeroLength;
      stats.markerCollisions += keyCollisions;
      return;
    }
    lastKeyLength = -1;
    const start = w.pos;
    const zero = stats.zeroLengthValues;
    const collisions = stats.markerCollisions;
    writeFields(key, 0, keyFields, EMPTY_ROW);
    const n = w.pos - start;
    if (n > keyText.length) keyText = new Uint8Array(2 * n);
    keyText.set(w.buf.subarray(start, w.pos));
    keyTextLength = n;
    keyZeroLength = stats.zeroLengthValues - zero;
    keyCollisions = stats.markerCollisions - collisions;
    if (key.length > lastKey.length) lastKey = new Uint8Array(2 * key.length);
    lastKey.set(key);
    lastKeyLength = key.length;
  };

  const writeRow = (row: CqlRow): void => {
    const key = row.partitionKey;
    if (keyFields > 0) writeKeyFields(key);
    writeFields(key, keyFields, fields.length, row);
    w.bytes(rowEnd, 0, rowEnd.length);
    stats.rows++;
  };

  /** Fields [from, to) of `row` (whose partition key is `key`), each after a delimiter but the first. */
  const writeFields = (key: Uint8Array, from: number, to: number, row: CqlRow): void => {
    // the key fields are all in the first call of a row (from 0)
    let parts = 1;
    if (from === 0) {
      if (pkComposite) parts = splitKey(key);
      else {
        pkBounds[0] = 0;
        pkBounds[1] = key.length;
      }
    }
    for (let i = from; i < to; i++) {
      const f = fields[i] as Field;
      if (i > 0) {
        w.ensure(1);
        w.byte(delim);
      }
      if (f.source === Source.PartitionKey) {
        if (f.at < parts) simple(f, key, pkBounds[2 * f.at] as number, pkBounds[2 * f.at + 1] as number);
        else nullField();
      } else if (f.source === Source.Clustering) {
        const v = row.clustering[f.at];
        if (v === null || v === undefined) nullField();
        else simple(f, v, 0, v.length);
      } else {
        const v = row.values[f.at];
        if (v === null || v === undefined) nullField();
        else if (v instanceof ViewCell) simple(f, v.buf, v.valueOffset, v.valueOffset + v.valueLength);
        else if (isComplexValue(v)) {
          if (f.complex === null) throw new AgentError('E_SCHEMA', `column of type ${formatCqlType((columns[i] as DmsColumn).cqlType)} holds collection cells`);
          complex(f, f.complex, v.cells);
        } else {
          const value = (v as Cell).value;
          simple(f, value, 0, value.length);
        }
      }
    }
  };

  /** Writes the records of `rows` after what is pending; ends[at + r] = the offset after record r. */
  const append = (rows: readonly CqlRow[], ends: Uint32Array | undefined, at: number): void => {
    w.special = false;
    w.inQuotes = false;
    for (let r = 0; r < rows.length; r++) {
      writeRow(rows[r] as CqlRow);
      if (ends !== undefined) ends[at + r] = w.pos;
    }
  };

  return {
    columns,
    stats,
    encode(rows, ends) {
      w.pos = 0;
      append(rows, ends, 0);
      return w.take();
    },
    append,
    take: (shared) => w.take(shared),
  };
}

/** The string encoder, its records encoded: for options the byte writer does not cover. */
function viaStrings(schema: TableSchema, o: ExportOptions): CsvBatchEncoder {
  const enc = csvRowEncoder(schema, o);
  let text = '';
  let bytes = 0;
  const append = (rows: readonly CqlRow[], ends: Uint32Array | undefined, at: number): void => {
    rows.forEach((r, i) => {
      const rec = enc(r);
      text += rec;
      bytes += utf8Length(rec);
      if (ends !== undefined) ends[at + i] = bytes;
    });
  };
  const take = (shared = false): Uint8Array => {
    const encoded = utf8Encoder.encode(text);
    const out = shared ? sharedCopy(encoded) : encoded;
    text = '';
    bytes = 0;
    return out;
  };
  return {
    columns: enc.columns,
    stats: enc.stats,
    encode(rows, ends) {
      text = '';
      bytes = 0;
      append(rows, ends, 0);
      return take();
    },
    append,
    take,
  };
}

/** Same test as csv.ts: an already resolved (frozen, complete) options object. */
function isResolved(o: ExportOptions | PartialExportOptions): o is ExportOptions {
  return Object.isFrozen(o) && o.csv !== undefined && o.types !== undefined && o.keys !== undefined && o.chunk !== undefined && o.dms !== undefined;
}
