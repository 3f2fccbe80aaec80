/**
 * A growable output buffer for the byte-level CSV encoder (csv-fast.ts): digits, hex, UUIDs, dates and
 * UTF-8 text written straight into a Uint8Array, without the intermediate JS strings of csv.ts.
 *
 * Every writer here produces the UTF-8 bytes of exactly the text the string renderers produce
 * (native-decode.ts, temporal.ts, identifiers.ts, numeric.ts, dms-columns.ts `fieldRenderer`). Where a
 * value leaves the common case (malformed or zero-length bytes, invalid UTF-8, i64 beyond 2^53), a
 * writer returns false and the caller renders it through the string path.
 *
 * Contract: callers `ensure` room before the raw writers (`byte`, `digits`, `uuid`, ...); the text and
 * string writers ensure their own room. Bytes are read from `b[s..e)` without creating views.
 */
/** Class of a byte in CSV text: 0 plain ASCII, 1 special (needs quoting), 2 part of a multi-byte sequence. */
export const PLAIN = 0;
export const SPECIAL = 1;
export const MULTI = 2;

/** The byte classes for an ASCII delimiter: '"', CR, LF and the delimiter are special. */
export function byteClasses(delimiter: number): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0x80; i < 256; i++) t[i] = MULTI;
  t[0x22] = SPECIAL;
  t[0x0d] = SPECIAL;
  t[0x0a] = SPECIAL;
  t[delimiter] = SPECIAL;
  return t;
}

const HEX = new Uint8Array(512);
/** the two hex digits of a byte as one little-endian u16 (first digit in the low byte) */
const HEX16 = new Uint16Array(256);
/** "00".."99" as ASCII pairs */
export const DIGITS2 = new Uint8Array(200);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX[2 * i] = h.charCodeAt(0);
  HEX[2 * i + 1] = h.charCodeAt(1);
  HEX16[i] = h.charCodeAt(0) | (h.charCodeAt(1) << 8);
}
for (let i = 0; i < 100; i++) {
  DIGITS2[2 * i] = 48 + Math.floor(i / 10);
  DIGITS2[2 * i + 1] = 48 + (i % 10);
}

/** JSON.stringify's escapes for the control characters (\b \t \n \f \r; others \u00xx, lowercase). */
const JSON_SHORT: Readonly<Record<number, number>> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };

/** 1 for the bytes a JSON string literal does not hold as is: controls, '"', '\\', non-ASCII */
const JSON_ESCAPED = new Uint8Array(256);
for (let i = 0; i < 256; i++) JSON_ESCAPED[i] = i < 0x20 || i === 0x22 || i === 0x5c || i >= 0x80 ? 1 : 0;

const POW10 = Array.from({ length: 9 }, (_, i) => 10 ** i);

/** Text of at least this many bytes is copied and classified four bytes at a time (utf8Text). */
const WORD_COPY_MIN = 16;
const NO_BYTES = new Uint8Array(0);

/** Non-zero when one of the four bytes of the 32-bit word `y` is zero (exact, as a yes/no answer). */
function zeroByte(y: number): number {
  return (y - 0x01010101) & ~y & 0x80808080;
}

/**
 * Length of the well-formed UTF-8 sequence starting with the non-ASCII byte at `b[i]` (WHATWG / the
 * Unicode "maximal subpart" rules that TextDecoder applies), or 0 when it is malformed or truncated.
 */
export function utf8SequenceLength(b: Uint8Array, i: number, e: number): number {
  const c = b[i] as number;
  if (c < 0xc2 || c > 0xf4) return 0;
  if (c < 0xe0) return i + 1 < e && ((b[i + 1] as number) & 0xc0) === 0x80 ? 2 : 0;
  if (i + 1 >= e) return 0;
  const c1 = b[i + 1] as number;
  if (c < 0xf0) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    if (c1 < lo || c1 > hi || i + 2 >= e) return 0;
    return ((b[i + 2] as number) & 0xc0) === 0x80 ? 3 : 0;
  }
  const lo = c === 0xf0 ? 0x90 : 0x80;
  const hi = c === 0xf4 ? 0x8f : 0xbf;
  if (c1 < lo || c1 > hi || i + 3 >= e) return 0;
  return ((b[i + 2] as number) & 0xc0) === 0x80 && ((b[i + 3] as number) & 0xc0) === 0x80 ? 4 : 0;
}

