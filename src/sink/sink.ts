/**
 * Where an export goes. Keys are '/'-separated and relative to the output root (a local directory, or
 * s3://bucket/prefix/); the layout under the root is the contract of docs/dms-mapping.md:
 *   <keyspace>/<table>/LOAD00000001.csv …, dms/*.json, manifest.json
 *
 * Contract of every sink:
 * - `put` resolves only once the object is durable and verified under its final key (local: fsync +
 *   rename; S3: the multipart upload completed and HeadObject/checksum checked); it never leaves a
 *   partial object under the final key, and rejects with an AgentError naming the key otherwise.
 * - a put of an existing key replaces it (keys are deterministic: a resumed export rewrites a file).
 * - `body` pieces are read once, in order; the sink may keep them until the put settles.
 */
import { AgentError } from '../errors.js';
import { ThreadHash } from './hash-thread.js';

export interface PutMeta {
  readonly contentType: string;
  /** lowercase hex SHA-256 of the body when the caller knows it up front; checked against the bytes */
  readonly sha256?: string;
}

export interface PutResult {
  readonly key: string;
  readonly bytes: number;
  /** lowercase hex SHA-256 of the bytes the sink received */
  readonly sha256: string;
  /** where the object is: a file path or s3://bucket/key */
  readonly location: string;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export interface PutOptions {
  readonly signal?: AbortSignal;
}

export interface Sink {
  /** e.g. "/data/out" or "s3://bucket/prefix"; for messages and the manifest */
  readonly root: string;
  put(key: string, body: AsyncIterable<Uint8Array> | Uint8Array, meta: PutMeta, opts?: PutOptions): Promise<PutResult>;
  /** the object's size, or null when it does not exist */
  head(key: string): Promise<ObjectInfo | null>;
  /** objects whose key starts with `prefix`, in key order */
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
  /** releases clients and handles; puts in flight are not awaited */
  close(): Promise<void>;
}

/**
 * @throws AgentError E_BAD_ARGUMENT for a key that could leave the root: empty, absolute, with
 * backslashes, NUL, or '.'/'..'/empty segments
 */
export function checkKey(key: string): string {
  const bad = key === '' || key.startsWith('/') || key.includes('\\') || key.includes('\0') || key.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new AgentError('E_BAD_ARGUMENT', `object key ${JSON.stringify(key)} must be a relative '/'-separated path without empty, '.' or '..' segments`);
  return key;
}

/**
 * Counts and hashes the bytes of a body as it passes: the SHA-256 is computed in the hashing thread
 * (hash-thread.ts), beside the producer.
 */
export class BodyMeter {
  bytes = 0;
  private readonly hash = new ThreadHash();
  private digest: Promise<string> | null = null;

  /** Resolves once the piece is handed to the hashing thread (it may wait for room there). */
  update(piece: Uint8Array): Promise<void> {
    this.bytes += piece.byteLength;
    return this.hash.update(piece);
  }

  /** lowercase hex; the meter takes no more bytes after this */
  sha256(): Promise<string> {
    this.digest ??= this.hash.digest();
    return this.digest;
  }

  /** The body was not stored: the hash is dropped. */
  abandon(): void {
    this.hash.abandon();
  }
}

/** The body as an async iterable of pieces (a Uint8Array body is one piece). */
export async function* bodyPieces(body: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  yield* body;
}

/** @throws AgentError E_VERIFY when the caller's expected SHA-256 differs from the bytes received */
export function checkExpectedSha(key: string, meta: PutMeta, actual: string, location: string): void {
  if (meta.sha256 !== undefined && meta.sha256.toLowerCase() !== actual) {
    throw new AgentError('E_VERIFY', `SHA-256 of ${key} is ${actual}, the producer computed ${meta.sha256}`, { file: location });
  }
}
