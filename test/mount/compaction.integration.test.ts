/**
 * Compaction deleting SSTables in the middle of a read, over a real sshfs mount of a real sshd on
 * loopback: a table opened before its files are unlinked on the "node" is still read whole and
 * exactly (the sftp server holds the open files), as one stream and as token ranges; a table whose
 * listed SSTable vanished before it was opened is listed again (the compacted replacement is read).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTableSSTables } from '../../src/catalog/open-table.js';
import { openSeekers, planRanges, rangesRows } from '../../src/cluster/range-reader.js';
import { jsonRowRenderer } from '../../src/export/json-row.js';
import { MountManager } from '../../src/mount/manager.js';
import { readMountInfo, sshfsMountsUnder } from '../../src/mount/mountinfo.js';
import { codePolicy } from '../../src/mount/retry.js';
import { parseCqlSchema } from '../../src/schema/cql-ddl.js';
import type { TableSchema } from '../../src/schema/model.js';
import { closeAll, tableRows, type OpenedSSTable } from '../../src/sstable/table.js';
import { writeSSTable, type WritePartition } from '../../src/sstable/writer/index.js';
import { murmur3Token } from '../../src/merge/murmur3.js';
import { sshdAvailable, startTestSshd, type TestSshd } from '../helpers/sshd.js';

const NOW = 1_700_000_000;
const SCHEMA = parseCqlSchema('CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck));').tables[0] as TableSchema;
const M3 = 'org.apache.cassandra.dht.Murmur3Partitioner';

const keyBytes = (k: number): Uint8Array => new Uint8Array([k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255]);

/** Partitions `keys` (token order), each with 3 rows written at `ts`. */
function partitions(keys: number[], ts: bigint, tag: string): WritePartition[] {
  return keys
    .map((k) => ({ k, t: murmur3Token(keyBytes(k)) }))
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0))
    .map(({ k }) => ({ key: [k], rows: [1, 2, 3].map((ck) => ({ clustering: [ck], liveness: { timestamp: ts }, cells: { v: { value: `${tag}-${k}-${ck}` } } })) }));
}

async function readAll(sstables: readonly OpenedSSTable[]): Promise<string[]> {
  const render = jsonRowRenderer(SCHEMA);
  const out: string[] = [];
  for await (const b of tableRows(sstables, SCHEMA, { nowInSec: NOW })) for (const r of b) out.push(JSON.stringify(render(r)));
  return out;
}

async function readRanges(sstables: readonly OpenedSSTable[], n: number): Promise<string[]> {
  const render = jsonRowRenderer(SCHEMA);
  const seekers = await openSeekers(sstables);
  const out: string[] = [];
  for await (const b of rangesRows(seekers, SCHEMA, planRanges(seekers, M3, n, 'even'), { nowInSec: NOW })) for (const r of b) out.push(JSON.stringify(render(r)));
  return out;
}