/** TextDecoder (and so `utf8` in types/bytes.ts) drops a leading byte-order mark. */
const startsWithBom = (b: Uint8Array, s: number, e: number): boolean =>
  e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf;

/** `b[s..e)` is well-formed UTF-8 without a leading BOM: what `utf8` (types/bytes.ts) gives back unchanged. */
export function validUtf8(b: Uint8Array, s: number, e: number): boolean {
  if (startsWithBom(b, s, e)) return false;
  for (let i = s; i < e; i++) {
    if ((b[i] as number) < 0x80) continue;
    const n = utf8SequenceLength(b, i, e);
    if (n === 0) return false;
    i += n - 1;
  }
  return true;
}

/** Digits of 0 <= v < 10^8 (1 for 0). */
function decimalLength(v: number): number {
  if (v < 10000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : 4;
  return v < 1000000 ? (v < 100000 ? 5 : 6) : v < 10000000 ? 7 : 8;
}

/** Writes 0 <= v < 10^8 as exactly `n` digits (zero-padded) at o[p..]; the position after them. */
function writeUint(o: Uint8Array, p: number, v: number, n: number): number {
  const end = p + n;
  let q = end;
  let x = v | 0;
  while (q - p >= 2) {
    const h = (x / 100) | 0;
    const r = (x - h * 100) << 1;
    o[--q] = DIGITS2[r + 1] as number;
    o[--q] = DIGITS2[r] as number;
    x = h;
  }
  if (q > p) o[p] = 48 + x;
  return end;
}

/** A copy of `b` in a SharedArrayBuffer of its size. */
export function sharedCopy(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(b.length));
  out.set(b);
  return out;
}

export class ByteWriter {
  buf: Uint8Array;
  /** a view of `buf` for the writers that store 2 or 4 bytes at once (hex, uuid, long text and copies) */
  private dv: DataView;
  pos = 0;
  /** set by the scanning writers (`utf8Text`, `string`) when they copied a byte `cls` marks special */
  special = false;
  /**
   * JSON writing inside an already opened CSV quote: every '"' of the JSON text is written doubled
   * (by `jsonQuote`, `jsonUtf8` and `doubleQuotesFrom`) and counted in `jsonQuotes`.
   */
  inQuotes = false;
  jsonQuotes = 0;
  /** the ASCII bytes `cls` marks special, each repeated in a 32-bit word (4 words; null: more than 4) */
  private readonly specialWords: Int32Array | null;
  /** the last array utf8Text read four bytes at a time, and a view of it (rows of a chunk share one) */
  private src: Uint8Array = NO_BYTES;
  private srcView: DataView = new DataView(NO_BYTES.buffer);
  /** the same for `bytes` (apart: the two alternate within a row) */
  private copySrc: Uint8Array = NO_BYTES;
  private copyView: DataView = new DataView(NO_BYTES.buffer);

  constructor(readonly cls: Uint8Array, initialBytes = 1 << 16) {
    this.buf = new Uint8Array(initialBytes);
    this.dv = new DataView(this.buf.buffer);
    const specials: number[] = [];
    for (let c = 0; c < 0x100; c++) if (cls[c] === SPECIAL) specials.push(c);
    // a special byte of 0x80 or more would be taken for part of a multi-byte sequence
    this.specialWords = specials.length === 0 || specials.length > 4 || specials.some((c) => c >= 0x80)
      ? null
      : Int32Array.from({ length: 4 }, (_, i) => (specials[i % specials.length] as number) * 0x01010101);
  }

  /** Room for `n` more bytes; returns the (possibly new) buffer. */
  ensure(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    return this.buf;
  }

