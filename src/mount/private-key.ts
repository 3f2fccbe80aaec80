/**
 * Private keys for SSH: decrypted once, in memory, with ssh2's parser (OpenSSH bcrypt-KDF keys and
 * PEM), and re-encoded unencrypted for consumers that cannot take a passphrase without a prompt
 * (ssh2 would otherwise re-run the slow KDF per connection; ssh-add would need a tty).
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { AgentError } from '../errors.js';
import type { SecretValue } from '../config/secrets.js';

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/**
 * An unencrypted "openssh-key-v1" private key (OpenSSH PROTOCOL.key) for an ed25519 key: ssh-add
 * reads RSA/ECDSA from PEM, but ed25519 only in this format.
 */
export function ed25519OpenSshKey(seed: Buffer, pub: Buffer, comment = ''): string {
  const type = Buffer.from('ssh-ed25519');
  const pubBlob = Buffer.concat([sshString(type), sshString(pub)]);
  const check = randomBytes(4);
  const parts = [check, check, sshString(type), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(Buffer.from(comment))];
  let priv = Buffer.concat(parts);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const none = sshString(Buffer.from('none'));
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), none, none, sshString(Buffer.alloc(0)), count, sshString(pubBlob), sshString(priv)]);
  const b64 = body.toString('base64').replace(/.{1,70}/g, '$&\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`;
}

/**
 * Parses (and with a passphrase, decrypts) a private key; returns an unencrypted key text that both
 * ssh2 and `ssh-add -` accept. Throws E_SSH_AUTH naming the host and key file on a wrong or missing
 * passphrase or an unreadable key.
 */
export function unencryptedKey(key: Buffer, passphrase: SecretValue | null, host: string, file: string): string {
  const parsed = ssh2.utils.parseKey(key, passphrase?.reveal());
  if (parsed instanceof Error) {
    throw new AgentError('E_SSH_AUTH', `cannot decrypt the private key: ${/passphrase/i.test(parsed.message) ? 'wrong or missing passphrase' : parsed.message}`, { host, file });
  }
  const k = Array.isArray(parsed) ? parsed[0] : parsed;
  if (k === undefined) throw new AgentError('E_SSH_AUTH', 'the private key file holds no key', { host, file });
  const pem = k.getPrivatePEM();
  if (k.type !== 'ssh-ed25519') return pem;
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new AgentError('E_SSH_AUTH', 'cannot export the ed25519 key', { host, file });
  return ed25519OpenSshKey(Buffer.from(jwk.d, 'base64url'), Buffer.from(jwk.x, 'base64url'), k.comment);
}

