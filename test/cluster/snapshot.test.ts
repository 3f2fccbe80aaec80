import { execa } from 'execa';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSnapshotCommand, clearSnapshots, snapshotCommand, snapshotTableDirs, tableNameOfDir, takeSnapshots } from '../../src/cluster/snapshot.js';
import type { SshTarget } from '../../src/cluster/ssh.js';
import { sshdAvailable, startTestSshd, type TestSshd } from '../helpers/sshd.js';

describe('nodetool command lines', () => {
  it('builds argument arrays and rejects unsafe names', () => {
    expect(snapshotCommand('ks1', 'task-42')).toEqual(['nodetool', 'snapshot', '-t', 'task-42', 'ks1']);
    expect(clearSnapshotCommand('task-42', 'ks1', { nodetool: '/opt/c/bin/nodetool', nodetoolArgs: ['-p', '7199'] }))
      .toEqual(['/opt/c/bin/nodetool', '-p', '7199', 'clearsnapshot', '-t', 'task-42', 'ks1']);
    expect(clearSnapshotCommand('t', undefined)).toEqual(['nodetool', 'clearsnapshot', '-t', 't']);
    expect(() => snapshotCommand('ks; rm -rf /', 't')).toThrow(/not a keyspace/);
    expect(() => snapshotCommand('ks', '../x')).toThrow(/snapshot tag/);
    expect(tableNameOfDir('events-4f1e9c0a4f1e9c0a4f1e9c0a4f1e9c0a')).toBe('events');
    expect(tableNameOfDir('events')).toBe('events');
  });
});

describe.runIf(sshdAvailable({ fuse: false }))('snapshots through a fake nodetool over a real sshd', () => {
  let sshd: TestSshd;
  let nodes: SshTarget[];

  beforeAll(async () => {
    sshd = await startTestSshd();
    const t = join(sshd.dataDir, 'ks1', 'users-0123456789abcdef0123456789abcdef');
    await mkdir(t, { recursive: true });
    await writeFile(join(t, 'nb-1-big-Data.db'), 'data');
    await writeFile(join(t, 'nb-1-big-TOC.txt'), 'Data.db\n');
    await mkdir(join(sshd.dataDir, 'ks1', 'empty-00000000000000000000000000000000'));
    // like Cassandra's data, the files belong to the account nodetool runs as
    await execa('chown', ['-R', sshd.passwordUser.name, join(sshd.dataDir, 'ks1')]);
    const target: SshTarget = {
      host: sshd.host, port: sshd.port, user: sshd.passwordUser.name,
      auth: { kind: 'key', privateKeyPath: sshd.userKey, privateKey: await readFile(sshd.userKey), encrypted: false },
      strictHostKeyChecking: 'no', knownHostsPath: '/dev/null',
    };
    // two "nodes": the same server, as two targets
    nodes = [target, { ...target }];
  });
  afterAll(async () => {
    await sshd?.cleanup();
  });

  it('snapshots on every node, lists the snapshot dirs, then clears them', async () => {
    const outcomes = await takeSnapshots(nodes, 'ks1', 'task_1');
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    const log = (await readFile(sshd.nodetoolLog, 'utf8')).trim().split('\n');
    expect(log).toEqual(['snapshot -t task_1 ks1', 'snapshot -t task_1 ks1']);
    const dirs = await snapshotTableDirs(sshd.dataDir, 'ks1', 'task_1');
    expect(dirs.map((d) => d.table)).toEqual(['empty', 'users']);
    expect(await readFile(join(dirs[1]?.snapshotDir ?? '', 'nb-1-big-Data.db'), 'utf8')).toBe('data');
    expect(await snapshotTableDirs(sshd.dataDir, 'nope', 'task_1')).toEqual([]);
    await clearSnapshots(nodes, 'task_1', { keyspace: 'ks1' });
    expect(await snapshotTableDirs(sshd.dataDir, 'ks1', 'task_1')).toEqual([]);
  });

  it('fails as one error naming every failed node, and undoes partial snapshots', async () => {
    await writeFile(sshd.nodetoolLog, '');
    const down: SshTarget = { ...(nodes[0] as SshTarget), host: '127.0.0.2', port: 1 };
    const err = await takeSnapshots([nodes[0] as SshTarget, down], 'ks1', 'task_2', { connectTimeoutMs: 3000 }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_SSH_UNREACHABLE', location: { host: '127.0.0.2' } });
    expect(String((err as Error).message)).toContain('failed on 1 of 2 node(s)');
    expect((await readFile(sshd.nodetoolLog, 'utf8')).trim().split('\n')).toEqual(['snapshot -t task_2 ks1', 'clearsnapshot -t task_2 ks1']);
    expect(await snapshotTableDirs(sshd.dataDir, 'ks1', 'task_2')).toEqual([]);
    await expect(takeSnapshots(nodes, 'missing_ks', 'task_3')).rejects.toMatchObject({
      code: 'E_REMOTE_COMMAND', message: expect.stringContaining('Keyspace missing_ks does not exist'),
    });
  });
});
