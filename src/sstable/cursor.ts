/**
 * A byte cursor over the uncompressed Data.db stream, fed one chunk at a time.
 *
 * Decoders are synchronous functions over a Cursor. When a structure runs past the bytes fed so far, the
 * cursor throws NEED_MORE (carrying how many bytes are needed, when known); the driver rewinds to the
 * start of the structure, feeds more chunks and decodes it again. Only the reads that span chunks are
 * stitched (the unread tail is copied in front of the next chunk); everything else is a view into the
 * chunk buffer. Buffers are never overwritten, so views stay valid (see src/sstable/model.ts).
 */
import { Buffer } from 'node:buffer';
import { AgentError } from '../errors.js';

export class NeedMoreData {
  /** stream offset up to which bytes are needed, or -1 if unknown ("at least one more chunk") */
  upTo = -1;
}

/** Thrown (as a shared instance, no stack) when the fed bytes end inside a structure. */
export const NEED_MORE = new NeedMoreData();

const EMPTY = new Uint8Array(0);
const TWO64 = 1n << 64n;
const I64_MAX = (1n << 63n) - 1n;

export class Cursor {
  buf: Uint8Array = EMPTY;
  private dv: DataView = new DataView(EMPTY.buffer);
  /** buf.buffer and buf.byteOffset, cached: reading `.buffer` costs more than the view it makes */
  private ab: ArrayBufferLike = EMPTY.buffer;
  private abOffset = 0;
  pos = 0;
  end = 0;
  /** stream offset of buf[0] */
  base = 0;
  /** no more chunks will come: running out of bytes is truncation, not NEED_MORE */
  final = false;

  constructor(readonly file: string) {}

  /** Stream offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Appends chunks (their bytes follow the fed stream directly). Rewind `pos` before calling. */
  feed(chunks: readonly Uint8Array[]): void {
    let add = 0;
    for (const c of chunks) add += c.length;
    const tail = this.end - this.pos;
    let nb: Uint8Array;
    if (tail === 0 && chunks.length === 1) {
      // a plain Uint8Array even when the chunk is a Buffer: one array class keeps every byte access
      // (here and in consumers of ViewCell.buf) monomorphic
      const chunk = chunks[0] as Uint8Array;
      nb = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    } else {
      // Not zero-filled (every byte is written just below): this stitch runs once per chunk in formats
      // whose structures straddle chunk ends (2.x atoms), and zeroing was about a sixth of its cost.
      const fresh = Buffer.allocUnsafeSlow(tail + add);
      nb = new Uint8Array(fresh.buffer, fresh.byteOffset, fresh.length);
      nb.set(this.buf.subarray(this.pos, this.end), 0);
      let o = tail;
      for (const c of chunks) {
        nb.set(c, o);
        o += c.length;
      }
    }
    this.base += this.pos;
    this.use(nb, 0);
  }

