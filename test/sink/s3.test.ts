/**
 * The S3 sink against a real S3-compatible server on loopback (s3rver behind a failure-injecting
 * proxy, test/sink/s3-server.ts): multipart upload of >= 3 parts, listing and contents, retry of a
 * failed part under the one retry policy, and the abort path (no object, no orphaned upload).
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { openSink } from '../../src/sink/from-url.js';
import { MIN_PART_SIZE, S3Sink } from '../../src/sink/s3.js';
import type { RetryPolicy } from '../../src/util/retry.js';
import { S3_REQUEST_RETRY_POLICY } from '../../src/util/retry.js';
import { startTestS3, TEST_CREDENTIALS, type TestS3 } from './s3-server.js';

let s3: TestS3;

/** the production policy with short waits, so a test run stays fast (same attempts and classification) */
const FAST: RetryPolicy = { ...S3_REQUEST_RETRY_POLICY, minDelayMs: 5, maxDelayMs: 20 };

function sink(extra: Partial<ConstructorParameters<typeof S3Sink>[0]> = {}): S3Sink {
  return new S3Sink({ bucket: s3.bucket, prefix: 'exports/run1', endpoint: s3.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, partSize: MIN_PART_SIZE, queueSize: 2, retry: FAST, ...extra });
}

async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, Math.min(data.length, i + size));
}

async function objectBytes(key: string): Promise<Buffer> {
  const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array(0));
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

beforeAll(async () => {
  s3 = await startTestS3('test-bucket');
});
afterAll(async () => {
  await s3.close();
});
beforeEach(() => {
  s3.onUploadPart = () => 'forward';
});

const DATA = randomBytes(16 * 1024 * 1024 + 12345); // 4 parts of 5 MiB: 3 full + 1 short
const SHA = createHash('sha256').update(DATA).digest('hex');

