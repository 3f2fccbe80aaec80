import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretValue } from '../../src/config/secrets.js';
import { checkSsh, runRemote, runRemoteChecked, shellCommand, shellQuote, sshTargetOf, type SshTarget } from '../../src/cluster/ssh.js';
import { AgentError } from '../../src/errors.js';
import { sshdAvailable, startTestSshd, type TestSshd } from '../helpers/sshd.js';

describe('shell quoting', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(shellQuote('nodetool')).toBe('nodetool');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
    expect(shellCommand(['echo', 'x;y', ''])).toBe("echo 'x;y' ''");
    expect(() => shellCommand([])).toThrow(AgentError);
  });
});

describe.runIf(sshdAvailable({ fuse: false }))('ssh2 against a real sshd', () => {
  let sshd: TestSshd;
  let work: string;
  let knownHosts: string;

  const keyTarget = async (over: Partial<SshTarget> = {}): Promise<SshTarget> => ({
    host: sshd.host, port: sshd.port, user: sshd.passwordUser.name,
    auth: { kind: 'key', privateKeyPath: sshd.userKey, privateKey: await readFile(sshd.userKey), encrypted: false },
    strictHostKeyChecking: 'no', knownHostsPath: knownHosts, ...over,
  });

  beforeAll(async () => {
    sshd = await startTestSshd();
    work = await mkdtemp(join(tmpdir(), 'cx-ssh-'));
    knownHosts = join(work, 'known_hosts');
  });
  afterAll(async () => {
    await sshd?.cleanup();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('runs a command with key auth and returns its output and status', async () => {
    const r = await runRemote(await keyTarget(), ['echo', 'hello world', "it's"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("hello world it's\n");
    const bad = await runRemote(await keyTarget(), ['sh', '-c', 'echo oops >&2; exit 3']);
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toBe('oops\n');
    await expect(runRemoteChecked(await keyTarget(), ['sh', '-c', 'echo oops >&2; exit 3'])).rejects.toMatchObject({
      code: 'E_REMOTE_COMMAND', location: { host: '127.0.0.1' }, message: expect.stringContaining('exit status 3: oops'),
    });
  });

  it('authenticates with a password and with a passphrase-protected key (from settings-style nodes)', async () => {
    const pwFile = join(work, 'pw');
    await writeFile(pwFile, `${sshd.passwordUser.password}\n`, { mode: 0o600 });
    const t = await sshTargetOf({
      host: sshd.host, sshPort: sshd.port, user: sshd.passwordUser.name,
      auth: { kind: 'password', passwordRef: { file: pwFile } }, strictHostKeyChecking: 'no', knownHostsPath: knownHosts,
    }, {});
    expect((await runRemoteChecked(t, ['id', '-un'])).stdout.trim()).toBe(sshd.passwordUser.name);
    const enc = await sshTargetOf({
      host: sshd.host, sshPort: sshd.port, user: sshd.passwordUser.name,
      auth: { kind: 'key', privateKeyPath: sshd.encryptedKey, passphraseRef: { env: 'CX_PP' } }, strictHostKeyChecking: 'no', knownHostsPath: knownHosts,
    }, { CX_PP: sshd.passphrase });
    expect((await runRemoteChecked(enc, ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('names the host for wrong credentials, wrong passphrase, unreachable port', async () => {
    const wrongPw: SshTarget = { ...(await keyTarget()), user: sshd.passwordUser.name, auth: { kind: 'password', password: new SecretValue('nope') } };
    await expect(checkSsh(wrongPw)).rejects.toMatchObject({ code: 'E_SSH_AUTH', location: { host: '127.0.0.1' } });
    const stranger = await keyTarget({ auth: { kind: 'key', privateKeyPath: sshd.strangerKey, privateKey: await readFile(sshd.strangerKey), encrypted: false } });
    await expect(checkSsh(stranger)).rejects.toMatchObject({ code: 'E_SSH_AUTH' });
    const encNode = { host: sshd.host, sshPort: sshd.port, user: sshd.passwordUser.name, strictHostKeyChecking: 'no' as const, knownHostsPath: knownHosts };
    await expect(sshTargetOf({ ...encNode, auth: { kind: 'key', privateKeyPath: sshd.encryptedKey, passphraseRef: { env: 'PP' } } }, { PP: 'wrong' }))
      .rejects.toMatchObject({ code: 'E_SSH_AUTH', location: { host: '127.0.0.1' }, message: expect.stringContaining('wrong or missing passphrase') });
    const noPp = await keyTarget({ auth: { kind: 'key', privateKeyPath: sshd.encryptedKey, privateKey: await readFile(sshd.encryptedKey), encrypted: false } });
    await expect(checkSsh(noPp)).rejects.toMatchObject({ code: 'E_SSH_AUTH', message: expect.stringContaining('passphraseRef') });
    const closed = await keyTarget({ port: 1 });
    await expect(checkSsh(closed, { connectTimeoutMs: 3000 })).rejects.toMatchObject({ code: 'E_SSH_UNREACHABLE', location: { host: '127.0.0.1' } });
  });

  it('applies the host key policy against known_hosts', async () => {
    const kh = join(work, 'kh-policy');
    await expect(checkSsh(await keyTarget({ strictHostKeyChecking: 'yes', knownHostsPath: kh }))).rejects.toMatchObject({ code: 'E_SSH_HOST_KEY' });
    await checkSsh(await keyTarget({ strictHostKeyChecking: 'accept-new', knownHostsPath: kh }));
    expect(await readFile(kh, 'utf8')).toBe(sshd.knownHostsLine);
    await checkSsh(await keyTarget({ strictHostKeyChecking: 'yes', knownHostsPath: kh }));
    const otherKey = (await readFile(`${sshd.strangerKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(kh, `[127.0.0.1]:${sshd.port} ${otherKey}\n`);
    await expect(checkSsh(await keyTarget({ strictHostKeyChecking: 'accept-new', knownHostsPath: kh }))).rejects.toMatchObject({
      code: 'E_SSH_HOST_KEY', message: expect.stringContaining('differs'),
    });
  });

  it('times a command out', async () => {
    await expect(runRemote(await keyTarget(), ['sleep', '5'], { commandTimeoutMs: 300 })).rejects.toMatchObject({ code: 'E_REMOTE_COMMAND', message: expect.stringContaining('did not finish') });
  });
});