describe.runIf(sshdAvailable({ fuse: true }))('compaction during a read over sshfs', () => {
  let sshd: TestSshd;
  let work: string;
  let remoteTable: string;
  let manager: MountManager;
  let mountedTable: string;

  beforeAll(async () => {
    sshd = await startTestSshd();
    work = await mkdtemp(join(tmpdir(), 'cx-compact-'));
    const remote = join(sshd.dir, 'cnode');
    remoteTable = join(remote, 'data', 'ks', 't');
    await mkdir(join(remote, 'conf'), { recursive: true });
    await mkdir(remoteTable, { recursive: true });
    await writeFile(join(remote, 'conf', 'cassandra.yaml'), `cluster_name: Test\ndata_file_directories:\n  - ${join(remote, 'data')}\n`);
    const keys = Array.from({ length: 300 }, (_, i) => i);
    // three flushes: overlapping keys, the newer write wins
    await writeSSTable(remoteTable, SCHEMA, partitions(keys.filter((k) => k % 2 === 0), 1000n, 'a'), { generation: 1, compression: 'lz4', chunkLength: 4096, nowInSec: NOW });
    await writeSSTable(remoteTable, SCHEMA, partitions(keys.filter((k) => k % 3 === 0), 2000n, 'b'), { generation: 2, compression: 'lz4', chunkLength: 4096, nowInSec: NOW });
    await writeSSTable(remoteTable, SCHEMA, partitions(keys.filter((k) => k % 5 === 0), 3000n, 'c'), { generation: 3, compression: 'none', nowInSec: NOW });
    await execa('chmod', ['-R', 'a+rwX', remote]);
    manager = new MountManager({
      mountRoot: join(work, 'mnt'),
      nodes: [{ host: sshd.host, sshPort: sshd.port, user: 'root', auth: { kind: 'key', privateKeyPath: sshd.userKey }, confDirectory: join(remote, 'conf'), dataDirectories: [join(remote, 'data')], strictHostKeyChecking: 'accept-new', knownHostsPath: join(work, 'known_hosts') }],
      sshfs: { maxConns: 2, maxRead: 131072, serverAliveInterval: 2, reconnect: true },
      env: {},
      runtimeDir: join(work, 'agents'),
      retry: codePolicy('test mount', 2, 100, 200, ['E_SSH_UNREACHABLE', 'E_MOUNT_LOST']),
    });
    expect((await manager.mountAll()).failures).toEqual([]);
    mountedTable = join(manager.mountRoot, '127.0.0.1_node', 'data', 'ks', 't');
  }, 120_000);

  afterAll(async () => {
    await manager?.unmountAll().catch(() => undefined);
    if (work !== undefined) {
      for (const e of sshfsMountsUnder(await readMountInfo(), work)) await execa('umount', ['-l', e.mountPoint], { reject: false });
      await rm(work, { recursive: true, force: true });
    }
    await sshd?.cleanup();
  });

  it('an opened table is read whole and exactly after the node deletes its files', async () => {
    const ref = await openTableSSTables([mountedTable]);
    const expected = await readAll(ref.sstables);
    await closeAll(ref.sstables);
    // keys 0..299 that are even, or multiples of 3 or 5: 150 + 100 + 60 - 50 - 30 - 20 + 10 = 220 partitions of 3 rows
    expect(expected.length).toBe(220 * 3);
    expect(expected.filter((r) => r.includes('"c-')).length).toBe(60 * 3);

    const opened = await openTableSSTables([mountedTable]);
    try {
      const copy = join(work, 'saved');
      await execa('cp', ['-a', remoteTable, copy]);
      // "compaction" on the node removes every SSTable of the table
      for (const f of await readdir(remoteTable)) await rm(join(remoteTable, f));
      expect(await readdir(remoteTable)).toEqual([]);
      expect(await readAll(opened.sstables)).toEqual(expected);
      const ranged = await readRanges(opened.sstables, 7);
      expect(ranged).toEqual(expected);
      // put the table back for the next test
      for (const f of await readdir(copy)) await execa('cp', ['-a', join(copy, f), join(remoteTable, f)]);
    } finally {
      await closeAll(opened.sstables);
    }
  }, 120_000);

  it('a listing that went stale before the open is listed again and the replacement is read', async () => {
    const before = await openTableSSTables([mountedTable]);
    const expected = await readAll(before.sstables);
    await closeAll(before.sstables);
    // the compacted replacement: generation 4 with the same reconciled rows; 1-3 go away after the first listing
    const rows = expected.map((r) => JSON.parse(r) as { pk: number; ck: number; v: string });
    const byKey = new Map<number, { ck: number; v: string }[]>();
    for (const r of rows) byKey.set(r.pk, [...(byKey.get(r.pk) ?? []), { ck: r.ck, v: r.v }]);
    const merged: WritePartition[] = [...byKey].map(([pk, rs]) => ({ key: [pk], rows: rs.map((x) => ({ clustering: [x.ck], liveness: { timestamp: 5000n }, cells: { v: { value: x.v } } })) }))
      .sort((a, b) => (murmur3Token(keyBytes(a.key[0] as number)) < murmur3Token(keyBytes(b.key[0] as number)) ? -1 : 1));
    const staging = join(work, 'gen4');
    await mkdir(staging, { recursive: true });
    await writeSSTable(staging, SCHEMA, merged, { generation: 4, compression: 'lz4', nowInSec: NOW });
    let listings = 0;
    const opened = await openTableSSTables([mountedTable], 'ks', 't', {
      locate: async () => {
        const { locateTable } = await import('../../src/catalog/locate.js');
        const loc = await locateTable([mountedTable], 'ks', 't');
        listings++;
        if (listings === 1) {
          for (const f of await readdir(staging)) await execa('cp', [join(staging, f), join(remoteTable, f)]);
          for (const f of await readdir(remoteTable)) if (!f.startsWith('me-4-')) await rm(join(remoteTable, f));
        }
        return loc;
      },
    });
    try {
      expect(listings).toBe(2);
      expect(opened.loc.sstables.map((s) => s.generation)).toEqual([4]);
      expect(await readAll(opened.sstables)).toEqual(expected);
    } finally {
      await closeAll(opened.sstables);
    }
  }, 120_000);
});
