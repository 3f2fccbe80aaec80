/**
 * Value -> JSON by the fixture Value conventions (MANIFEST.md), for every CqlType.
 *
 * `jsonDecoder(t)` compiles a decoder once per column type (use it in loops); `decodeJson(t, v)` is
 * the one-shot form (allocation-free for native types, compiles composite types on each call).
 * Contracts, besides the native renderings in native-decode.ts:
 * - A zero-length value renders "" for every type except text/ascii ("") and blob/custom ("0x").
 * - Frozen list/set -> array, map -> [[k, v], ...] (doc §8.2, 32-bit form; the 16-bit protocol
 *   v1/v2 form is accepted when the 32-bit parse does not consume the value exactly). A negative
 *   element length (null) renders null.
 * - Tuple -> array, UDT -> object with every field; missing trailing fields are null (ALTER TYPE ADD).
 * - Composite -> array of components (a 2.x static prefix FF FF is skipped); DynamicComposite ->
 *   array of component values; custom and ColumnToCollectionType -> blob text.
 * Malformed bytes throw AgentError('E_BAD_FORMAT').
 */
import { AgentError } from '../../errors.js';
import { i16, i32, u16, utf8 } from './bytes.js';
import { parseMarshalType } from './marshal-parser.js';
import { baseType, type CqlType, type JsonValue } from './model.js';
import { blobDecoder, decodeNative, NATIVE_JSON, type RangeDecoder } from './native-decode.js';

export function decodeJson(t: CqlType, v: Uint8Array): JsonValue {
  if (t.kind === 'native') return decodeNative(t.name, v, 0, v.length);
  return compile(t)(v, 0, v.length);
}

/** A decoder for values of `t`, compiled once. */
export function jsonDecoder(t: CqlType): (v: Uint8Array) => JsonValue {
  const d = compile(t);
  return (v) => d(v, 0, v.length);
}

/** The range form of {@link jsonDecoder}, for callers that hold a value as offsets into a buffer. */
export function jsonRangeDecoder(t: CqlType): RangeDecoder {
  return compile(t);
}

const bad = (msg: string): never => {
  throw new AgentError('E_BAD_FORMAT', msg);
};

const emptyAsMarker = (d: RangeDecoder): RangeDecoder => (b, s, e) => (s === e ? '' : d(b, s, e));

function compile(t: CqlType): RangeDecoder {
  switch (t.kind) {
    case 'native':
      return NATIVE_JSON[t.name];
    case 'reversed':
      return compile(t.base);
    case 'list':
    case 'set':
      return emptyAsMarker(listDecoder(compile(t.element)));
    case 'map':
      return emptyAsMarker(mapDecoder(compile(t.key), compile(t.value)));
    case 'tuple':
      return emptyAsMarker(tupleDecoder(t.elements.map(compile)));
    case 'udt':
      return emptyAsMarker(udtDecoder(t.fields.map((f) => f.name), t.fields.map((f) => compile(f.type))));
    case 'composite':
      return emptyAsMarker(compositeDecoder(t.components.map(compile)));
    case 'dynamicComposite':
      return emptyAsMarker(dynamicCompositeDecoder(t.aliases));
    case 'columnToCollection':
    case 'custom':
      return blobDecoder;
  }
}

/**
 * Width (4 or 2) of the length fields of a collection value with `perEntry` values per element,
 * preferring the 32-bit form (doc §8.2).
 */
function collectionWidth(b: Uint8Array, s: number, e: number, perEntry: number): 4 | 2 {
  if (fits(b, s, e, perEntry, 4)) return 4;
  if (fits(b, s, e, perEntry, 2)) return 2;
  return bad(`collection value of ${e - s} bytes does not parse in the 32-bit or the 16-bit form`);
}

function fits(b: Uint8Array, s: number, e: number, perEntry: number, w: 4 | 2): boolean {
  if (e - s < w) return false;
  const n = w === 4 ? i32(b, s) : u16(b, s);
  if (n < 0) return false;
  let o = s + w;
  for (let k = 0, total = n * perEntry; k < total; k++) {
    if (o + w > e) return false;
    const len = w === 4 ? i32(b, o) : u16(b, o);
    o += w;
    if (len > 0) {
      if (o + len > e) return false;
      o += len;
    }
  }
  return o === e;
}

