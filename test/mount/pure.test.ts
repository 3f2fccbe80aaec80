import { describe, expect, it } from 'vitest';
import { SecretValue } from '../../src/config/secrets.js';
import { parseMountInfo, sshfsMountsUnder } from '../../src/mount/mountinfo.js';
import { mountTargets, targetOfLocalPath, toMountedPath } from '../../src/mount/layout.js';
import { diagnoseSshfs, escapeOpt, sshfsArgs, type SshfsMountSpec } from '../../src/mount/sshfs.js';
import { checkKnownHosts, knownHostsLine } from '../../src/mount/known-hosts.js';
import { decideAllowOther, fuseConfAllowsOther, parseSshfsVersion } from '../../src/mount/fuse-env.js';
import { codePolicy, REMOTE_RETRY } from '../../src/mount/retry.js';
import { backoffDelay, withRetry } from '../../src/util/retry.js';
import { AgentError } from '../../src/errors.js';
import { createHmac } from 'node:crypto';

describe('mountinfo', () => {
  it('parses entries with escaped paths and finds sshfs mounts under a root, deepest first', () => {
    const text = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '42 22 0:39 / /mnt/cx/10.0.0.1_node/conf ro,nosuid - fuse.sshfs cass@10.0.0.1:/etc/cassandra ro,user_id=0',
      '43 42 0:40 / /mnt/cx/10.0.0.1_node/data\\040x ro master:3 - fuse.sshfs cass@10.0.0.1:/var/lib/cassandra/data ro',
      '44 22 0:41 / /mnt/cxother ro - fuse.sshfs a@b:/ ro',
    ].join('\n');
    const e = parseMountInfo(text);
    expect(e[2]).toMatchObject({ mountPoint: '/mnt/cx/10.0.0.1_node/data x', fsType: 'fuse.sshfs', source: 'cass@10.0.0.1:/var/lib/cassandra/data' });
    expect(sshfsMountsUnder(e, '/mnt/cx').map((m) => m.mountPoint)).toEqual(['/mnt/cx/10.0.0.1_node/data x', '/mnt/cx/10.0.0.1_node/conf']);
  });
});

describe('layout', () => {
  const targets = mountTargets('/mnt/cx', { host: '10.0.0.1', confDirectory: '/etc/cassandra', dataDirectories: ['/var/lib/cassandra/data', '/data2'] });
  it('names conf, data, data1 and maps remote paths both ways', () => {
    expect(targets.map((t) => t.mountPoint)).toEqual(['/mnt/cx/10.0.0.1_node/conf', '/mnt/cx/10.0.0.1_node/data', '/mnt/cx/10.0.0.1_node/data1']);
    expect(toMountedPath(targets, '/var/lib/cassandra/data/ks/t-1/')).toBe('/mnt/cx/10.0.0.1_node/data/ks/t-1');
    expect(toMountedPath(targets, '/data2')).toBe('/mnt/cx/10.0.0.1_node/data1');
    expect(toMountedPath(targets, '/data22/x')).toBeNull();
    expect(targetOfLocalPath(targets, '/mnt/cx/10.0.0.1_node/data1/ks')?.remoteDir).toBe('/data2');
    expect(() => mountTargets('/m', { host: '../x', confDirectory: '/c', dataDirectories: [] })).toThrow(AgentError);
  });
});

