/**
 * Builders of hand-made 2.x Data.db bytes (§6.1, §6.2): composite names, cells, range tombstones,
 * partitions, and a DataSource over them in chunks of chosen sizes.
 */
import type { DataChunk, DataSource } from '../../src/sstable/io/data-source.js';

export type Part = Uint8Array | string | number;
const utf8 = new TextEncoder();
export const int = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const bytesOf = (p: Part): Uint8Array => (typeof p === 'number' ? int(p) : typeof p === 'string' ? utf8.encode(p) : p);
export const cat = (...xs: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};
export const u16 = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 255]);
export const i64 = (n: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, n);
  return b;
};

/** CompositeType name: components with EOC 0, the last one's EOC `eoc`; `isStatic` prefixes FF FF. */
export function comp(parts: Part[], eoc = 0, isStatic = false): Uint8Array {
  const out: Uint8Array[] = isStatic ? [new Uint8Array([0xff, 0xff])] : [];
  parts.forEach((p, i) => {
    const b = bytesOf(p);
    out.push(u16(b.length), b, new Uint8Array([i === parts.length - 1 ? eoc & 255 : 0]));
  });
  return cat(...out);
}

export interface CellOpts { ts: number; value?: Part; ttl?: number; exp?: number; deletedAt?: number; lastDelete?: number }
export function cell(name: Part, o: CellOpts): Uint8Array {
  const n = bytesOf(name);
  const v = o.deletedAt !== undefined ? int(o.deletedAt) : o.value === undefined ? new Uint8Array(0) : bytesOf(o.value);
  const head = cat(u16(n.length), n);
  const body = cat(i64(BigInt(o.ts)), int(v.length), v);
  if (o.lastDelete !== undefined) return cat(head, new Uint8Array([0x04]), i64(BigInt(o.lastDelete)), body);
  if (o.ttl !== undefined) return cat(head, new Uint8Array([0x02]), int(o.ttl), int(o.exp ?? 0), body);
  return cat(head, new Uint8Array([o.deletedAt !== undefined ? 0x01 : 0x00]), body);
}
export function rt(min: Part, max: Part, ts: number, ldt = 1000): Uint8Array {
  const a = bytesOf(min);
  const b = bytesOf(max);
  return cat(u16(a.length), a, new Uint8Array([0x10]), u16(b.length), b, int(ldt), i64(BigInt(ts)));
}
export function partition(key: Part, atoms: Uint8Array[], deletedAt?: number): Uint8Array {
  const k = bytesOf(key);
  const dt = deletedAt === undefined ? cat(int(0x7fffffff), i64(-(1n << 63n))) : cat(int(2000), i64(BigInt(deletedAt)));
  return cat(u16(k.length), k, dt, ...atoms, u16(0));
}

/** A DataSource over bytes, in chunks of the given sizes (the last size repeats). */
export function source(data: Uint8Array, sizes: number[] = [data.length || 1]): DataSource {
  const chunks: DataChunk[] = [];
  for (let o = 0, i = 0; o < data.length; i++) {
    const n = Math.max(1, sizes[Math.min(i, sizes.length - 1)] as number);
    chunks.push({ bytes: data.slice(o, o + n), offset: o, index: i });
    o += n;
  }
  return {
    path: '/data/ks/t/la-1-big-Data.db',
    uncompressedLength: data.length,
    compressor: null,
    chunkLength: sizes[0] ?? 1,
    chunks(opts = {}) {
      const start = opts.start ?? 0;
      return (async function* () {
        for (const c of chunks) if (c.offset + c.bytes.length > start) yield c;
      })();
    },
    close: async () => {},
  };
}

