/**
 * Real sshfs against a real sshd on loopback: key, password and passphrase-key mounts, wrong
 * credentials, the server killed mid-read, remount, unmount on shutdown and stale-mount cleanup.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MountManager, type MountNode } from '../../src/mount/manager.js';
import { readMountInfo, sshfsMountsUnder } from '../../src/mount/mountinfo.js';
import { checkMountHealth } from '../../src/mount/health.js';
import { readThroughMount } from '../../src/mount/guard.js';
import { readNodeConf, requireMountedDataDirectories } from '../../src/cluster/node-conf.js';
import { allCommandLines, pidsMatching, sshdAvailable, startTestSshd, type TestSshd } from '../helpers/sshd.js';
import { codePolicy } from '../../src/mount/retry.js';

const TUNING = { maxConns: 2, maxRead: 131072, serverAliveInterval: 2, reconnect: true } as const;
const BIG = 48 * 1024 * 1024;

describe.runIf(sshdAvailable({ fuse: true }))('sshfs mounts against a real sshd', () => {
  let sshd: TestSshd;
  let work: string;
  let remote: string;
  const managers: MountManager[] = [];

  const node = (over: Partial<MountNode> = {}): MountNode => ({
    host: sshd.host, sshPort: sshd.port, user: 'root',
    auth: { kind: 'key', privateKeyPath: sshd.userKey },
    confDirectory: join(remote, 'conf'), dataDirectories: [join(remote, 'data1'), join(remote, 'data2')],
    strictHostKeyChecking: 'accept-new', knownHostsPath: join(work, 'known_hosts'), ...over,
  });
  const manager = (n: MountNode, root: string, env: Record<string, string> = {}): MountManager => {
    const m = new MountManager({ mountRoot: join(work, root), nodes: [n], sshfs: TUNING, env, runtimeDir: join(work, `${root}-agents`), retry: codePolicy('test mount', 2, 100, 200, ['E_SSH_UNREACHABLE', 'E_MOUNT_LOST']) });
    managers.push(m);
    return m;
  };

  beforeAll(async () => {
    sshd = await startTestSshd();
    work = await mkdtemp(join(tmpdir(), 'cx-mnt-'));
    remote = join(sshd.dir, 'node');
    await execa('mkdir', ['-p', join(remote, 'conf'), join(remote, 'data1', 'ks1'), join(remote, 'data2')]);
    await writeFile(join(remote, 'conf', 'cassandra.yaml'), `cluster_name: Test\nnum_tokens: 16\npartitioner: org.apache.cassandra.dht.Murmur3Partitioner\ndata_file_directories:\n  - ${join(remote, 'data1')}\n  - ${join(remote, 'data2')}\n`);
    await writeFile(join(remote, 'data1', 'ks1', 'big.bin'), randomBytes(BIG));
    await execa('chmod', ['-R', 'a+rX', remote]);
  });

  afterAll(async () => {
    for (const m of managers) await m.unmountAll().catch(() => undefined);
    if (work !== undefined) {
      for (const e of sshfsMountsUnder(await readMountInfo(), work)) await execa('umount', ['-l', e.mountPoint], { reject: false });
      await rm(work, { recursive: true, force: true });
    }
    await sshd?.cleanup();
  });

  it('mounts conf and data with a key, reads files, discovers the node, and unmounts everything', async () => {
    const m = manager(node(), 'key');
    const report = await m.mountAll();
    expect(report.failures).toEqual([]);
    expect(report.mounts.map((s) => [s.role, s.mountPoint.slice(m.mountRoot.length), s.health.state])).toEqual([
      ['conf', '/127.0.0.1_node/conf', 'ok'], ['data', '/127.0.0.1_node/data', 'ok'], ['data', '/127.0.0.1_node/data1', 'ok'],
    ]);
    const conf = await readNodeConf({ host: sshd.host, cassandraYaml: join(remote, 'conf', 'cassandra.yaml') }, m.targets());
    expect(conf.numTokens).toBe(16);
    expect(requireMountedDataDirectories(sshd.host, conf, m.targets())).toEqual([join(m.mountRoot, '127.0.0.1_node/data'), join(m.mountRoot, '127.0.0.1_node/data1')]);
    const local = await readFile(join(remote, 'data1', 'ks1', 'big.bin'));
    const viaMount = await readFile(join(m.mountRoot, '127.0.0.1_node/data/ks1/big.bin'));
    expect(viaMount.equals(local)).toBe(true);
    // a second mountAll keeps the live mounts
    expect((await m.mountAll()).failures).toEqual([]);
    await m.unmountAll();
    expect(sshfsMountsUnder(await readMountInfo(), m.mountRoot)).toEqual([]);
  });

  it('mounts with a password given on stdin only, never in any command line', async () => {
    const pwFile = join(work, 'secret-pw');
    await writeFile(pwFile, `${sshd.passwordUser.password}\n`, { mode: 0o600 });
    const m = manager(node({ user: sshd.passwordUser.name, auth: { kind: 'password', passwordRef: { file: pwFile } } }), 'pw');
    const report = await m.mountAll();
    expect(report.failures).toEqual([]);
    expect(await readFile(join(m.mountRoot, '127.0.0.1_node/conf/cassandra.yaml'), 'utf8')).toContain('cluster_name: Test');
    const cmdlines = allCommandLines();
    expect(cmdlines.some((c) => c.includes('password_stdin'))).toBe(true);
    expect(cmdlines.filter((c) => c.includes(sshd.passwordUser.password))).toEqual([]);
    await m.unmountAll();
  });

  it('mounts with a passphrase-protected key through a private ssh-agent, stopped at unmount', async () => {
    const m = manager(node({ auth: { kind: 'key', privateKeyPath: sshd.encryptedKey, passphraseRef: { env: 'PP' } } }), 'pp', { PP: sshd.passphrase });
    const report = await m.mountAll();
    expect(report.failures).toEqual([]);
    expect(allCommandLines().filter((c) => c.includes(sshd.passphrase))).toEqual([]);
    expect(pidsMatching('ssh-agent -D -a', m.runtimeDir).length).toBe(1);
    await m.unmountAll();
    await new Promise((r) => setTimeout(r, 100));
    expect(pidsMatching('ssh-agent -D -a', m.runtimeDir)).toEqual([]);
  });

  it('reports wrong credentials and an unreachable port per node, naming the host', async () => {
    const wrong = manager(node({ auth: { kind: 'key', privateKeyPath: sshd.strangerKey } }), 'wrong');
    const r1 = await wrong.mountAll();
    expect(r1.failures.map((f) => [f.host, f.error.code])).toEqual([['127.0.0.1', 'E_SSH_AUTH']]);
    expect(r1.failures[0]?.error.message).toContain('host 127.0.0.1');
    const down = manager(node({ sshPort: 1 }), 'down');
    const r2 = await down.mountAll();
    expect(r2.failures.map((f) => f.error.code)).toEqual(['E_SSH_UNREACHABLE']);
    expect(sshfsMountsUnder(await readMountInfo(), work).filter((e) => e.mountPoint.includes('/wrong/') || e.mountPoint.includes('/down/'))).toEqual([]);
  });

  it('survives the server being killed mid-read: clear error, health check notices, remount after restart', async () => {
    const m = manager(node({ dataDirectories: [join(remote, 'data1')] }), 'kill');
    expect((await m.mountAll()).failures).toEqual([]);
    const file = join(m.mountRoot, '127.0.0.1_node/data/ks1/big.bin');
    const readAt = async (pos: number): Promise<Buffer> => {
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(1 << 20);
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    };
    expect((await readAt(0)).length).toBe(1 << 20);
    sshd.kill();
    const lost = await readThroughMount(m, file, () => readAt(BIG - (4 << 20))).then(() => null, (e: unknown) => e);
    expect(lost).toMatchObject({ code: 'E_MOUNT_LOST', location: { host: '127.0.0.1', file } });
    const health = await checkMountHealth(join(m.mountRoot, '127.0.0.1_node/data'), 3000);
    expect(health.state === 'broken' || health.state === 'hung').toBe(true);
    await sshd.start();
    const original = await readFile(join(remote, 'data1', 'ks1', 'big.bin'));
    const pos = BIG - (8 << 20);
    const again = await readThroughMount(m, file, () => readAt(pos), { policy: codePolicy('test read', 3, 50, 100, ['E_MOUNT_LOST']) });
    expect(again.equals(original.subarray(pos, pos + (1 << 20)))).toBe(true);
    const statuses = await m.ensureHealthy();
    expect(statuses.every((s) => s.health.state === 'ok')).toBe(true);
    await m.unmountAll();
  });

  it('cleans up a stale mount whose sshfs died (ENOTCONN), then mounts again', async () => {
    const m = manager(node({ dataDirectories: [join(remote, 'data1')] }), 'stale');
    expect((await m.mountAll()).failures).toEqual([]);
    const conf = join(m.mountRoot, '127.0.0.1_node/conf');
    for (const pid of pidsMatching('sshfs', conf)) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect(await checkMountHealth(conf, 3000)).toEqual({ state: 'broken', errno: 'ENOTCONN' });
    // a fresh manager, as after an agent crash
    const fresh = manager(node({ dataDirectories: [join(remote, 'data1')] }), 'stale');
    expect(await fresh.cleanupStale()).toEqual([conf]);
    expect((await readMountInfo()).some((e) => e.mountPoint === conf)).toBe(false);
    expect((await fresh.mountAll()).mounts.every((s) => s.health.state === 'ok')).toBe(true);
    await fresh.unmountAll();
    expect(sshfsMountsUnder(await readMountInfo(), fresh.mountRoot)).toEqual([]);
  });
});
