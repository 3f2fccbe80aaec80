import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSecret, secretFileName, writeSecretFile } from '../../src/config/secrets.js';
import { AgentError } from '../../src/errors.js';

let dir = '';
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ce-secrets-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const noEnv = { env: {} };

async function rejection(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AgentError);
    return e as AgentError;
  }
  throw new Error('expected a rejection');
}

describe('secrets', () => {
  it('writes a 0600 file in a 0700 directory and resolves it back', async () => {
    const secrets = join(dir, 'secrets');
    const ref = await writeSecretFile(secrets, 'node-10.0.0.1-ssh-password', 's3cr3t pass');
    expect(ref).toEqual({ file: join(secrets, 'node-10.0.0.1-ssh-password') });
    expect((await stat(secrets)).mode & 0o777).toBe(0o700);
    if (!('file' in ref)) throw new Error('expected a file reference');
    expect((await stat(ref.file)).mode & 0o777).toBe(0o600);
    expect(await readFile(ref.file, 'utf8')).toBe('s3cr3t pass\n');
    const v = await resolveSecret(ref, noEnv);
    expect(v.reveal()).toBe('s3cr3t pass');
  });

  it('never shows the value in strings, JSON or inspect', async () => {
    const v = await resolveSecret({ env: 'PW' }, { env: { PW: 'hunter2' } });
    expect(`${String(v)} ${JSON.stringify({ v })} ${inspect(v)} ${inspect({ v })}`).not.toContain('hunter2');
    expect(v.reveal()).toBe('hunter2');
  });

  it('refuses a secret file readable by others, with the chmod to run', async () => {
    const f = join(dir, 'pw');
    await writeFile(f, 'x\n');
    await chmod(f, 0o644);
    const e = await rejection(resolveSecret({ file: f }, noEnv));
    expect(e.code).toBe('E_BAD_ARGUMENT');
    expect(e.message).toContain(`chmod 600 ${f}`);
  });

  it('reports missing files and variables and empty secrets', async () => {
    expect((await rejection(resolveSecret({ file: join(dir, 'none') }, noEnv))).code).toBe('E_NOT_FOUND');
    expect((await rejection(resolveSecret({ env: 'NOPE' }, noEnv))).code).toBe('E_NOT_FOUND');
    const f = join(dir, 'empty');
    await writeFile(f, '\n', { mode: 0o600 });
    expect((await rejection(resolveSecret({ file: f }, noEnv))).message).toContain('empty');
    await expect(writeSecretFile(dir, 'x', 'two\nlines')).rejects.toThrow(/single line/);
  });

  it('derives safe file names', () => {
    expect(secretFileName('node-fe80::1-ssh-password')).toBe('node-fe80_1-ssh-password');
    expect(secretFileName('../etc/passwd')).toBe('__etc_passwd');
  });
});