  /**
   * The bytes written so far, as a fresh array the caller owns; the writer starts over. `shared`: in
   * a SharedArrayBuffer, which a worker posts to another thread without copying and without
   * detaching anything (workers-entry.ts).
   */
  take(shared = false): Uint8Array {
    const out = shared ? sharedCopy(this.buf.subarray(0, this.pos)) : this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** Raw copy of `b[s..e)` (already valid output bytes, e.g. a pre-encoded marker). */
  bytes(b: Uint8Array, s: number, e: number): void {
    const o = this.ensure(e - s);
    let p = this.pos;
    let i = s;
    if (e - s >= WORD_COPY_MIN) {
      // the partition key's text, copied into every row of its partition: four bytes at a time
      if (b !== this.copySrc) {
        this.copySrc = b;
        this.copyView = new DataView(b.buffer, b.byteOffset, b.byteLength);
      }
      const from = this.copyView;
      const to = this.dv;
      for (; i + 4 <= e; i += 4) {
        to.setInt32(p, from.getInt32(i, true), true);
        p += 4;
      }
    }
    for (; i < e; i++) o[p++] = b[i] as number;
    this.pos = p;
  }

  /** A string of ASCII characters only (number texts, formatted dates). */
  ascii(t: string): void {
    const o = this.ensure(t.length);
    let p = this.pos;
    for (let i = 0; i < t.length; i++) o[p++] = t.charCodeAt(i);
    this.pos = p;
  }

  /** Any string as UTF-8 (lone surrogates as U+FFFD, like TextEncoder), noting special bytes. */
  string(t: string): void {
    const o = this.ensure(3 * t.length);
    const cls = this.cls;
    let p = this.pos;
    let special = false;
    for (let i = 0; i < t.length; i++) {
      let c = t.charCodeAt(i);
      if (c < 0x80) {
        if (cls[c] === SPECIAL) special = true;
        o[p++] = c;
      } else if (c < 0x800) {
        o[p++] = 0xc0 | (c >> 6);
        o[p++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < t.length ? t.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
            o[p++] = 0xf0 | (c >> 18);
            o[p++] = 0x80 | ((c >> 12) & 0x3f);
            o[p++] = 0x80 | ((c >> 6) & 0x3f);
            o[p++] = 0x80 | (c & 0x3f);
            continue;
          }
          c = 0xfffd;
        }
        o[p++] = 0xe0 | (c >> 12);
        o[p++] = 0x80 | ((c >> 6) & 0x3f);
        o[p++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = p;
    if (special) this.special = true;
  }

  /**
   * Copies the UTF-8 text `b[s..e)`, noting special bytes. Returns false (nothing kept) when the bytes
   * are not exactly what `utf8` (types/bytes.ts) would give back: malformed UTF-8 or a leading BOM.
   */
  utf8Text(b: Uint8Array, s: number, e: number): boolean {
    const o = this.ensure(e - s);
    const cls = this.cls;
    let p = this.pos;
    // copy first and OR the byte classes (PLAIN 0, SPECIAL 1, MULTI 2): ASCII text, the usual
    // case, then costs one load, one store and one OR per byte; non-ASCII text is validated after
    let k = 0;
    let i = s;
    const words = this.specialWords;
    if (e - s >= WORD_COPY_MIN && words !== null) {
      // longer text four bytes at a time: one load and one store a word, its classes found by
      // testing each special byte for all four bytes at once (zeroByte), and the high bits
      if (b !== this.src) {
        this.src = b;
        this.srcView = new DataView(b.buffer, b.byteOffset, b.byteLength);
      }
      const from = this.srcView;
      const to = this.dv;
      const w0 = words[0] as number;
      const w1 = words[1] as number;
      const w2 = words[2] as number;
      const w3 = words[3] as number;
      let high = 0;
      let special = 0;
      for (; i + 4 <= e; i += 4) {
        const x = from.getInt32(i, true);
        to.setInt32(p, x, true);
        p += 4;
        high |= x;
        special |= zeroByte(x ^ w0) | zeroByte(x ^ w1) | zeroByte(x ^ w2) | zeroByte(x ^ w3);
      }
      if ((high & 0x80808080) !== 0) k |= MULTI;
      if (special !== 0) k |= SPECIAL;
    }
    for (; i < e; i++) {
      const c = b[i] as number;
      o[p++] = c;
      k |= cls[c] as number;
    }
    if (k === 0) {
      this.pos = p;
      return true;
    }
    if ((k & MULTI) !== 0 && !validUtf8(b, s, e)) return false;
    this.pos = p;
    if ((k & SPECIAL) !== 0) this.special = true;
    return true;
  }

  /** A '"' of JSON text (doubled inside a CSV quote). */
  jsonQuote(): void {
    const o = this.ensure(2);
    o[this.pos++] = 0x22;
    if (this.inQuotes) {
      o[this.pos++] = 0x22;
      this.jsonQuotes++;
    }
  }

  /** Inside a CSV quote: doubles the '"' written since `start` (text from the string path). */
  doubleQuotesFrom(start: number): void {
    if (!this.inQuotes) return;
    let quotes = 0;
    for (let i = start; i < this.pos; i++) if (this.buf[i] === 0x22) quotes++;
    if (quotes === 0) return;
    const o = this.ensure(quotes);
    let q = this.pos + quotes;
    for (let i = this.pos - 1; i >= start; i--) {
      const c = o[i] as number;
      o[--q] = c;
      if (c === 0x22) o[--q] = c;
    }
    this.pos += quotes;
    this.jsonQuotes += quotes;
  }

  /** JSON string literal of the UTF-8 text `b[s..e)` (JSON.stringify's escaping); false as utf8Text. */
  jsonUtf8(b: Uint8Array, s: number, e: number): boolean {
    const o = this.ensure(e - s + 4);
    const dq = this.inQuotes;
    let p = this.pos;
    o[p++] = 0x22;
    if (dq) o[p++] = 0x22;
    // printable ASCII other than '"' and '\\' is copied as is: copy, and look closer only if needed
    let k = 0;
    for (let i = s; i < e; i++) {
      const c = b[i] as number;
      o[p++] = c;
      k |= JSON_ESCAPED[c] as number;
    }
    if (k !== 0) return this.jsonUtf8Escaped(b, s, e);
    o[p++] = 0x22;
    if (dq) {
      o[p++] = 0x22;
      this.jsonQuotes += 2;
    }
    this.pos = p;
    return true;
  }

  private jsonUtf8Escaped(b: Uint8Array, s: number, e: number): boolean {
    if (startsWithBom(b, s, e)) return false;
    const o = this.ensure(6 * (e - s) + 4);
    const dq = this.inQuotes;
    let quotes = 2;
    let p = this.pos;
    o[p++] = 0x22;
    if (dq) o[p++] = 0x22;
    for (let i = s; i < e; i++) {
      const c = b[i] as number;
      if (c >= 0x20 && c < 0x80) {
        if (c === 0x22) {
          o[p++] = 0x5c;
          if (dq) o[p++] = 0x22;
          quotes++;
        } else if (c === 0x5c) o[p++] = 0x5c;
        o[p++] = c;
      } else if (c < 0x20) {
        o[p++] = 0x5c;
        const short = JSON_SHORT[c];
        if (short !== undefined) o[p++] = short;
        else {
          o[p++] = 0x75;
          o[p++] = 0x30;
          o[p++] = 0x30;
          o[p++] = HEX[2 * c] as number;
          o[p++] = HEX[2 * c + 1] as number;
        }
      } else {
        const n = utf8SequenceLength(b, i, e);
        if (n === 0) return false;
        for (let j = 0; j < n; j++) o[p++] = b[i + j] as number;
        i += n - 1;
      }
    }
    o[p++] = 0x22;
    if (dq) {
      o[p++] = 0x22;
      this.jsonQuotes += quotes;
    }
    this.pos = p;
    return true;
  }

  /** Decimal digits of a safe integer (|v| < 2^53). Needs 17 bytes of room. */
  digits(v: number): void {
    const o = this.buf;
    let p = this.pos;
    if (v < 0) {
      o[p++] = 0x2d;
      v = -v;
    }
    if (v < 100000000) {
      this.pos = writeUint(o, p, v, decimalLength(v));
      return;
    }
    // two int32-sized halves: v = hi·10^8 + lo, both exact below 2^53
    const hi = Math.floor(v / 100000000);
    const lo = v - hi * 100000000;
    p = writeUint(o, p, hi, decimalLength(hi));
    this.pos = writeUint(o, p, lo, 8);
  }

  /**
   * Lowercase hex of `b[s..e)`: two input bytes per step, their four digits stored at once (about
   * twice as fast as a byte at a time on the bench file's blobs, docs/extract.md "Session 8").
   */
  hex(b: Uint8Array, s: number, e: number): void {
    this.ensure(2 * (e - s));
    const v = this.dv;
    let p = this.pos;
    let i = s;
    for (; i + 1 < e; i += 2) {
      v.setUint32(p, (HEX16[b[i] as number] as number) | ((HEX16[b[i + 1] as number] as number) << 16), true);
      p += 4;
    }
    if (i < e) {
      v.setUint16(p, HEX16[b[i] as number] as number, true);
      p += 2;
    }
    this.pos = p;
  }

  /** 8-4-4-4-12 lowercase text of the 16 bytes at `s`. Needs 36 bytes of room. */
  uuid(b: Uint8Array, s: number): void {
    const v = this.dv;
    const o = this.buf;
    let p = this.pos;
    for (let i = 0; i < 16; i += 2) {
      if (i === 4 || i === 6 || i === 8 || i === 10) o[p++] = 0x2d;
      v.setUint32(p, (HEX16[b[s + i] as number] as number) | ((HEX16[b[s + i + 1] as number] as number) << 16), true);
      p += 4;
    }
    this.pos = p;
  }

  /** Text of a double as the JSON/CSV renderers give it: String(v), but "-0" for -0. */
  double(v: number): void {
    if (Number.isInteger(v) && v < 9007199254740992 && v > -9007199254740992) {
      if (v === 0 && 1 / v < 0) this.ascii('-0');
      else {
        this.ensure(17);
        this.digits(v);
      }
    } else if (!this.shortDecimal(v)) this.ascii(String(v));
  }

  /**
   * Number::toString of a non-integer v in [1e-6, 1e15) with at most 8 decimals, without a string:
   * for the smallest k with m = round(|v|·10^k) and m / 10^k === |v| (both operands exact, so the
   * division is the correctly rounded value of the decimal m·10^-k), m·10^-k is the shortest decimal
   * that reads back as v, and the nearest among those of its length: what ECMAScript prints, in plain
   * notation in this range. Returns false (nothing written) outside it.
   */
  private shortDecimal(v: number): boolean {
    const a = v < 0 ? -v : v;
    if (!(a >= 1e-6 && a < 1e15)) return false;
    for (let k = 1; k <= 8; k++) {
      const scale = POW10[k] as number;
      const x = a * scale;
      // below 2^50 the product's rounding error and the decimal's distance to `a` stay under 1/4
      if (x >= 1125899906842624) return false;
      const m = Math.round(x);
      if (m / scale !== a) continue;
      const ip = Math.floor(m / scale);
      const fr = m - ip * scale;
      this.ensure(28);
      if (v < 0) this.byte(0x2d);
      this.digits(ip);
      const o = this.buf;
      o[this.pos] = 0x2e;
      this.pos = writeUint(o, this.pos + 1, fr, k);
      return true;
    }
    return false;
  }

  /**
   * Ends the field written since `start`: when `force` or the field holds a special byte (scanned
   * here when `scan`, else as noted by the scanning writers), wraps it in quotes and doubles its
   * quotes (RFC 4180). Resets `special`.
   */
  quote(start: number, force: boolean, scan: boolean): void {
    let need = force || this.special;
    this.special = false;
    const end = this.pos;
    let o = this.buf;
    let quotes = 0;
    if (scan || need) {
      const cls = this.cls;
      for (let i = start; i < end; i++) {
        const c = o[i] as number;
        if (cls[c] === SPECIAL) {
          need = true;
          if (c === 0x22) quotes++;
        }
      }
    }
    if (!need) return;
    o = this.ensure(quotes + 2);
    let q = end + quotes + 1;
    o[q] = 0x22;
    this.pos = q + 1;
    if (quotes === 0) o.copyWithin(start + 1, start, end);
    else {
      for (let i = end - 1; i >= start; i--) {
        const c = o[i] as number;
        o[--q] = c;
        if (c === 0x22) o[--q] = c;
      }
    }
    o[start] = 0x22;
  }

  /** True when `b[s..e)` is exactly the bytes written since `start` (the null-marker check). */
  equals(start: number, m: Uint8Array): boolean {
    if (this.pos - start !== m.length) return false;
    const o = this.buf;
    for (let i = 0; i < m.length; i++) if (o[start + i] !== m[i]) return false;
    return true;
  }
}
