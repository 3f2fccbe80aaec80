/**
 * A growable big-endian byte buffer: the serializer's scratch space and the builder of the small
 * components. Mirrors Cassandra's DataOutputPlus (`writeUnsignedVInt`, `writeVInt`, `writeUTF`, ...).
 *
 * Ownership: `view()` returns a view into the internal buffer, valid until the next write or `reset()`.
 */

const I64_MASK = (1n << 64n) - 1n;

export class ByteSink {
  private buf: Uint8Array;
  private dv: DataView;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.length = 0;
  }

  /** Bytes written so far (a view, see the ownership note). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.length, v);
    this.length += 2;
  }

  i16(v: number): void {
    this.ensure(2);
    this.dv.setInt16(this.length, v);
    this.length += 2;
  }

  i32(v: number): void {
    this.ensure(4);
    this.dv.setInt32(this.length, v);
    this.length += 4;
  }

  i32le(v: number): void {
    this.ensure(4);
    this.dv.setInt32(this.length, v, true);
    this.length += 4;
  }

  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.dv.setBigInt64(this.length, BigInt.asIntN(64, v));
    this.length += 8;
  }

  i64le(v: bigint): void {
    this.ensure(8);
    this.dv.setBigInt64(this.length, BigInt.asIntN(64, v), true);
    this.length += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.length, v);
    this.length += 8;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Unsigned vint (§5.1) of a non-negative safe integer (lengths, counts, sizes). */
  uvint(v: number): void {
    if (v < 0x80) {
      this.u8(v);
      return;
    }
    if (v > 0x7fffffff) {
      this.uvintBig(BigInt(v));
      return;
    }
    let extra = 1;
    while (extra < 4 && v >= 2 ** (7 * (extra + 1))) extra++;
    this.ensure(extra + 1);
    let x = v;
    for (let i = extra; i >= 1; i--) {
      this.buf[this.length + i] = x & 0xff;
      x = Math.floor(x / 256);
    }
    this.buf[this.length] = ((0xff00 >> extra) & 0xff) | x;
    this.length += extra + 1;
  }

  /** Unsigned vint of a 64-bit value; negative inputs are taken as their two's complement (P1). */
  uvintBig(v: bigint): void {
    const u = v & I64_MASK;
    if (u < 0x80000000n) {
      this.uvint(Number(u));
      return;
    }
    let extra = 0;
    while (extra < 8 && u >= 1n << BigInt(7 * (extra + 1))) extra++;
    this.ensure(extra + 1);
    let x = u;
    for (let i = extra; i >= 1; i--) {
      this.buf[this.length + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.buf[this.length] = extra === 8 ? 0xff : ((0xff00 >> extra) & 0xff) | Number(x);
    this.length += extra + 1;
  }

  /** Signed zig-zag vint (`writeVInt`). */
  vint(v: number): void {
    const b = BigInt(v);
    this.uvintBig((b << 1n) ^ (b >> 63n));
  }

  /** `vbytes`: uvint length, then the bytes. */
  vbytes(b: Uint8Array): void {
    this.uvint(b.length);
    this.bytes(b);
  }

  /** Java `DataOutput.writeUTF`: u16 byte count + modified UTF-8 (NUL as C0 80, CESU-8 surrogates). */
  utf(s: string): void {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 1 && c <= 0x7f) out.push(c);
      else if (c <= 0x7ff) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
    this.u16(out.length);
    this.bytes(Uint8Array.from(out));
  }
}

/** Bytes an unsigned vint of `v` takes (`TypeSizes.sizeofUnsignedVInt`). */
export function uvintSize(v: number): number {
  let n = 1;
  while (n < 9 && v >= 2 ** (7 * n)) n++;
  return n;
}