/** Reads the collection entries in the form `fits` accepted; calls `each` with value ranges. */
function readEntries(b: Uint8Array, s: number, e: number, perEntry: number, each: (vs: number, ve: number) => void): void {
  const w = collectionWidth(b, s, e, perEntry);
  const n = w === 4 ? i32(b, s) : u16(b, s);
  let o = s + w;
  for (let k = 0, total = n * perEntry; k < total; k++) {
    const len = w === 4 ? i32(b, o) : u16(b, o);
    o += w;
    if (len < 0) each(-1, -1);
    else {
      each(o, o + len);
      o += len;
    }
  }
}

function listDecoder(elem: RangeDecoder): RangeDecoder {
  return (b, s, e) => {
    const out: JsonValue[] = [];
    readEntries(b, s, e, 1, (vs, ve) => out.push(vs < 0 ? null : elem(b, vs, ve)));
    return out;
  };
}

function mapDecoder(key: RangeDecoder, value: RangeDecoder): RangeDecoder {
  return (b, s, e) => {
    const out: JsonValue[] = [];
    let k: JsonValue = null;
    let isKey = true;
    readEntries(b, s, e, 2, (vs, ve) => {
      if (isKey) k = vs < 0 ? null : key(b, vs, ve);
      else out.push([k, vs < 0 ? null : value(b, vs, ve)]);
      isKey = !isKey;
    });
    return out;
  };
}

/** Walks tuple/UDT fields (i32 len, -1 = null; missing trailing fields null) into `put`. */
function readFields(b: Uint8Array, s: number, e: number, decs: readonly RangeDecoder[], put: (i: number, v: JsonValue) => void): void {
  let o = s;
  for (let i = 0; i < decs.length; i++) {
    if (o === e) {
      put(i, null);
      continue;
    }
    if (o + 4 > e) bad(`tuple/UDT field ${i} header runs past the end of the value`);
    const len = i32(b, o);
    o += 4;
    if (len < 0) {
      put(i, null);
      continue;
    }
    if (o + len > e) bad(`tuple/UDT field ${i} of ${len} bytes runs past the end of the value`);
    put(i, (decs[i] as RangeDecoder)(b, o, o + len));
    o += len;
  }
  if (o !== e) bad(`tuple/UDT value has ${e - o} bytes after its ${decs.length} fields`);
}

function tupleDecoder(decs: readonly RangeDecoder[]): RangeDecoder {
  return (b, s, e) => {
    const out: JsonValue[] = new Array<JsonValue>(decs.length);
    readFields(b, s, e, decs, (i, v) => {
      out[i] = v;
    });
    return out;
  };
}

function udtDecoder(names: readonly string[], decs: readonly RangeDecoder[]): RangeDecoder {
  return (b, s, e) => {
    const out: { [key: string]: JsonValue } = {};
    readFields(b, s, e, decs, (i, v) => setField(out, names[i] ?? String(i), v));
    return out;
  };
}

/** Assigns an own property even for a field literally named "__proto__". */
export function setField(o: { [key: string]: JsonValue }, name: string, v: JsonValue): void {
  if (name === '__proto__') Object.defineProperty(o, name, { value: v, enumerable: true, writable: true, configurable: true });
  else o[name] = v;
}

/** CompositeType: per component u16 length, bytes, end-of-component byte (doc §8.3). */
function compositeDecoder(decs: readonly RangeDecoder[]): RangeDecoder {
  return (b, s, e) => {
    const out: JsonValue[] = [];
    let o = e - s >= 2 && u16(b, s) === 0xffff ? s + 2 : s;
    for (let i = 0; o < e; i++) {
      if (o + 2 > e) bad('composite component header runs past the end of the value');
      const len = u16(b, o);
      o += 2;
      if (o + len + 1 > e) bad(`composite component ${i} of ${len} bytes runs past the end of the value`);
      out.push((decs[i] ?? blobDecoder)(b, o, o + len));
      o += len + 1;
    }
    return out;
  };
}

