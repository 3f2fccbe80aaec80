/**
 * Who may call the API. With mutual TLS the TLS layer already refused unsigned clients; the hook
 * checks again that the peer certificate was verified (defence in depth, and clear 401/403 bodies
 * for TLS set up without rejectUnauthorized). Otherwise the agent password SCT registered with must
 * come as `Authorization: Bearer <password>` or Basic (any user name). Comparison is on SHA-256
 * digests with timingSafeEqual, so neither the password nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { SecretValue } from '../config/secrets.js';
import { AgentError } from '../errors.js';

export type AuthPolicy =
  | { readonly kind: 'client-cert' }
  | { readonly kind: 'password'; readonly password: SecretValue };

/** Routes that answer without credentials (liveness probes). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/api/v1/health']);

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The password a request presents, or undefined. */
export function presentedPassword(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^(Bearer|Basic)\s+(.+)$/i.exec(header.trim());
  if (m === null) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  const value = m[2] ?? '';
  if (scheme === 'bearer') return value;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

export function passwordMatches(expected: SecretValue, presented: string): boolean {
  return timingSafeEqual(digest(expected.reveal()), digest(presented));
}

/** @throws AgentError E_UNAUTHORIZED (no or wrong credentials) or E_FORBIDDEN (unverified certificate) */
export function authenticate(policy: AuthPolicy, req: FastifyRequest): void {
  if (policy.kind === 'client-cert') {
    const socket = req.raw.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') throw new AgentError('E_UNAUTHORIZED', 'a TLS client certificate is required');
    const cert = socket.getPeerCertificate();
    if (cert === null || Object.keys(cert).length === 0) throw new AgentError('E_UNAUTHORIZED', 'a TLS client certificate is required');
    if (socket.authorized !== true) throw new AgentError('E_FORBIDDEN', `the client certificate is not trusted: ${String(socket.authorizationError ?? 'unknown reason')}`);
    return;
  }
  const given = presentedPassword(req.headers.authorization);
  if (given === undefined) throw new AgentError('E_UNAUTHORIZED', 'the agent password is required (Authorization: Bearer <password>)');
  if (!passwordMatches(policy.password, given)) throw new AgentError('E_UNAUTHORIZED', 'wrong agent password');
}
