/** Test PKI made with the openssl CLI (argument arrays, no shell), and a small HTTPS client. */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { execa } from 'execa';

export interface Pki {
  dir: string;
  ca: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** a client certificate signed by a CA the agent does not trust */
  rogueCert: Buffer;
  rogueKey: Buffer;
  paths: { ca: string; serverCert: string; serverKey: string; serverP12: string };
}

async function ossl(dir: string, args: string[]): Promise<void> {
  await execa('openssl', args, { cwd: dir });
}

async function selfSignedCa(dir: string, name: string): Promise<void> {
  await ossl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}

async function signed(dir: string, name: string, ca: string, ext: string): Promise<void> {
  await ossl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  await execa('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'ext.cnf', '-extensions', ext], { cwd: dir });
}

export async function makePki(dir: string, p12Password: string): Promise<Pki> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'ext.cnf'), [
    '[server]', 'subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth', '',
    '[client]', 'extendedKeyUsage=clientAuth', '',
  ].join('\n'));
  await selfSignedCa(dir, 'ca');
  await selfSignedCa(dir, 'rogue-ca');
  await signed(dir, 'server', 'ca', 'server');
  await signed(dir, 'client', 'ca', 'client');
  await signed(dir, 'rogue', 'rogue-ca', 'client');
  await execa('openssl', ['pkcs12', '-export', '-in', 'server.pem', '-inkey', 'server.key', '-out', 'server.p12', '-passout', 'stdin'], { cwd: dir, input: `${p12Password}\n` });
  const r = (n: string): Promise<Buffer> => readFile(join(dir, n));
  return {
    dir, ca: await r('ca.pem'), clientCert: await r('client.pem'), clientKey: await r('client.key'), rogueCert: await r('rogue.pem'), rogueKey: await r('rogue.key'),
    paths: { ca: join(dir, 'ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key'), serverP12: join(dir, 'server.p12') },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ClientTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** One HTTPS request; resolves with the whole body (SSE streams: when the server ends them). */
export function call(url: string, tls: ClientTls, opts: { method?: string; body?: unknown; headers?: Record<string, string>; onData?: (chunk: string) => void } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(url, {
      method: opts.method ?? 'GET', ca: tls.ca, cert: tls.cert, key: tls.key, agent: false,
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        opts.onData?.(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