/**
 * DynamicCompositeType: per component u16 header (bit 15 set: alias in the low byte; otherwise the
 * length of a type name that follows), then u16 length, bytes, end-of-component byte. Unknown
 * aliases render as blobs.
 */
function dynamicCompositeDecoder(aliases: ReadonlyMap<string, CqlType>): RangeDecoder {
  const byName = new Map<string, RangeDecoder>();
  const resolve = (key: string, type: () => CqlType | undefined): RangeDecoder => {
    let d = byName.get(key);
    if (d === undefined) {
      const t = type();
      d = t === undefined ? blobDecoder : compile(t);
      byName.set(key, d);
    }
    return d;
  };
  return (b, s, e) => {
    const out: JsonValue[] = [];
    let o = s;
    while (o < e) {
      if (o + 2 > e) bad('dynamic composite header runs past the end of the value');
      const header = u16(b, o);
      o += 2;
      let d: RangeDecoder;
      if ((header & 0x8000) !== 0) {
        const alias = String.fromCharCode(header & 0xff);
        d = resolve(`@${alias}`, () => aliases.get(alias));
      } else {
        if (o + header > e) bad('dynamic composite type name runs past the end of the value');
        const name = utf8(b, o, o + header);
        o += header;
        d = resolve(name, () => parseMarshalType(name));
      }
      if (o + 2 > e) bad('dynamic composite component header runs past the end of the value');
      const len = u16(b, o);
      o += 2;
      if (o + len + 1 > e) bad(`dynamic composite component of ${len} bytes runs past the end of the value`);
      out.push(d(b, o, o + len));
      o += len + 1;
    }
    return out;
  };
}

/** A cell of a multi-cell column; a null path (never written for such cells) reads as empty. */
export interface CollectionCell {
  readonly path: Uint8Array | null;
  readonly value: Uint8Array;
}

const NO_PATH = new Uint8Array(0);

/**
 * A decoder for the live cells of a NON-frozen collection or UDT column (cells in path order as on
 * disk): list -> values in order; set -> the paths as elements; map -> [[path, value], ...];
 * UDT -> object with every field, where a cell path is the i16 field index and unset fields are null.
 */
export function jsonCellsDecoder(t: CqlType): (cells: readonly CollectionCell[]) => JsonValue {
  const b = baseType(t);
  switch (b.kind) {
    case 'list': {
      const d = jsonDecoder(b.element);
      return (cells) => cells.map((c) => d(c.value));
    }
    case 'set': {
      const d = jsonDecoder(b.element);
      return (cells) => cells.map((c) => d(c.path ?? NO_PATH));
    }
    case 'map': {
      const k = jsonDecoder(b.key);
      const v = jsonDecoder(b.value);
      return (cells) => cells.map((c): JsonValue => [k(c.path ?? NO_PATH), v(c.value)]);
    }
    case 'udt': {
      const decs = b.fields.map((f) => jsonDecoder(f.type));
      const names = b.fields.map((f) => f.name);
      return (cells) => {
        const out: { [key: string]: JsonValue } = {};
        for (const n of names) setField(out, n, null);
        for (const c of cells) {
          const path = c.path ?? NO_PATH;
          const idx = path.length === 2 ? i16(path, 0) : -1;
          const d = decs[idx];
          if (d === undefined) bad(`UDT cell path ${path.length === 2 ? idx : `of ${path.length} bytes`} names no field of ${b.name} (${names.length} fields)`);
          else setField(out, names[idx] ?? String(idx), d(c.value));
        }
        return out;
      };
    }
    default:
      throw new AgentError('E_BAD_TYPE', `type ${b.kind} is not stored as collection cells`);
  }
}

export function decodeCollectionJson(t: CqlType, cells: readonly CollectionCell[]): JsonValue {
  return jsonCellsDecoder(t)(cells);
}