describe('S3 sink (s3rver on loopback)', () => {
  it('uploads a multi-part object (>= 3 parts), verifies it, lists it and reads it back', async () => {
    const sk = sink();
    const before = s3.counts.uploadPart;
    const r = await sk.put('ks/t/LOAD00000001.csv', pieces(DATA, 1024 * 1024 + 7), { contentType: 'text/csv' });
    expect(s3.counts.uploadPart - before).toBe(4);
    expect(r).toEqual({ key: 'exports/run1/ks/t/LOAD00000001.csv', bytes: DATA.length, sha256: SHA, location: 's3://test-bucket/exports/run1/ks/t/LOAD00000001.csv' });
    await sk.put('manifest.json', Buffer.from('{"a":1}\n'), { contentType: 'application/json', sha256: createHash('sha256').update('{"a":1}\n').digest('hex') });
    expect(await sk.list('')).toEqual([
      { key: 'ks/t/LOAD00000001.csv', size: DATA.length },
      { key: 'manifest.json', size: 8 },
    ]);
    expect((await objectBytes('exports/run1/ks/t/LOAD00000001.csv')).equals(DATA)).toBe(true);
    expect(await sk.head('ks/t/LOAD00000001.csv')).toEqual({ key: 'ks/t/LOAD00000001.csv', size: DATA.length });
    expect(await sk.head('ks/t/LOAD00000009.csv')).toBeNull();
    expect(s3.openUploads().size).toBe(0);
    await sk.close();
  });

  it('retries a part that failed once (500, then a dropped connection) under the one policy, and succeeds', async () => {
    const retries: { key: string; attempt: number }[] = [];
    const sk = sink({ onRetry: ({ key, attempt }) => retries.push({ key, attempt }) });
    s3.onUploadPart = ({ partNumber, attempt }) => (partNumber === 2 && attempt === 1 ? '500' : partNumber === 3 && attempt === 1 ? 'drop' : 'forward');
    const r = await sk.put('ks/t/LOAD00000002.csv', pieces(DATA, 1 << 20), { contentType: 'text/csv' });
    expect(r.sha256).toBe(SHA);
    expect(retries).toHaveLength(2);
    expect(retries.every((x) => x.key === 'exports/run1/ks/t/LOAD00000002.csv' && x.attempt === 1)).toBe(true);
    expect((await objectBytes(r.key)).equals(DATA)).toBe(true);
    expect(s3.openUploads().size).toBe(0);
    await sk.close();
  });

  it('a part that keeps failing rejects the put: no object, no orphaned multipart upload', async () => {
    const sk = sink();
    s3.onUploadPart = ({ partNumber }) => (partNumber === 3 ? '500' : 'forward');
    const failedBefore = s3.counts.failedParts;
    const abortsBefore = s3.counts.aborts;
    await expect(sk.put('ks/t/LOAD00000003.csv', pieces(DATA, 1 << 20), { contentType: 'text/csv' })).rejects.toMatchObject({ code: 'E_UPLOAD' });
    expect(s3.counts.failedParts - failedBefore).toBe(FAST.attempts);
    expect(s3.counts.aborts - abortsBefore).toBeGreaterThanOrEqual(1);
    expect(await exists('exports/run1/ks/t/LOAD00000003.csv')).toBe(false);
    expect(await sk.openUploads('exports/run1/ks/t/LOAD00000003.csv')).toEqual([]);
    expect(s3.openUploads().size).toBe(0);
    await sk.close();
  });

  it('a dropped connection on every try of a part is not reported as success either', async () => {
    const sk = sink();
    s3.onUploadPart = ({ partNumber }) => (partNumber === 2 ? 'drop' : 'forward');
    await expect(sk.put('ks/t/LOAD00000004.csv', pieces(DATA, 1 << 20), { contentType: 'text/csv' })).rejects.toMatchObject({ code: 'E_UPLOAD' });
    expect(await exists('exports/run1/ks/t/LOAD00000004.csv')).toBe(false);
    expect(s3.openUploads().size).toBe(0);
    await sk.close();
  });

  it('an AbortSignal cancels the upload (E_ABORTED) and leaves no upload open', async () => {
    const sk = sink();
    const ac = new AbortController();
    s3.onUploadPart = ({ partNumber }) => {
      if (partNumber === 2) ac.abort();
      return 'forward';
    };
    await expect(sk.put('ks/t/LOAD00000005.csv', pieces(DATA, 1 << 20), { contentType: 'text/csv' }, { signal: ac.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(await exists('exports/run1/ks/t/LOAD00000005.csv')).toBe(false);
    expect(s3.openUploads().size).toBe(0);
    await sk.close();
  });

  it('a producer failure mid-object is reported as itself; the multipart upload is aborted', async () => {
    const sk = sink();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* pieces(DATA.subarray(0, 11 * 1024 * 1024), 1 << 20);
      throw new AgentError('E_CORRUPT_CHUNK', 'checksum mismatch', { file: '/d/mc-1-big-Data.db', chunk: 7 });
    }
    await expect(sk.put('ks/t/LOAD00000006.csv', failing(), { contentType: 'text/csv' })).rejects.toMatchObject({ code: 'E_CORRUPT_CHUNK' });
    expect(await exists('exports/run1/ks/t/LOAD00000006.csv')).toBe(false);
    expect(s3.openUploads().size).toBe(0);
    await sk.close();
  });

  it('a wrong expected SHA-256 is E_VERIFY and the object is removed', async () => {
    const sk = sink();
    await expect(sk.put('ks/t/bad.json', Buffer.from('x'), { contentType: 'application/json', sha256: '00'.repeat(32) })).rejects.toMatchObject({ code: 'E_VERIFY' });
    expect(await exists('exports/run1/ks/t/bad.json')).toBe(false);
    await sk.close();
  });

  it('openSink and option checks', async () => {
    expect((await openSink('s3://test-bucket/x/y/', { endpoint: s3.endpoint, credentials: TEST_CREDENTIALS })).root).toBe('s3://test-bucket/x/y');
    expect(() => sink({ partSize: 1024 })).toThrow(/at least 5242880/);
    await expect(openSink('s3://B_/x')).rejects.toThrow(/valid bucket/);
    await expect(openSink('gs://b/x')).rejects.toThrow(/unsupported/);
    expect(() => sink({ sseKmsKeyId: 'k' })).toThrow(/aws:kms/);
  });
});