  /**
   * Moves onto `chunk` itself, uncopied, at pos: the fed bytes end with a copy of chunk[0, ...) and
   * this.buf[this.pos - pos] is chunk[0] (see unit-stream.ts: a structure straddling two chunks is decoded
   * in a small stitched copy, and decoding goes on in the chunk once past it).
   */
  adopt(chunk: Uint8Array, pos: number): void {
    this.base += this.pos - pos;
    this.use(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), pos);
  }

  private use(nb: Uint8Array, pos: number): void {
    this.buf = nb;
    this.dv = new DataView(nb.buffer, nb.byteOffset, nb.byteLength);
    this.ab = nb.buffer;
    this.abOffset = nb.byteOffset;
    this.pos = pos;
    this.end = nb.length;
  }

  /** Skips to a stream offset inside or after the fed bytes (used to start mid-stream). */
  discardTo(streamOffset: number): void {
    const rel = streamOffset - this.base;
    if (rel <= this.end) {
      this.pos = rel;
    } else {
      this.base = streamOffset;
      this.buf = EMPTY;
      this.dv = new DataView(EMPTY.buffer);
      this.ab = EMPTY.buffer;
      this.abOffset = 0;
      this.pos = 0;
      this.end = 0;
    }
  }

  /**
   * Ensures n more bytes are available. Every read checks through here, so that the slow path is
   * called from one site: V8 records a call site's feedback the first time it runs, and optimised code
   * reaching a site without feedback is thrown away. With a call per read method, each method's first
   * read across a chunk end (at a random point in the first hundred chunks or so) discarded the
   * optimised decoder loop, which was then compiled again: 4-5 times per thread on the bench file, 40 ms
   * of compiling each (docs/extract.md, "Session 8"). Through one site, the first read across a chunk end
   * gives the feedback, before anything is optimised.
   */
  need(n: number): void {
    if (this.pos + n > this.end) this.short(n);
  }

  private short(n: number): never {
    if (this.final) {
      throw new AgentError('E_TRUNCATED', `Data.db ends inside a structure: ${n} bytes needed, ${this.end - this.pos} left`, {
        file: this.file,
        offset: this.base + this.pos,
      });
    }
    NEED_MORE.upTo = n > 65536 ? this.base + this.pos + n : -1;
    throw NEED_MORE;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.dv.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.dv.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * A view of the next n bytes: a plain Uint8Array (constructing one is about twice as fast as
   * subarray, which looks up the species constructor; for a Buffer it also makes a Buffer).
   */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = new Uint8Array(this.ab, this.abOffset + this.pos, n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /**
   * Unsigned vint (§5.1) as a number. Exact below 2^53; lengths and counts always are. Values that need
   * more bits throw E_BAD_FORMAT (use uvintBig for those fields).
   */
  uvint(): number {
    this.need(1);
    const b0 = this.buf[this.pos] as number;
    if (b0 < 0x80) {
      this.pos++;
      return b0;
    }
    const extra = Math.clz32(~(b0 << 24)) ;
    this.need(1 + extra);
    if (extra > 6) {
      const big = this.uvintBig();
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new AgentError('E_BAD_FORMAT', `variable-length integer ${big} is too large for a length or count`, { file: this.file, offset: this.offset });
      }
      return Number(big);
    }
    let v = b0 & (0xff >> extra);
    const buf = this.buf;
    let p = this.pos + 1;
    for (let i = 0; i < extra; i++) v = v * 256 + (buf[p++] as number);
    this.pos = p;
    return v;
  }

  /** Unsigned vint as a bigint (0 .. 2^64-1). */
  uvintBig(): bigint {
    this.need(1);
    const b0 = this.buf[this.pos] as number;
    if (b0 < 0x80) {
      this.pos++;
      return BigInt(b0);
    }
    const extra = Math.clz32(~(b0 << 24));
    this.need(1 + extra);
    const buf = this.buf;
    let p = this.pos + 1;
    if (extra <= 6) {
      let v = b0 & (0xff >> extra);
      for (let i = 0; i < extra; i++) v = v * 256 + (buf[p++] as number);
      this.pos = p;
      return BigInt(v);
    }
    let v = BigInt(b0 & (0xff >> extra));
    for (let i = 0; i < extra; i++) v = (v << 8n) | BigInt(buf[p++] as number);
    this.pos = p;
    return v;
  }

  /** The low 32 bits of an unsigned vint, as a signed i32 (for LDT/TTL deltas, pitfall P1). */
  uvintLow32(): number {
    this.need(1);
    const b0 = this.buf[this.pos] as number;
    if (b0 < 0x80) {
      this.pos++;
      return b0;
    }
    const extra = Math.clz32(~(b0 << 24));
    this.need(1 + extra);
    const buf = this.buf;
    let p = this.pos + 1;
    let v = b0 & (0xff >> extra);
    // Only the last four bytes (and, for short forms, bits of b0) reach the low 32 bits.
    for (let i = 0; i < extra; i++) v = ((v << 8) | (buf[p++] as number)) | 0;
    this.pos = p;
    return v | 0;
  }

  /** vbytes: uvint length + bytes (view). */
  vbytes(): Uint8Array {
    const n = this.uvint();
    return this.bytes(n);
  }
}

const I64_SCRATCH = new BigInt64Array(1);
const U32_SCRATCH = new Uint32Array(I64_SCRATCH.buffer);
/** index of the low 32-bit word of an i64 in U32_SCRATCH: 0 on little-endian machines */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * BigInt(x) for an integer x with |x| <= 2^53, through a BigInt64Array: BigInt(number) is a runtime
 * call, this load is compiled inline (about 8 ns instead of 60 on V8 11), and the decoders make one
 * per row. x must be such an integer (not checked).
 */
export function exactBigInt(x: number): bigint {
  U32_SCRATCH[LO] = x >>> 0;
  U32_SCRATCH[1 - LO] = Math.floor(x / 4294967296);
  return I64_SCRATCH[0] as bigint;
}

/** i64 two's-complement wrap of base + unsigned delta (§5.2). */
export function addWrap64(base: bigint, delta: bigint): bigint {
  const t = base + delta;
  return t > I64_MAX ? t - TWO64 : t;
}
