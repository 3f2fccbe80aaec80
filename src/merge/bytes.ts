/**
 * Byte-sequence orders used by partitioners, cell paths and reconciliation.
 */

/** Unsigned lexicographic order; a strict prefix sorts first (ByteBufferUtil.compareUnsigned). */
export function compareUnsigned(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Java `ByteBuffer.compareTo`: lexicographic over SIGNED bytes (0x80 < 0x7F), a strict prefix sorts first.
 * Cassandra's cell reconciliation (Conflicts.resolveRegular) breaks timestamp ties with it (pitfall P18).
 */
export function compareSigned(a: Uint8Array, b: Uint8Array): number {
  return compareSignedRanges(a, 0, a.length, b, 0, b.length);
}

/** compareSigned of a[aStart, aStart + aLength) and b[bStart, bStart + bLength), without making views. */
export function compareSignedRanges(a: Uint8Array, aStart: number, aLength: number, b: Uint8Array, bStart: number, bLength: number): number {
  const n = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < n; i++) {
    const x = a[aStart + i] as number;
    const y = b[bStart + i] as number;
    if (x !== y) return ((x << 24) >> 24) < ((y << 24) >> 24) ? -1 : 1;
  }
  return aLength === bLength ? 0 : aLength < bLength ? -1 : 1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
