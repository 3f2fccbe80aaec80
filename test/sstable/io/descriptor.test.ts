import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAgentError } from '../../../src/errors.js';
import {
  chunkChecksumAlgorithm, describeDataFile, isV3, listSSTables, parseSSTableFileName, tableFromDirectory,
} from '../../../src/sstable/io/descriptor.js';
import { evaluateTxnLog } from '../../../src/sstable/io/txn-log.js';
import { FIXTURES_ROOT, fixturePath, haveFixture } from '../../helpers/fixtures.js';

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isAgentError(e) ? e.code : e).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('parseSSTableFileName', () => {
  it('reads 2.1, 2.2+ and temporary names', () => {
    expect(parseSSTableFileName('ks1-users-ka-12-Data.db')).toEqual({ version: 'ka', generation: 12, component: 'Data.db', keyspace: 'ks1', table: 'users', formatName: null, temporary: false });
    expect(parseSSTableFileName('ks1-users.users_email_idx-ka-3-Data.db')).toMatchObject({ keyspace: 'ks1', table: 'users.users_email_idx', generation: 3 });
    expect(parseSSTableFileName('ks1-users-tmp-ka-4-Index.db')).toMatchObject({ temporary: true, component: 'Index.db', generation: 4 });
    expect(parseSSTableFileName('ks1-users-tmplink-ka-4-Data.db')).toMatchObject({ temporary: true });
    expect(parseSSTableFileName('la-1-big-Digest.adler32')).toEqual({ version: 'la', generation: 1, component: 'Digest.adler32', keyspace: null, table: null, formatName: 'big', temporary: false });
    expect(parseSSTableFileName('tmp-lb-3-big-Data.db')).toMatchObject({ version: 'lb', temporary: true });
    expect(parseSSTableFileName('tmplink-la-2-big-Index.db')).toMatchObject({ version: 'la', temporary: true });
    expect(parseSSTableFileName('mc-7-big-Summary.db.tmp')).toMatchObject({ temporary: true });
    expect(parseSSTableFileName('na-1-big-Data.db')).toMatchObject({ version: 'na', generation: 1 });
  });

  it('rejects names that are not sstable components', () => {
    for (const n of ['mc_txn_flush_7d2a1c30-0000-11e8-8000-000000000000.log', 'CommitLog-5-1438186915514.log', 'schema.cql', 'manifest.json', 'mc-x-big-Data.db', 'a-b-c-mc-1-big-Data.db', 'Data.db', 'mc-1-big-']) {
      expect(parseSSTableFileName(n), n).toBeNull();
    }
  });
});

describe('version gates', () => {
  it('isV3 and the checksum algorithm follow §2', () => {
    expect(isV3('lb')).toBe(false);
    expect(isV3('ma')).toBe(true);
    expect(chunkChecksumAlgorithm('ka')).toBe('adler32');
    expect(chunkChecksumAlgorithm('lb')).toBe('adler32');
    expect(chunkChecksumAlgorithm('ma')).toBe('crc32');
    expect(chunkChecksumAlgorithm('me')).toBe('crc32');
  });
});

describe('tableFromDirectory', () => {
  it('derives keyspace and table (§1.1)', () => {
    expect(tableFromDirectory('/data/ks1/users-0123456789abcdef0123456789abcdef')).toEqual({ keyspace: 'ks1', table: 'users' });
    expect(tableFromDirectory('/data/ks1/users')).toEqual({ keyspace: 'ks1', table: 'users' });
    expect(tableFromDirectory('/data/ks1/users-0123456789abcdef0123456789abcdef/.users_email_idx')).toEqual({ keyspace: 'ks1', table: 'users.users_email_idx' });
    expect(tableFromDirectory('/data/ks1/users-0123456789abcdef0123456789abcdef/backups')).toEqual({ keyspace: 'ks1', table: 'users' });
    expect(tableFromDirectory('/data/ks1/users-0123456789abcdef0123456789abcdef/snapshots/tag-1')).toEqual({ keyspace: 'ks1', table: 'users' });
    expect(tableFromDirectory('/data/ks1/users-0123456789abcdef0123456789abcdef/snapshots/tag/.idx')).toEqual({ keyspace: 'ks1', table: 'users.idx' });
    expect(tableFromDirectory('/')).toEqual({ keyspace: null, table: null });
  });
});

function sstableDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('Data.db'))) out.push(dir);
    for (const e of entries) if (e.isDirectory() && !['expected', 'commitlog', 'snapshots'].includes(e.name)) walk(join(dir, e.name));
  };
  walk(root);
  return out.sort();
}

const haveCorpus = haveFixture('cassandra-legacy');

describe.runIf(haveCorpus)('listSSTables on the fixtures', () => {
  it.each([
    ['cassandra-migration/2.1/test/foo-0094ac203e7411e59149ef9f87394ca6'],
    ['cassandra-migration/2.2/keyspace1/test-dfcc85801bc811e5aa694b06169f4ffa'],
  ])('%s: only the live sstable, tmp-/tmplink- leftovers skipped', async (fixture) => {
    const exp = JSON.parse(await readFile(join(FIXTURES_ROOT, 'expected', `${fixture}.json`), 'utf8')) as { liveSSTables: string[]; temporaryFiles: string[]; keyspace: string; table: string };
    const list = await listSSTables(fixturePath(fixture));
    expect(list.map((d) => basename(d.dataPath))).toEqual(exp.liveSSTables);
    expect(list[0]?.keyspace).toBe(exp.keyspace);
    expect(list[0]?.table).toBe(exp.table);
    for (const t of exp.temporaryFiles) expect(parseSSTableFileName(t)?.temporary, t).toBe(true);
  });

  it('ka takes keyspace and table from the file name, even when the directory says otherwise', async () => {
    const [d] = await listSSTables(fixturePath('cassandra-legacy/ka/legacy_tables/legacy_ka_repeated_rt'));
    expect(d?.keyspace).toBe('Keyspace1');
    expect(d?.table).toBe('legacy_ka_repeated_rt');
    expect(d?.version).toBe('ka');
    expect(d?.generation).toBe(1);
    expect(d?.components.has('CompressionInfo.db')).toBe(true);
    expect(d?.componentPath('Statistics.db')).toBe(fixturePath('cassandra-legacy/ka/legacy_tables/legacy_ka_repeated_rt/Keyspace1-legacy_ka_repeated_rt-ka-1-Statistics.db'));
  });

  it('keyspace and table agree with the expectations wherever the layout determines them', async () => {
    let checked = 0;
    for (const dir of sstableDirs(FIXTURES_ROOT)) {
      const rel = relative(FIXTURES_ROOT, dir);
      const exp = JSON.parse(await readFile(join(FIXTURES_ROOT, 'expected', `${rel}.json`), 'utf8')) as { keyspace: string; table: string; sstables: string[] };
      const list = await listSSTables(dir);
      expect(list.length).toBeGreaterThan(0);
      const derivable = list[0]?.version === 'ka' || /-[0-9a-f]{32}$/.test(dir) || rel.startsWith('cassandra-legacy/');
      if (!derivable) continue;
      for (const d of list) expect([d.keyspace, d.table], rel).toEqual([exp.keyspace, exp.table]);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('lists multi-sstable tables sorted by generation', async () => {
    const list = await listSSTables(fixturePath('pcass-me/data/system/local-7ad54392bcdd35a684174e047860b377'));
    expect(list.map((d) => d.generation)).toEqual([13, 14, 15]);
  });

  it('skips snapshots/ (the md set has one)', async () => {
    const list = await listSSTables(fixturePath('sstable-to-arrow-md/baselines/iot-5b608090e03d11ebb4c1d335f841c590'));
    expect(list.map((d) => basename(d.dataPath))).toEqual(['md-2-big-Data.db']);
  });

  it('describeDataFile finds the same components as listSSTables', async () => {
    const [listed] = await listSSTables(fixturePath('cassandra-migration/2.1/test/foo-0094ac203e7411e59149ef9f87394ca6'));
    const d = await describeDataFile(listed?.dataPath ?? '');
    expect([...d.components].sort()).toEqual([...(listed?.components ?? [])].sort());
    expect(d.components.has('Data.db')).toBe(true);
    expect(d.keyspace).toBe('test');
  });
});

describe('listSSTables on built directories', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sstdesc-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function table(name: string, files: Record<string, string>): Promise<string> {
    const dir = join(root, 'ks9', `${name}-0123456789abcdef0123456789abcdef`);
    await mkdir(dir, { recursive: true });
    for (const [f, content] of Object.entries(files)) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), content);
    }
    return dir;
  }

  const sstable = (prefix: string): Record<string, string> => ({ [`${prefix}-Data.db`]: '', [`${prefix}-Statistics.db`]: '', [`${prefix}-TOC.txt`]: 'Data.db\nStatistics.db\n' });

  it('honours 3.x transaction logs: no commit -> added sstables incomplete; commit -> removed ones obsolete', async () => {
    const dir = await table('t_txn', {
      ...sstable('mc-1-big'), ...sstable('mc-2-big'), ...sstable('mc-3-big'), ...sstable('mc-10-big'),
      // an unfinished compaction producing mc-3 out of mc-2 (torn last line included)
      'mc_txn_compaction_11111111-1111-1111-1111-111111111111.log':
        `add:[/var/lib/cassandra/data/ks9/t_txn-0123456789abcdef0123456789abcdef/mc-3-big-,0,8][2771405397]\nremove:[/var/lib/cassandra/data/ks9/t_txn-0123456789abcdef0123456789abcdef/mc-2-big-,1515000000000,8][12345]\nco`,
      // a committed compaction that replaced mc-1 with mc-10, whose deletion did not finish
      'mc_txn_compaction_22222222-2222-2222-2222-222222222222.log':
        `add:[/elsewhere/mc-10-big-,0,8][1]\nremove:[/elsewhere/mc-1-big-,1515000000000,8][2]\ncommit:[,1515000000001,0][3]\n`,
    });
    const list = await listSSTables(dir);
    expect(list.map((d) => basename(d.dataPath))).toEqual(['mc-2-big-Data.db', 'mc-10-big-Data.db']);
    expect(list.map((d) => [d.keyspace, d.table])).toEqual([['ks9', 't_txn'], ['ks9', 't_txn']]);
  });

  it('an aborted transaction counts as unfinished', () => {
    const v = evaluateTxnLog('add:[/d/mc-5-big-,0,8][1]\nremove:[/d/mc-4-big-,1,8][2]\nabort:[,2,0][3]\n');
    expect(v.committed).toBe(false);
    expect([...v.skipped]).toEqual(['mc-5-big']);
  });

  it('skips sstables without Data.db, *.tmp files, snapshots/ and backups/; index dirs only on request', async () => {
    const dir = await table('t_misc', {
      ...sstable('mc-1-big'),
      'mc-2-big-Statistics.db': '',
      'mc-3-big-Data.db.tmp': '',
      'snapshots/tag1/mc-1-big-Data.db': '',
      'backups/mc-1-big-Data.db': '',
      '.t_misc_idx/mc-4-big-Data.db': '',
    });
    expect((await listSSTables(dir)).map((d) => basename(d.dataPath))).toEqual(['mc-1-big-Data.db']);
    const withIdx = await listSSTables(dir, { includeSecondaryIndexes: true });
    expect(withIdx.map((d) => [basename(d.dataPath), d.table])).toEqual([['mc-1-big-Data.db', 't_misc'], ['mc-4-big-Data.db', 't_misc.t_misc_idx']]);
  });

  it('2.1 secondary-index sstables beside the base table are listed only on request', async () => {
    const dir = await table('users', { ...sstable('ks9-users-ka-1'), ...sstable('ks9-users.users_email_idx-ka-2') });
    expect((await listSSTables(dir)).map((d) => d.table)).toEqual(['users']);
    expect((await listSSTables(dir, { includeSecondaryIndexes: true })).map((d) => [d.keyspace, d.table])).toEqual([['ks9', 'users'], ['ks9', 'users.users_email_idx']]);
  });

  it('an unsupported version -> E_UNSUPPORTED_VERSION from listSSTables and describeDataFile', async () => {
    const dir = await table('t_na', { ...sstable('na-1-big') });
    await expectCode(listSSTables(dir), 'E_UNSUPPORTED_VERSION');
    await expectCode(describeDataFile(join(dir, 'na-1-big-Data.db')), 'E_UNSUPPORTED_VERSION');
    const old = await table('t_jb', { 'ks9-t_jb-jb-1-Data.db': '' });
    await expectCode(listSSTables(old), 'E_UNSUPPORTED_VERSION');
  });

  it('bad paths -> E_NOT_FOUND / E_BAD_ARGUMENT', async () => {
    await expectCode(listSSTables(join(root, 'nope')), 'E_NOT_FOUND');
    await expectCode(describeDataFile(join(root, 'nope', 'mc-1-big-Data.db')), 'E_NOT_FOUND');
    await expectCode(describeDataFile(join(root, 'mc-1-big-Index.db')), 'E_BAD_ARGUMENT');
  });
});
