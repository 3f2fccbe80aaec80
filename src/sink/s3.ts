/**
 * The S3 sink: AWS SDK v3 multipart upload (`@aws-sdk/lib-storage` Upload) under s3://bucket/prefix/.
 *
 * Guarantees (dms-formats.md §5; lib-storage issue #2311: never report success for an object that
 * lacks a part):
 * - every S3 request is retried under ONE policy (src/util/retry.ts, default S3_REQUEST_RETRY_POLICY):
 *   the SDK's own `retryMiddleware` is replaced by ours (same name, override), so the request is
 *   signed afresh on each attempt and the SDK does no other retrying. Waits end when the put's
 *   AbortSignal fires (the signal reaches the middleware through AsyncLocalStorage, since Upload
 *   takes no per-request signal).
 * - on failure lib-storage aborts the multipart upload (leavePartsOnError: false); the sink then lists
 *   the key's multipart uploads and aborts any that is left, and says in the error if it could not.
 * - after upload: HeadObject must report exactly the bytes sent, and the SHA-256 computed while
 *   streaming must match, either S3's ChecksumSHA256 (parts are uploaded with ChecksumAlgorithm
 *   SHA256, so S3 also checks each part on arrival) or, when the store returns no checksum (some
 *   S3-compatible stores), the object read back. A mismatch deletes the object and rejects (E_VERIFY).
 *
 * Credentials: the SDK's default provider chain (env, shared files with AWS_PROFILE, SSO, web
 * identity, ECS/EC2 metadata); `profile` sets the client's profile, which is the same as AWS_PROFILE
 * for this client (@aws-sdk/credential-providers `fromIni` is not installed and is not needed).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, S3Client, type PutObjectCommandInput, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AgentError, isAgentError } from '../errors.js';
import { isAbortError } from '../util/abort.js';
import { S3_REQUEST_RETRY_POLICY, withRetry, type RetryPolicy } from '../util/retry.js';
import { checksumMatches, MultipartDigest, type UploadDigest } from './s3-verify.js';
import { bodyPieces, checkExpectedSha, checkKey, type ObjectInfo, type PutMeta, type PutOptions, type PutResult, type Sink } from './sink.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 4;

export interface S3SinkOptions {
  readonly bucket: string;
  /** key prefix without leading or trailing '/' ('' = the bucket root) */
  readonly prefix?: string;
  readonly region?: string;
  /** S3-compatible endpoint (path-style addressing unless forcePathStyle is false) */
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  /** a profile of the shared config/credentials files (same as AWS_PROFILE for this client) */
  readonly profile?: string;
  /** static credentials (S3-compatible stores, tests); default: the provider chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** SSE-S3 ('AES256') or SSE-KMS ('aws:kms', with sseKmsKeyId or the AWS-managed key) */
  readonly sse?: 'AES256' | 'aws:kms';
  readonly sseKmsKeyId?: string;
  /** multipart part size in bytes, at least 5 MiB; default 8 MiB */
  readonly partSize?: number;
  /** parts uploaded concurrently per object; memory ≈ queueSize × partSize; default 4 */
  readonly queueSize?: number;
  readonly retry?: RetryPolicy;
  /** 'checksum' (default): size + SHA-256 (server checksum, else read back); 'size': size only */
  readonly verify?: 'checksum' | 'size';
  /** called before each retry wait (for logs and tests) */
  readonly onRetry?: (info: { key: string; attempt: number; delayMs: number; error: unknown }) => void;
  /** a ready client (tests); its retry middleware is replaced as described above */
  readonly client?: S3Client;
}

/** What the retry middleware knows of the put a request belongs to. */
interface RequestScope {
  readonly key: string;
  readonly signal?: AbortSignal;
  /** requests of this put still running (lib-storage's done() rejects on abort before they settle) */
  readonly inflight: Set<Promise<unknown>>;
}

/** `s3://bucket/prefix` -> parts. @throws AgentError E_BAD_ARGUMENT */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  const bucket = m?.[1];
  if (m === null || bucket === undefined || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new AgentError('E_BAD_ARGUMENT', `${JSON.stringify(url)} is not s3://<bucket>[/<prefix>] with a valid bucket name`);
  }
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix.startsWith('/') || prefix.includes('//')) throw new AgentError('E_BAD_ARGUMENT', `S3 prefix of ${url} has empty segments`);
  return { bucket, prefix };
}

