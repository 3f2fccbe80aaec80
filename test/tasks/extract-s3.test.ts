/**
 * runExtract to S3 (s3rver on loopback, test/sink/s3-server.ts) with a small chunk size: several LOAD
 * files per table, and the bucket holds exactly the tree a local run writes, byte for byte; also when
 * decoding workers read the tables (their records reach the sink in SharedArrayBuffers).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_WRITE_TIME, writeSampleDataDir } from '../../src/sample/index.js';
import { LocalSink } from '../../src/sink/local.js';
import { openSink } from '../../src/sink/from-url.js';
import { runExtract } from '../../src/tasks/extract.js';
import { startTestS3, TEST_CREDENTIALS, type TestS3 } from '../sink/s3-server.js';
import { readTree } from '../sink/helpers.js';
import { ensureDist } from '../helpers/replica-nodes.js';

const NOW = SAMPLE_WRITE_TIME + 60;
const CREATED = (): Date => new Date('2024-02-03T04:05:06Z');
let root: string;
let data: string;
let s3: TestS3;

beforeAll(async () => {
  const built = ensureDist();
  root = await mkdtemp(join(tmpdir(), 'extract-s3-'));
  data = join(root, 'data');
  await writeSampleDataDir(data, { rows: 300 });
  s3 = await startTestS3();
  await built;
}, 180_000);
afterAll(async () => {
  await s3.close();
  await rm(root, { recursive: true, force: true });
});

describe('runExtract to S3', () => {
  it('uploads the DMS layout under the prefix, several LOAD files per table, identical to a local run', async () => {
    const local = join(root, 'local');
    const req = { dataDirs: [data], keyspace: 'sample', nowInSec: NOW, chunkSizeBytes: 6 * 1024 };
    const l = await runExtract({ ...req, sink: new LocalSink(local) }, { now: CREATED });
    expect(l.complete).toBe(true);
    const sink = await openSink(`s3://${s3.bucket}/exports/2024`, { endpoint: s3.endpoint, credentials: TEST_CREDENTIALS });
    const r = await runExtract({ ...req, sink }, { now: CREATED });
    await sink.close();
    expect(r.errorSummary).toBe('');
    expect(r.complete).toBe(true);
    expect(r.root).toBe(`s3://${s3.bucket}/exports/2024`);

    const tree = await readTree(local);
    const listed = await (await openSink(`s3://${s3.bucket}/exports/2024`, { endpoint: s3.endpoint, credentials: TEST_CREDENTIALS })).list('');
    expect(listed.map((o) => o.key)).toEqual([...tree.keys()]);
    expect(listed.filter((o) => /^sample\/all_types\/LOAD\d+\.csv$/.test(o.key)).length).toBeGreaterThanOrEqual(3);
    for (const o of listed) {
      const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `exports/2024/${o.key}` }));
      const body = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array(0));
      expect(body.equals(tree.get(o.key) as Buffer), o.key).toBe(true);
    }
    expect(s3.openUploads().size).toBe(0);
  });

  it('uploads what a local run writes when 2 decoding workers read the tables', async () => {
    const local = join(root, 'local-w2');
    const req = { dataDirs: [data], keyspace: 'sample', nowInSec: NOW, chunkSizeBytes: 6 * 1024, read: { workers: 2, inThreadBelowBytes: 0 } };
    const l = await runExtract({ ...req, sink: new LocalSink(local) }, { now: CREATED });
    expect(l.complete).toBe(true);
    expect(l.read.workers).toBe(2);
    const url = `s3://${s3.bucket}/exports/w2`;
    const sink = await openSink(url, { endpoint: s3.endpoint, credentials: TEST_CREDENTIALS });
    const r = await runExtract({ ...req, sink }, { now: CREATED });
    await sink.close();
    expect(r.errorSummary).toBe('');
    expect(r.complete).toBe(true);
    const tree = await readTree(local);
    const listed = await (await openSink(url, { endpoint: s3.endpoint, credentials: TEST_CREDENTIALS })).list('');
    expect(listed.map((o) => o.key)).toEqual([...tree.keys()]);
    for (const o of listed) {
      const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `exports/w2/${o.key}` }));
      const body = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array(0));
      expect(body.equals(tree.get(o.key) as Buffer), o.key).toBe(true);
    }
    expect(s3.openUploads().size).toBe(0);
  }, 120_000);
});
