/**
 * A real S3-compatible server on loopback for tests: s3rver (devDependency) on 127.0.0.1, behind a
 * small HTTP proxy, also on 127.0.0.1, that the test controls:
 * - it can answer 500 to chosen UploadPart requests, or drop their connection (failure injection);
 * - it completes s3rver's S3 surface for the abort path: s3rver implements neither
 *   AbortMultipartUpload nor ListMultipartUploads, so the proxy keeps the register of open multipart
 *   uploads from the traffic it forwards (CreateMultipartUpload opens, a successful
 *   CompleteMultipartUpload or an AbortMultipartUpload closes) and answers those two calls from it.
 * No traffic leaves 127.0.0.1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** What the proxy does with an UploadPart request: forward it, answer 500, or destroy the socket. */
export type PartAction = 'forward' | '500' | 'drop';

export interface UploadPartRequest {
  readonly key: string;
  readonly partNumber: number;
  /** 1-based count of UploadPart requests seen for this key and part number (retries count) */
  readonly attempt: number;
}

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
  /** decides each UploadPart's fate; default: forward */
  onUploadPart: (r: UploadPartRequest) => PartAction;
  /** multipart uploads open according to the proxy's register: key -> upload ids */
  openUploads(): Map<string, string[]>;
  readonly counts: { uploadPart: number; failedParts: number; aborts: number; completes: number; lists: number };
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startTestS3(bucket = 'test-bucket'): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const backend = await s3rver.run();
  const open = new Map<string, { key: string }>();
  const attempts = new Map<string, number>();
  const counts = { uploadPart: 0, failedParts: 0, aborts: 0, completes: 0, lists: 0 };

  const state: { onUploadPart: (r: UploadPartRequest) => PartAction } = { onUploadPart: () => 'forward' };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: b }), reject);
      });
      r.on('error', reject);
      r.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, bkt = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const q = url.searchParams;
    const body = await readBody(req);
    if (req.method === 'GET' && key === '' && q.has('uploads')) {
      counts.lists++;
      const prefix = q.get('prefix') ?? '';
      const items = [...open].filter(([, u]) => u.key.startsWith(prefix));
      const xml = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${xmlEscape(bkt)}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix><IsTruncated>false</IsTruncated>${items
        .map(([id, u]) => `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${id}</UploadId></Upload>`)
        .join('')}</ListMultipartUploadsResult>`;
      res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
      return;
    }
    if (req.method === 'DELETE' && q.has('uploadId')) {
      counts.aborts++;
      const id = q.get('uploadId') ?? '';
      if (!open.delete(id)) {
        res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code></Error>');
        return;
      }
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'PUT' && q.has('uploadId') && q.has('partNumber')) {
      counts.uploadPart++;
      const partNumber = Number(q.get('partNumber'));
      const id = `${key}#${partNumber}`;
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      const action = state.onUploadPart({ key, partNumber, attempt });
      if (action === 'drop') {
        counts.failedParts++;
        req.socket.destroy();
        return;
      }
      if (action === '500') {
        counts.failedParts++;
        res.writeHead(500, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>');
        return;
      }
    }
    const out = await forward(req, body);
    if (req.method === 'POST' && q.has('uploads') && out.status === 200) {
      const m = /<UploadId>([^<]+)<\/UploadId>/.exec(out.body.toString('utf8'));
      if (m?.[1] !== undefined) open.set(m[1], { key });
    }
    if (req.method === 'POST' && q.has('uploadId') && out.status === 200 && out.body.includes('CompleteMultipartUploadResult')) {
      counts.completes++;
      open.delete(q.get('uploadId') ?? '');
    }
    const headers = { ...out.headers };
    if (req.method !== 'HEAD') {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(out.body.length);
    }
    res.writeHead(out.status, headers).end(out.body);
  };

  const proxy: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_CREDENTIALS, maxAttempts: 1 });

  return {
    endpoint,
    bucket,
    client,
    get onUploadPart() {
      return state.onUploadPart;
    },
    set onUploadPart(f) {
      state.onUploadPart = f;
    },
    openUploads() {
      const m = new Map<string, string[]>();
      for (const [id, u] of open) m.set(u.key, [...(m.get(u.key) ?? []), id]);
      return m;
    },
    counts,
    async close() {
      client.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3rver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