function httpStatus(e: unknown): number | undefined {
  const s = (e as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

function describe(e: unknown): string {
  if (isAgentError(e)) return e.message;
  const status = httpStatus(e);
  const name = e instanceof Error ? e.name : 'error';
  const code = (e as { code?: unknown } | null)?.code;
  return `${name}${typeof code === 'string' && code !== name ? ` ${code}` : ''}${status === undefined ? '' : ` (HTTP ${status})`}`;
}

export class S3Sink implements Sink {
  readonly root: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly scope = new AsyncLocalStorage<RequestScope>();

  constructor(private readonly o: S3SinkOptions) {
    this.bucket = o.bucket;
    this.prefix = (o.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.root = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.partSize = o.partSize ?? DEFAULT_PART_SIZE;
    this.queueSize = o.queueSize ?? DEFAULT_QUEUE_SIZE;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new AgentError('E_BAD_ARGUMENT', `S3 part size must be an integer of at least ${MIN_PART_SIZE} bytes (5 MiB), got ${this.partSize}`);
    }
    if (!Number.isInteger(this.queueSize) || this.queueSize < 1 || this.queueSize > 64) {
      throw new AgentError('E_BAD_ARGUMENT', `S3 queue size must be an integer in 1..64, got ${this.queueSize}`);
    }
    if (o.sseKmsKeyId !== undefined && o.sse !== 'aws:kms') throw new AgentError('E_BAD_ARGUMENT', 'an SSE-KMS key id needs --sse aws:kms');
    this.ownsClient = o.client === undefined;
    this.client = o.client ?? new S3Client(this.clientConfig());
    this.installRetry(o.retry ?? S3_REQUEST_RETRY_POLICY);
  }

  private clientConfig(): S3ClientConfig {
    const o = this.o;
    return {
      maxAttempts: 1,
      ...(o.region === undefined ? (o.endpoint === undefined ? {} : { region: 'us-east-1' }) : { region: o.region }),
      ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint, forcePathStyle: o.forcePathStyle ?? true }),
      ...(o.profile === undefined ? {} : { profile: o.profile }),
      ...(o.credentials === undefined ? {} : { credentials: { ...o.credentials } }),
    };
  }

  /** Replaces the SDK's retryMiddleware: the one retry loop, inside which each attempt is signed. */
  private installRetry(policy: RetryPolicy): void {
    const scope = this.scope;
    const onRetry = this.o.onRetry;
    this.client.middlewareStack.add(
      (next) => (args) => {
          const s = scope.getStore();
          const p = withRetry(() => next(args), policy, {
            ...(s?.signal === undefined ? {} : { signal: s.signal }),
            onRetry: (attempt, error, delayMs) => onRetry?.({ key: s?.key ?? '?', attempt, delayMs, error }),
          });
          if (s !== undefined) {
            s.inflight.add(p);
            const settle = (): void => void s.inflight.delete(p);
            p.then(settle, settle);
          }
          return p;
        },
      { step: 'finalizeRequest', priority: 'high', name: 'retryMiddleware', tags: ['RETRY'], override: true },
    );
  }

  fullKey(key: string): string {
    checkKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  private where(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  put(key: string, body: AsyncIterable<Uint8Array> | Uint8Array, meta: PutMeta, opts: PutOptions = {}): Promise<PutResult> {
    const full = this.fullKey(key);
    const inflight = new Set<Promise<unknown>>();
    return this.scope.run(opts.signal === undefined ? { key: full, inflight } : { key: full, signal: opts.signal, inflight }, () => this.upload(full, body, meta, opts, inflight));
  }

  /** Cleanup requests run in a scope of their own: a cancelled put must still abort and delete. */
  private cleanup<T>(full: string, fn: () => Promise<T>): Promise<T> {
    return this.scope.run({ key: full, inflight: new Set() }, fn);
  }

  private static async drain(inflight: Set<Promise<unknown>>): Promise<void> {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  }

  private async upload(full: string, body: AsyncIterable<Uint8Array> | Uint8Array, meta: PutMeta, opts: PutOptions, inflight: Set<Promise<unknown>>): Promise<PutResult> {
    const location = this.where(full);
    const digest = new MultipartDigest(this.partSize);
    // a failure of the producer (e.g. a corrupt SSTable chunk) is reported as itself, not as an upload error
    let bodyError: unknown;
    async function* metered(): AsyncGenerator<Uint8Array> {
      try {
        for await (const piece of bodyPieces(body)) {
          digest.update(piece);
          yield piece;
        }
      } catch (e) {
        bodyError = e;
        throw e;
      }
    }
    const params: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: full,
      Body: Readable.from(metered(), { objectMode: false }),
      ContentType: meta.contentType,
      ChecksumAlgorithm: 'SHA256',
      ...(meta.sha256 === undefined ? {} : { Metadata: { sha256: meta.sha256 } }),
      ...(this.o.sse === undefined ? {} : { ServerSideEncryption: this.o.sse }),
      ...(this.o.sseKmsKeyId === undefined ? {} : { SSEKMSKeyId: this.o.sseKmsKeyId }),
    };
    const upload = new Upload({ client: this.client, params, partSize: this.partSize, queueSize: this.queueSize, leavePartsOnError: false });
    const onAbort = (): void => void upload.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (opts.signal?.aborted === true) throw new AgentError('E_ABORTED', `upload of ${location} cancelled`);
      await upload.done();
    } catch (e) {
      await S3Sink.drain(inflight);
      const orphans = await this.cleanup(full, () => this.abortOrphans(full, upload.uploadId));
      if (isAgentError(bodyError) && !isAbortError(bodyError)) throw bodyError;
      if (opts.signal?.aborted === true || isAbortError(e)) {
        throw new AgentError('E_ABORTED', `upload of ${location} cancelled${orphans}`, { file: location }, { cause: e });
      }
      throw new AgentError('E_UPLOAD', `upload of ${location} failed: ${describe(e)}${orphans}`, { file: location }, { cause: e });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const d = digest.finish();
    try {
      checkExpectedSha(full, meta, d.sha256, location);
      await this.verify(full, d);
    } catch (e) {
      // best effort: the put rejects either way, and a leftover object is not in the manifest
      await this.cleanup(full, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: full }))).catch(() => undefined);
      throw isAgentError(e) ? e : new AgentError('E_VERIFY', `cannot verify ${location}: ${describe(e)}`, { file: location }, { cause: e });
    }
    return { key: full, bytes: d.bytes, sha256: d.sha256, location };
  }

  /** HeadObject size, then SHA-256 by server checksum or read-back. @throws AgentError E_VERIFY */
  private async verify(full: string, d: UploadDigest): Promise<void> {
    const location = this.where(full);
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: full, ChecksumMode: 'ENABLED' }));
    if (head.ContentLength !== d.bytes) {
      throw new AgentError('E_VERIFY', `${location} holds ${head.ContentLength ?? '?'} bytes after upload, ${d.bytes} were sent (${d.parts} part(s) of ${this.partSize}): a part is missing`, { file: location });
    }
    if (this.o.verify === 'size') return;
    const returned = head.ChecksumSHA256;
    if (returned !== undefined && returned !== '') {
      if (!checksumMatches(returned, d)) {
        throw new AgentError('E_VERIFY', `${location}: S3 ChecksumSHA256 ${returned}, expected ${returned.includes('-') ? d.composite : d.fullBase64}`, { file: location });
      }
      return;
    }
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: full }));
    const hash = createHash('sha256');
    let n = 0;
    const stream = got.Body as AsyncIterable<Uint8Array> | undefined;
    if (stream === undefined || !(Symbol.asyncIterator in stream)) throw new AgentError('E_VERIFY', `${location}: GetObject returned no readable body`, { file: location });
    for await (const c of stream) {
      hash.update(c);
      n += c.byteLength;
    }
    const back = hash.digest('hex');
    if (n !== d.bytes || back !== d.sha256) {
      throw new AgentError('E_VERIFY', `${location} read back as ${n} bytes with SHA-256 ${back}; sent ${d.bytes} bytes with SHA-256 ${d.sha256}`, { file: location });
    }
  }

  /**
   * After a failed upload: aborts every multipart upload still open for exactly this key (ours, or
   * one an earlier crashed run left). Returns a note for the error message; never throws.
   */
  private async abortOrphans(full: string, uploadId: string | undefined): Promise<string> {
    try {
      const open = await this.openUploads(full);
      for (const id of open) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: full, UploadId: id }));
      const left = await this.openUploads(full);
      if (left.length > 0) return `; multipart upload(s) ${left.join(', ')} could not be aborted: abort them or set a lifecycle rule (AbortIncompleteMultipartUpload)`;
      return open.length > 0 ? `; aborted ${open.length} leftover multipart upload(s)` : '';
    } catch (e) {
      const id = uploadId === undefined ? '' : ` (UploadId ${uploadId})`;
      return `; could not check for an orphaned multipart upload${id}: ${describe(e)}`;
    }
  }

  /** UploadIds of the multipart uploads open for exactly `full`. */
  async openUploads(full: string): Promise<string[]> {
    const ids: string[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(new ListMultipartUploadsCommand({
        Bucket: this.bucket, Prefix: full,
        ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
        ...(idMarker === undefined ? {} : { UploadIdMarker: idMarker }),
      }));
      for (const u of page.Uploads ?? []) if (u.Key === full && u.UploadId !== undefined) ids.push(u.UploadId);
      if (page.IsTruncated !== true) return ids;
      keyMarker = page.NextKeyMarker;
      idMarker = page.NextUploadIdMarker;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const full = this.fullKey(key);
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: full }));
      return { key, size: h.ContentLength ?? 0 };
    } catch (e) {
      if (httpStatus(e) === 404) return null;
      throw new AgentError('E_UPLOAD', `HeadObject ${this.where(full)} failed: ${describe(e)}`, { file: this.where(full) }, { cause: e });
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
      for (const c of page.Contents ?? []) if (c.Key !== undefined) out.push({ key: c.Key.slice(base.length), size: c.Size ?? 0 });
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const full = this.fullKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: full }));
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}
