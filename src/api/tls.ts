/**
 * TLS material for the HTTPS server from the settings: the key store (PEM cert + key, or PKCS#12)
 * and the trust store (PEM CA bundle, or PKCS#12 whose certificates are extracted with the openssl
 * CLI, the password given on stdin, never in argv). The context is built once here so a wrong
 * password or a mismatched key fails at start-up with a clear message, not at the first handshake.
 */
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import { execa } from 'execa';
import type { DeepReadonly } from '../config/freeze.js';
import type { SslSettings, TrustStore } from '../config/schema.js';
import { describeSecretRef, resolveSecret, type ResolveSecretOptions } from '../config/secrets.js';
import { AgentError } from '../errors.js';

async function readStore(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO';
    throw new AgentError(code, `cannot read the ${what}: ${(e as Error).message}`, { file: path }, { cause: e });
  }
}

async function trustedCas(ts: DeepReadonly<TrustStore>, env: ResolveSecretOptions): Promise<Buffer> {
  if (ts.kind === 'pem') return readStore(ts.caPath, 'trust store (CA PEM)');
  await readStore(ts.path, 'trust store (PKCS#12)');
  const password = await resolveSecret(ts.passwordRef, env);
  const args = ['pkcs12', '-in', ts.path, '-nokeys', '-passin', 'stdin'];
  for (const extra of [[], ['-legacy']]) {
    const r = await execa('openssl', [...args, ...extra], { input: `${password.reveal()}\n`, reject: false, encoding: 'buffer' });
    const out = Buffer.from(r.stdout);
    if (r.exitCode === 0 && out.includes('BEGIN CERTIFICATE')) return out;
  }
  throw new AgentError('E_BAD_ARGUMENT', `cannot read certificates from the PKCS#12 trust store (wrong password in ${describeSecretRef(ts.passwordRef)}?)`, { file: ts.path });
}

/** HTTPS options, or undefined when ssl.enabled is false. Throws AgentError naming the store at fault. */
export async function loadTlsOptions(ssl: DeepReadonly<SslSettings>, env: ResolveSecretOptions): Promise<ServerOptions | undefined> {
  if (!ssl.enabled) return undefined;
  const ks = ssl.keyStore;
  if (ks === undefined) throw new AgentError('E_BAD_ARGUMENT', 'agent.ssl.keyStore is required when ssl.enabled is true');
  const opts: ServerOptions = { minVersion: 'TLSv1.2' };
  let file: string;
  if (ks.kind === 'pem') {
    file = ks.keyPath;
    opts.cert = await readStore(ks.certPath, 'server certificate (PEM)');
    opts.key = await readStore(ks.keyPath, 'server key (PEM)');
    if (ks.passphraseRef !== undefined) opts.passphrase = (await resolveSecret(ks.passphraseRef, env)).reveal();
  } else {
    file = ks.path;
    opts.pfx = await readStore(ks.path, 'key store (PKCS#12)');
    opts.passphrase = (await resolveSecret(ks.passwordRef, env)).reveal();
  }
  if (ssl.trustStore !== undefined) opts.ca = await trustedCas(ssl.trustStore, env);
  if (ssl.requireClientCert) {
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
  }
  try {
    createSecureContext(opts);
  } catch (e) {
    throw new AgentError('E_BAD_ARGUMENT', `the TLS key store cannot be used: ${(e as Error).message} (wrong password, or a key that does not match the certificate?)`, { file }, { cause: e });
  }
  return opts;
}
