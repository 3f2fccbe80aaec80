/**
 * Byte-level writers of single values for csv-fast.ts: the CSV field text of a native value
 * (dms-columns.ts `fieldRenderer` over the json-codec rendering) and the JSON text of a collection
 * element (dms-columns.ts `jsonText`), written from the value bytes `b[s..e)`.
 *
 * A writer handles the common, well-formed case only and returns false (having written nothing) for
 * anything else: zero-length or malformed values, non-finite floats in JSON, i64 beyond 2^53, invalid
 * UTF-8. The caller then renders the value through the string path, which gives the same text or
 * throws the same AgentError as csv.ts.
 */
import { f32, f64, i16, i32, u32 } from '../sstable/types/bytes.js';
import type { CqlType } from '../sstable/types/model.js';
import { float32Shortest } from '../sstable/types/numeric.js';
import type { ByteWriter } from './byte-writer.js';
import { DayCache, writeDay, writeTime, writeTimestamp } from './csv-fast-time.js';
import type { DmsColumn } from './dms-columns.js';
import type { TypeOptions } from './options.js';

/** Writes the text of the non-null value `b[s..e)`; false = nothing written, use the string path. */
export type RawWriter = (w: ByteWriter, b: Uint8Array, s: number, e: number) => boolean;

export interface FieldWriter {
  readonly raw: RawWriter;
  /** the output alphabet may hold the delimiter: the field must be scanned before quoting */
  readonly scan: boolean;
}

const DIGITS = '-0123456789';
const DOUBLE = '-+.0123456789eNaInfity';
const UUID = '-0123456789abcdef';
const HEX = '0123456789abcdefx';

const EPOCH_DAY = 2147483648;
const utf8Encoder = new TextEncoder();

const text: RawWriter = (w, b, s, e) => w.utf8Text(b, s, e);

function fixedInt(n: 1 | 2 | 4): RawWriter {
  return (w, b, s, e) => {
    if (e - s !== n) return false;
    w.ensure(12);
    w.digits(n === 4 ? i32(b, s) : n === 2 ? i16(b, s) : ((b[s] as number) << 24) >> 24);
    return true;
  };
}

/** The i64 at `s` when it is a safe integer; undefined otherwise (bytes.ts i64Safe). */
function safeI64(b: Uint8Array, s: number): number | undefined {
  const hi = i32(b, s);
  if (hi < -0x200000 || hi >= 0x200000) return undefined;
  return hi * 4294967296 + u32(b, s + 4);
}

const bigint: RawWriter = (w, b, s, e) => {
  if (e - s !== 8) return false;
  const v = safeI64(b, s);
  if (v === undefined) return false;
  w.ensure(17);
  w.digits(v);
  return true;
};

/** varintString's no-bigint range: up to 6 bytes. */
const varint: RawWriter = (w, b, s, e) => {
  if (e - s < 1 || e - s > 6) return false;
  let v = ((b[s] as number) << 24) >> 24;
  for (let i = s + 1; i < e; i++) v = v * 256 + (b[i] as number);
  w.ensure(17);
  w.digits(v);
  return true;
};

const double: RawWriter = (w, b, s, e) => {
  if (e - s !== 8) return false;
  w.double(f64(b, s));
  return true;
};

const float: RawWriter = (w, b, s, e) => {
  if (e - s !== 4) return false;
  w.double(float32Shortest(f32(b, s)));
  return true;
};

const uuid: RawWriter = (w, b, s, e) => {
  if (e - s !== 16) return false;
  w.ensure(36);
  w.uuid(b, s);
  return true;
};

const inet4: RawWriter = (w, b, s, e) => {
  if (e - s !== 4) return false;
  w.ensure(15);
  for (let i = 0; i < 4; i++) {
    if (i > 0) w.byte(0x2e);
    w.digits(b[s + i] as number);
  }
  return true;
};

function blob(prefix: boolean): RawWriter {
  return (w, b, s, e) => {
    if (prefix) {
      const o = w.ensure(2);
      o[w.pos] = 0x30;
      o[w.pos + 1] = 0x78;
      w.pos += 2;
    }
    w.hex(b, s, e);
    return true;
  };
}

function bool(t: string, f: string): RawWriter {
  const tb = utf8Encoder.encode(t);
  const fb = utf8Encoder.encode(f);
  return (w, b, s, e) => {
    if (e - s !== 1) return false;
    const v = b[s] !== 0 ? tb : fb;
    w.bytes(v, 0, v.length);
    return true;
  };
}

function timestamp(iso: boolean): RawWriter {
  const cache = new DayCache();
  const sep = iso ? 0x54 : 0x20;
  return (w, b, s, e) => {
    if (e - s !== 8) return false;
    w.ensure(40);
    return writeTimestamp(w, b, s, sep, iso, cache);
  };
}

function date(): RawWriter {
  const cache = new DayCache();
  return (w, b, s, e) => {
    if (e - s !== 4) return false;
    w.ensure(24);
    writeDay(w, u32(b, s) - EPOCH_DAY, cache);
    return true;
  };
}

const time: RawWriter = (w, b, s, e) => {
  if (e - s !== 8) return false;
  w.ensure(18);
  return writeTime(w, b, s);
};

const scanned = (raw: RawWriter, alphabet: string, delimiter: string): FieldWriter => ({ raw, scan: alphabet.includes(delimiter) });

/**
 * What a column's field is written as, chosen by its declared rendering: the one decision behind the
 * fast writers here and the WebAssembly plan (src/wasm/plan.ts). `hex-prefix` is a blob's 0x-prefixed
 * hex; `ts-space` / `ts-iso` the timestamp's two layouts.
 */
