/**
 * 2.x cell names and range-tombstone bounds (§6.3, §6.5): CompositeType scanning without allocation,
 * and bound decoding as 3.11 LegacyLayout.decodeBound does.
 */
import { AgentError } from '../../errors.js';
import { BoundKind, type Bound, type ClusteringValues } from '../model.js';

/** CompositeType.STATIC_MARKER: a u16 0xFFFF before the first component of a static name. */
const STATIC_MARKER = 0xffff;

/**
 * The components of one composite name, as offsets into `buf` (reused from name to name).
 * Component i is buf[start(i), start(i) + length(i)), followed by its end-of-component byte at eocAt(i).
 */
export class CompositeScan {
  buf: Uint8Array = new Uint8Array(0);
  count = 0;
  isStatic = false;
  /** offset of the first component (2 for static names) */
  first = 0;
  private offs = new Int32Array(24);
  /** buf.buffer and buf.byteOffset, read once per buffer: `.buffer` costs more than the view it makes */
  private ab: ArrayBufferLike = this.buf.buffer;
  private abOffset = 0;

  /** Scans buf[from, end). @throws AgentError E_BAD_FORMAT when a component overruns the name or there are more than `max` */
  scan(buf: Uint8Array, from: number, end: number, max: number, file: string, offset: number): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.ab = buf.buffer;
      this.abOffset = buf.byteOffset;
    }
    let p = from;
    this.isStatic = end - from >= 2 && (((buf[from] as number) << 8) | (buf[from + 1] as number)) === STATIC_MARKER;
    if (this.isStatic) p = from + 2;
    this.first = p;
    let n = 0;
    while (p < end) {
      if (p + 2 > end) throw bad('ends inside a component length', file, offset);
      const len = ((buf[p] as number) << 8) | (buf[p + 1] as number);
      const start = p + 2;
      if (start + len + 1 > end) throw bad(`has a component of ${len} bytes that overruns it`, file, offset);
      if (n >= max) throw bad(`has more than ${max} components`, file, offset);
      if (2 * n + 1 >= this.offs.length) {
        const grown = new Int32Array(this.offs.length * 2);
        grown.set(this.offs);
        this.offs = grown;
      }
      this.offs[2 * n] = start;
      this.offs[2 * n + 1] = len;
      n++;
      p = start + len + 1;
    }
    this.count = n;
  }

  start(i: number): number {
    return this.offs[2 * i] as number;
  }

  length(i: number): number {
    return this.offs[2 * i + 1] as number;
  }

  /** offset of the end-of-component byte of component i */
  eocAt(i: number): number {
    return (this.offs[2 * i] as number) + (this.offs[2 * i + 1] as number);
  }

  /** the signed end-of-component byte of the last component (0 when there is none) */
  lastEoc(): number {
    if (this.count === 0) return 0;
    return ((this.buf[this.eocAt(this.count - 1)] as number) << 24) >> 24;
  }

  view(i: number): Uint8Array {
    return new Uint8Array(this.ab, this.abOffset + (this.offs[2 * i] as number), this.offs[2 * i + 1] as number);
  }

  /** Views of components [0, k), padded with nulls to `size` (dense prefixes). */
  values(k: number, size: number): (Uint8Array | null)[] {
    const out = new Array<Uint8Array | null>(size);
    for (let i = 0; i < size; i++) out[i] = i < k ? this.view(i) : null;
    return out;
  }

  /**
   * The bytes that identify the clustering of the first k components: from the first component to the
   * end-of-component byte of component k-1, exclusive. Cell names and bounds of one row agree on them
   * (only the last EOC of a bound differs).
   */
  key(k: number): Uint8Array {
    return this.buf.subarray(this.first, this.keyEnd(k));
  }

  /** end offset of key(k) */
  keyEnd(k: number): number {
    return k === 0 ? this.first : this.eocAt(k - 1);
  }
}

/**
 * buf[start, start + length) as a view. The constructor is about twice as fast as subarray (which looks up
 * the species constructor). Per-value views come from CompositeScan.view, which reads `buffer` and
 * `byteOffset` once per chunk (each read of `.buffer` is a call); this is for the rarer single views.
 */
export function viewOf(buf: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, length);
}

function bad(what: string, file: string, offset: number): AgentError {
  return new AgentError('E_BAD_FORMAT', `2.x cell name ${what}`, { file, offset });
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** a equals b[start, end) */
export function sameRange(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  const n = a.length;
  if (n !== end - start) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

export const BOTTOM: Bound = Object.freeze({ kind: BoundKind.INCL_START_BOUND, values: Object.freeze([]) as ClusteringValues });
export const TOP: Bound = Object.freeze({ kind: BoundKind.INCL_END_BOUND, values: Object.freeze([]) as ClusteringValues });

/**
 * A bound of the first k components of a scanned composite (LegacyLayout.decodeBound, compound case):
 * a start includes its prefix iff EOC <= 0, an end iff EOC >= 0; an end with EOC 0 on a strict prefix
 * stops before anything longer (CASSANDRA-12423), which an extra empty component expresses.
 */
export function compoundBound(s: CompositeScan, k: number, eoc: number, isStart: boolean, clusteringSize: number): Bound {
  const values: Uint8Array[] = [];
  for (let i = 0; i < k; i++) values.push(s.view(i));
  if (isStart) return { kind: eoc <= 0 ? BoundKind.INCL_START_BOUND : BoundKind.EXCL_START_BOUND, values };
  if (eoc === 0 && k < clusteringSize) {
    values.push(new Uint8Array(0));
    return { kind: BoundKind.EXCL_END_BOUND, values };
  }
  return { kind: eoc >= 0 ? BoundKind.INCL_END_BOUND : BoundKind.EXCL_END_BOUND, values };
}

/** True for the "before prefix" bound kinds (inclusive starts, exclusive ends and their boundary). */
export function isBeforeKind(k: BoundKind): boolean {
  return k === BoundKind.INCL_START_BOUND || k === BoundKind.EXCL_END_BOUND || k === BoundKind.EXCL_END_INCL_START_BOUNDARY;
}
