/**
 * What the S3 sink computes while a body streams, to verify the object after upload:
 * - the SHA-256 of the whole body (the value reported in PutResult and the manifest);
 * - the SHA-256 of each multipart part, cut at `partSize` exactly as lib-storage cuts a stream (every
 *   part but the last is partSize bytes), so that S3's COMPOSITE object checksum can be predicted:
 *   base64(sha256(part digest 1 ‖ … ‖ part digest N)) + "-N" (checking-object-integrity, dms-formats.md
 *   §5.3). A body of one part goes up as a single PutObject, whose checksum is the full-object digest.
 */
import { createHash, type Hash } from 'node:crypto';

export interface UploadDigest {
  readonly bytes: number;
  /** lowercase hex of the whole body */
  readonly sha256: string;
  readonly fullBase64: string;
  /** the COMPOSITE checksum S3 reports for a multipart object */
  readonly composite: string;
  readonly parts: number;
}

export class MultipartDigest {
  bytes = 0;
  private readonly whole: Hash = createHash('sha256');
  private part: Hash = createHash('sha256');
  private inPart = 0;
  private readonly parts: Buffer[] = [];

  constructor(private readonly partSize: number) {}

  update(piece: Uint8Array): void {
    this.bytes += piece.byteLength;
    this.whole.update(piece);
    let off = 0;
    while (off < piece.byteLength) {
      const take = Math.min(this.partSize - this.inPart, piece.byteLength - off);
      this.part.update(off === 0 && take === piece.byteLength ? piece : piece.subarray(off, off + take));
      this.inPart += take;
      off += take;
      if (this.inPart === this.partSize) this.closePart();
    }
  }

  private closePart(): void {
    this.parts.push(this.part.digest());
    this.part = createHash('sha256');
    this.inPart = 0;
  }

  /** Call once, after the last piece. */
  finish(): UploadDigest {
    if (this.inPart > 0 || this.parts.length === 0) this.closePart();
    const full = this.whole.digest();
    const n = this.parts.length;
    const composite = `${createHash('sha256').update(Buffer.concat(this.parts)).digest('base64')}-${n}`;
    return { bytes: this.bytes, sha256: full.toString('hex'), fullBase64: full.toString('base64'), composite, parts: n };
  }
}

/**
 * Whether a ChecksumSHA256 returned by HeadObject matches the body: "<base64>" is a full-object
 * digest (single PutObject), "<base64>-N" a composite of N parts.
 */
export function checksumMatches(returned: string, expected: { fullBase64: string; composite: string }): boolean {
  return returned.includes('-') ? returned === expected.composite : returned === expected.fullBase64;
}