export type FieldKind =
  | 'text' | 'hex-prefix' | 'hex' | 'int4' | 'int2' | 'int1' | 'bigint' | 'varint' | 'double' | 'float'
  | 'uuid' | 'inet4' | 'bool' | 'ts-space' | 'ts-iso' | 'date' | 'time';

/** The kind of a native type's values; `timestamp`: the kind of timestamps (their layout is an option). */
function nativeKind(name: string, timestamp: FieldKind): FieldKind | null {
  switch (name) {
    case 'text': case 'ascii': return 'text';
    case 'blob': return 'hex-prefix';
    case 'int': return 'int4';
    case 'smallint': return 'int2';
    case 'tinyint': return 'int1';
    case 'bigint': return 'bigint';
    case 'varint': return 'varint';
    case 'double': return 'double';
    case 'float': return 'float';
    case 'uuid': case 'timeuuid': return 'uuid';
    case 'inet': return 'inet4';
    case 'boolean': return 'bool';
    case 'timestamp': return timestamp;
    case 'date': return 'date';
    case 'time': return 'time';
    default: return null;
  }
}

/** The kind of a column's field; null when every value goes through the string path (counter, decimal, duration, JSON columns). */
export function fieldKind(c: DmsColumn, o: TypeOptions): FieldKind | null {
  const t = c.cqlType;
  if (c.render === 'hex') return o.blobHexPrefix ? 'hex-prefix' : 'hex';
  if (t.kind === 'custom' || t.kind === 'columnToCollection') return 'hex-prefix';
  return t.kind === 'native' ? nativeKind(t.name, o.timestampFormat === 'iso' ? 'ts-iso' : 'ts-space') : null;
}

/**
 * The fast writer of a column's field (fieldKind); null when every value goes through the string
 * path.
 */
export function fieldWriter(c: DmsColumn, o: TypeOptions, delimiter: string): FieldWriter | null {
  const kind = fieldKind(c, o);
  switch (kind) {
    case null: return null;
    case 'text': return { raw: text, scan: false };
    case 'hex-prefix': return scanned(blob(true), HEX, delimiter);
    case 'hex': return scanned(blob(false), HEX, delimiter);
    case 'int4': return scanned(fixedInt(4), DIGITS, delimiter);
    case 'int2': return scanned(fixedInt(2), DIGITS, delimiter);
    case 'int1': return scanned(fixedInt(1), DIGITS, delimiter);
    case 'bigint': return scanned(bigint, DIGITS, delimiter);
    case 'varint': return scanned(varint, DIGITS, delimiter);
    case 'double': return scanned(double, DOUBLE, delimiter);
    case 'float': return scanned(float, DOUBLE, delimiter);
    case 'uuid': return scanned(uuid, UUID, delimiter);
    case 'inet4': return scanned(inet4, '.0123456789', delimiter);
    case 'bool': return { raw: bool(o.booleanText[0], o.booleanText[1]), scan: false };
    case 'ts-iso': return scanned(timestamp(true), '-0123456789T:.Z', delimiter);
    case 'ts-space': return scanned(timestamp(false), '-0123456789 :.', delimiter);
    case 'date': return scanned(date(), DIGITS, delimiter);
    case 'time': return scanned(time, '0123456789:.', delimiter);
  }
}

/** Wraps a writer of ASCII text in JSON string quotes. */
function quoted(raw: RawWriter): RawWriter {
  return (w, b, s, e) => {
    const start = w.pos;
    const quotes = w.jsonQuotes;
    w.jsonQuote();
    if (!raw(w, b, s, e)) {
      w.pos = start;
      w.jsonQuotes = quotes;
      return false;
    }
    w.jsonQuote();
    return true;
  };
}

const jsonBool: RawWriter = (w, b, s, e) => {
  if (e - s !== 1) return false;
  w.ascii(b[s] !== 0 ? 'true' : 'false');
  return true;
};

/** Non-finite floats are JSON strings ("NaN"): the string path writes them. */
function jsonNumber(read: (b: Uint8Array, s: number) => number, n: number): RawWriter {
  return (w, b, s, e) => {
    if (e - s !== n) return false;
    const v = read(b, s);
    if (!Number.isFinite(v)) return false;
    w.double(v);
    return true;
  };
}

/**
 * The kind of a collection element of type `t` as JSON text (json-codec.ts rendering, then jsonText):
 * bigints, UUIDs, blobs (0x-prefixed), timestamps (ISO), dates, times and addresses are JSON strings;
 * null for element types that always take the string path (nested collections, decimals, ...).
 */
export function jsonElementKind(t: CqlType): FieldKind | null {
  if (t.kind === 'reversed') return jsonElementKind(t.base);
  return t.kind === 'native' ? nativeKind(t.name, 'ts-iso') : null;
}

/** The JSON text writer of a collection element of type `t` (jsonElementKind), or null. */
export function jsonElementWriter(t: CqlType): RawWriter | null {
  switch (jsonElementKind(t)) {
    case 'text': return (w, b, s, e) => w.jsonUtf8(b, s, e);
    case 'int4': return fixedInt(4);
    case 'int2': return fixedInt(2);
    case 'int1': return fixedInt(1);
    case 'bigint': return quoted(bigint);
    case 'varint': return quoted(varint);
    case 'double': return jsonNumber(f64, 8);
    case 'float': return jsonNumber((b, s) => float32Shortest(f32(b, s)), 4);
    case 'bool': return jsonBool;
    case 'uuid': return quoted(uuid);
    case 'hex-prefix': return quoted(blob(true));
    case 'ts-iso': return quoted(timestamp(true));
    case 'date': return quoted(date());
    case 'time': return quoted(time);
    case 'inet4': return quoted(inet4);
    default: return null;
  }
}
