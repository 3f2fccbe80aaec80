/**
 * A bounds-checked big-endian reader for the small metadata components (CompressionInfo.db,
 * Statistics.db, Summary.db, Index.db). Reading past the end throws E_TRUNCATED naming the file and the
 * offset. Not the Data.db cursor: that one is tuned for the hot path elsewhere.
 */
import { AgentError } from '../../errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: false });

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly file: string;
  pos: number;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, file: string, pos = 0) {
    this.bytes = bytes;
    this.file = file;
    this.pos = pos;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws E_TRUNCATED unless n more bytes are available. */
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new AgentError('E_TRUNCATED', `file ends inside ${what}: need ${n} bytes, ${this.remaining} left`, { file: this.file, offset: this.pos });
    }
  }

  /** Throws E_BAD_FORMAT at the current position. */
  fail(message: string): never {
    throw new AgentError('E_BAD_FORMAT', message, { file: this.file, offset: this.pos });
  }

  seek(pos: number, what: string): void {
    if (pos < 0 || pos > this.bytes.length) {
      throw new AgentError('E_TRUNCATED', `${what} at offset ${pos} lies beyond the end of the file (${this.bytes.length} bytes)`, { file: this.file, offset: pos });
    }
    this.pos = pos;
  }

  skip(n: number, what = 'a skipped field'): void {
    this.need(n, what);
    this.pos += n;
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  bool(what = 'a boolean'): boolean {
    return this.u8(what) !== 0;
  }

  u16(what = 'a u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  i32(what = 'an i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  u32(what = 'a u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  i32le(what = 'an i32 (LE)'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i64(what = 'an i64'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /** An i64 that must be a non-negative safe integer (file offsets, lengths). */
  i64Number(what = 'an i64'): number {
    const at = this.pos;
    const v = this.i64(what);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new AgentError('E_BAD_FORMAT', `${what} out of range: ${v}`, { file: this.file, offset: at });
    }
    return Number(v);
  }

  i64leNumber(what = 'an i64 (LE)'): number {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, true);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} out of range: ${v}`);
    this.pos += 8;
    return Number(v);
  }

  f64(what = 'an f64'): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view (not a copy) of the next n bytes. */
  bytesView(n: number, what = 'a byte string'): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Java DataOutput.writeUTF: u16 length + modified UTF-8 (NUL as C0 80, CESU-8 surrogate pairs). */
  utf(what = 'a string'): string {
    const n = this.u16(what);
    return decodeModifiedUtf8(this.bytesView(n, what));
  }

  /**
   * Cassandra unsigned vint (§5.1; C/utils/vint/VIntCoding.readUnsignedVInt): the leading 1-bits of the
   * first byte count the extra bytes. Returns the full 64-bit payload.
   */
  uvint(what = 'a vint'): bigint {
    this.need(1, what);
    const first = this.bytes[this.pos] as number;
    if (first < 0x80) {
      this.pos++;
      return BigInt(first);
    }
    const extra = Math.clz32(~(first << 24));
    this.need(1 + extra, what);
    let hi = 0;
    let lo = first & (0xff >> extra);
    // Accumulate in two 32-bit halves: at most 8 extra bytes plus the first byte's low bits (64 bits).
    for (let k = 1; k <= extra; k++) {
      const b = this.bytes[this.pos + k] as number;
      hi = ((hi << 8) | (lo >>> 24)) >>> 0;
      lo = ((lo << 8) | b) >>> 0;
    }
    this.pos += 1 + extra;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A uvint used as a length or count: must fit in 31 bits (Cassandra casts these to int). */
  uvintLength(what = 'a length'): number {
    const at = this.pos;
    const v = this.uvint(what);
    if (v > 0x7fffffffn) throw new AgentError('E_BAD_FORMAT', `${what} out of range: ${v}`, { file: this.file, offset: at });
    return Number(v);
  }

  /** `vbytes`: uvint length then that many bytes (a view). */
  vbytes(what = 'a byte string'): Uint8Array {
    const n = this.uvintLength(what);
    return this.bytesView(n, what);
  }
}

/** Decodes Java's modified UTF-8; plain ASCII takes the fast path. */
export function decodeModifiedUtf8(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if ((b[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return UTF8.decode(b);
  const units: number[] = [];
  for (let i = 0; i < b.length;) {
    const c = b[i] as number;
    if (c < 0x80) {
      units.push(c);
      i += 1;
    } else if ((c & 0xe0) === 0xc0 && i + 1 < b.length) {
      units.push(((c & 0x1f) << 6) | ((b[i + 1] as number) & 0x3f));
      i += 2;
    } else if ((c & 0xf0) === 0xe0 && i + 2 < b.length) {
      units.push(((c & 0x0f) << 12) | (((b[i + 1] as number) & 0x3f) << 6) | ((b[i + 2] as number) & 0x3f));
      i += 3;
    } else {
      units.push(0xfffd);
      i += 1;
    }
  }
  let s = '';
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
  return s;
}
