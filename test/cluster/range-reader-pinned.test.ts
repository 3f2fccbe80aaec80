/**
 * A table opened before compaction deletes its files reads whole and exactly: as one stream, and as
 * several token ranges seeked through Summary.db / Index.db (sequentially and concurrently), because
 * openSSTable pins every file it will read.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTableSSTables } from '../../src/catalog/open-table.js';
import { openSeekers, planRanges, rangeRows, rangesRows } from '../../src/cluster/range-reader.js';
import { closeAll, tableRows, type OpenedSSTable } from '../../src/sstable/table.js';
import { M3, NOW, SCHEMA, openFdsUnder, renderRows, writeGenerations } from '../catalog/live-table.js';

const KEYS = 3000;
const opts = { nowInSec: NOW };

describe('ranges of a table whose files compaction deleted after open', () => {
  let root: string;
  let dir: string;
  let opened: OpenedSSTable[] = [];
  let before: string[];
  let beforeRanges: string[][];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pinned-'));
    dir = join(root, 'ks', 't-0123456789abcdef0123456789abcdef');
    await writeGenerations(dir, 3, KEYS);
    opened = (await openTableSSTables([dir])).sstables;
    before = await renderRows(tableRows(opened, SCHEMA, opts));
    const seekers = await openSeekers(opened);
    const ranges = planRanges(seekers, M3, 6, 'summary');
    beforeRanges = [];
    for (const r of ranges) beforeRanges.push(await renderRows(rangeRows(seekers, SCHEMA, r, opts)));
    // compaction finished: every file of the table is gone
    await rm(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await closeAll(opened);
    await rm(root, { recursive: true, force: true });
  });

  it('the fixture is meaningful: 3 SSTables, several summary samples, several non-empty ranges, files gone', async () => {
    expect(opened).toHaveLength(3);
    expect(existsSync(dir)).toBe(false);
    expect(before).toHaveLength(KEYS * 2);
    const seekers = await openSeekers(opened);
    expect(seekers.reduce((n, s) => n + s.samples.length, 0)).toBeGreaterThanOrEqual(24);
    expect(beforeRanges.filter((r) => r.length > 0).length).toBeGreaterThanOrEqual(5);
    expect(beforeRanges.flat()).toEqual(before);
    // pinned: Data.db and Index.db of each SSTable, deleted but open
    const fds = await openFdsUnder(dir);
    expect(fds).toHaveLength(6);
    expect(fds.every((f) => f.endsWith(' (deleted)'))).toBe(true);
  });

  it('reads whole, identical to the read before deletion (twice: iterations do not use up the handle)', async () => {
    expect(await renderRows(tableRows(opened, SCHEMA, opts))).toEqual(before);
    expect(await renderRows(tableRows(opened, SCHEMA, opts))).toEqual(before);
  });

  it('reads as token ranges, seekers opened after deletion, identical per range and in total', async () => {
    const seekers = await openSeekers(opened);
    for (const n of [6, 11]) {
      for (const method of ['summary', 'even'] as const) {
        const ranges = planRanges(seekers, M3, n, method);
        expect(await renderRows(rangesRows(seekers, SCHEMA, ranges, opts))).toEqual(before);
      }
    }
    const ranges = planRanges(seekers, M3, 6, 'summary');
    for (const [i, r] of ranges.entries()) expect(await renderRows(rangeRows(seekers, SCHEMA, r, opts))).toEqual(beforeRanges[i]);
  });

  it('reads every range concurrently on the shared handles', async () => {
    const seekers = await openSeekers(opened);
    const ranges = planRanges(seekers, M3, 9, 'even');
    const parts = await Promise.all(ranges.map((r) => renderRows(rangeRows(seekers, SCHEMA, r, opts))));
    expect(parts.flat()).toEqual(before);
  });

  it('after closeAll a read fails clearly instead of yielding part of the table (last test: it closes one)', async () => {
    const seekers = await openSeekers(opened);
    const one = opened.slice(0, 1);
    await closeAll(one);
    await expect(renderRows(tableRows(one, SCHEMA, opts))).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    const middle = planRanges(seekers, M3, 4, 'even')[1];
    if (middle === undefined) throw new Error('no range');
    await expect(renderRows(rangeRows(seekers.slice(0, 1), SCHEMA, middle, opts))).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });
});