describe('sshfs arguments', () => {
  const spec: SshfsMountSpec = {
    host: 'fe80::1', port: 2222, user: 'cass', remoteDir: '/etc/cassandra', mountPoint: '/mnt/cx/n/conf',
    auth: { kind: 'password', password: new SecretValue('s3cret') }, strictHostKeyChecking: 'accept-new', knownHostsPath: '/k,h',
    tuning: { maxConns: 4, maxRead: 1048576, serverAliveInterval: 15, reconnect: true }, allowOther: false, connectTimeoutSec: 10,
  };
  it('never carries the password, escapes commas, and uses max_conns only for key auth on a capable sshfs', () => {
    const pw = sshfsArgs(spec, { maxConns: true });
    expect(pw.join(' ')).not.toContain('s3cret');
    expect(pw.slice(0, 2)).toEqual(['cass@[fe80::1]:/etc/cassandra', '/mnt/cx/n/conf']);
    expect(pw).toContain('password_stdin');
    expect(pw).toContain('UserKnownHostsFile=/k\\,h');
    expect(pw.some((a) => a.startsWith('max_conns'))).toBe(false);
    const key = sshfsArgs({ ...spec, auth: { kind: 'key', identityFile: '/k/id' }, allowOther: true }, { maxConns: true });
    expect(key).toEqual(expect.arrayContaining(['max_conns=4', 'max_read=1048576', 'reconnect', 'ro', 'allow_other', 'BatchMode=yes', 'IdentityFile=/k/id']));
    expect(sshfsArgs({ ...spec, auth: { kind: 'key', identityFile: '/k/id' } }, { maxConns: false }).some((a) => a.startsWith('max_conns'))).toBe(false);
    expect(escapeOpt('a\\b,c')).toBe('a\\\\b\\,c');
  });
  it('turns the directory cache off (compaction replaces SSTables), with the option name of the sshfs version', () => {
    expect(sshfsArgs(spec, { maxConns: true, version: '3.7.3' })).toContain('dir_cache=no');
    expect(sshfsArgs(spec, { maxConns: true })).toContain('dir_cache=no');
    expect(sshfsArgs(spec, { maxConns: false, version: '2.10' })).toContain('cache=no');
  });
  it('diagnoses sshfs messages', () => {
    const at = { host: 'h', port: 22, remoteDir: '/r', mountPoint: '/m' };
    expect(diagnoseSshfs('cass@h: Permission denied (publickey).', at).code).toBe('E_SSH_AUTH');
    expect(diagnoseSshfs('ssh: connect to host h port 22: Connection refused', at).code).toBe('E_SSH_UNREACHABLE');
    expect(diagnoseSshfs("fusermount3: option allow_other only allowed if 'user_allow_other' is set in /etc/fuse.conf", at).code).toBe('E_MOUNT_UNAVAILABLE');
    expect(diagnoseSshfs('Host key verification failed.', at).code).toBe('E_SSH_HOST_KEY');
  });
});

describe('known_hosts', () => {
  const key = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 2, 1, 2])]);
  const other = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 2, 9, 9])]);
  it('matches plain, bracketed, hashed, wildcard and negated names', () => {
    expect(checkKnownHosts(knownHostsLine('n1', 2222, key), 'n1', 2222, key)).toBe('match');
    expect(checkKnownHosts(knownHostsLine('n1', 22, key), 'n1', 2222, key)).toBe('unknown');
    expect(checkKnownHosts(knownHostsLine('n1', 22, other), 'n1', 22, key)).toBe('changed');
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('n1').digest('base64');
    expect(checkKnownHosts(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${key.toString('base64')}`, 'n1', 22, key)).toBe('match');
    expect(checkKnownHosts(`n*,!n2 ssh-ed25519 ${key.toString('base64')}`, 'n2', 22, key)).toBe('unknown');
    expect(checkKnownHosts(`@revoked * ssh-ed25519 ${key.toString('base64')}`, 'n1', 22, key)).toBe('revoked');
  });
});

describe('fuse environment and retry', () => {
  it('reads fuse.conf, sshfs versions and decides allow_other', () => {
    expect(fuseConfAllowsOther('#user_allow_other\n')).toBe(false);
    expect(fuseConfAllowsOther(' user_allow_other \n')).toBe(true);
    expect(parseSshfsVersion('SSHFS version 3.7.3\nFUSE library version 3.14.0')).toBe('3.7.3');
    const env = { devFuse: true, fusermount: 'fusermount3', userAllowOther: false };
    expect(decideAllowOther('auto', 0, env)).toEqual({ allowOther: true, warning: null });
    expect(decideAllowOther('auto', 1000, env).warning).toContain('user_allow_other');
    expect(() => decideAllowOther(true, 1000, env)).toThrow(AgentError);
  });
  it('retries only retryable codes, with capped backoff', async () => {
    // the wait after failed attempt n: 250 ms doubling, capped at 4 s
    expect([1, 2, 3, 8].map((a) => backoffDelay(REMOTE_RETRY, a))).toEqual([250, 500, 1000, 4000]);
    const policy = codePolicy('test', 3, 1, 2, ['E_MOUNT_LOST']);
    let n = 0;
    await expect(withRetry(async () => { n++; throw new AgentError('E_MOUNT_LOST', 'x'); }, policy)).rejects.toMatchObject({ code: 'E_MOUNT_LOST' });
    expect(n).toBe(3);
    n = 0;
    await expect(withRetry(async () => { n++; throw new AgentError('E_SSH_AUTH', 'x'); }, policy)).rejects.toMatchObject({ code: 'E_SSH_AUTH' });
    expect(n).toBe(1);
  });
});
