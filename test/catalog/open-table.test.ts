/**
 * openTableSSTables against a listing that goes stale: compaction (simulated with the project's writer)
 * replaces SSTables between the listing and the open.
 */
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateTable, type TableLocation } from '../../src/catalog/locate.js';
import { openTableSSTables } from '../../src/catalog/open-table.js';
import { openSeekers, type SSTableSeeker } from '../../src/cluster/range-reader.js';
import type { AgentError } from '../../src/errors.js';
import { closeAll, tableRows } from '../../src/sstable/table.js';
import { NOW, SCHEMA, compact, deleteGenerations, openFdsUnder, renderRows, writeGenerations } from './live-table.js';

const KEYS = 400;

async function rowsOf(dir: string): Promise<string[]> {
  const { sstables } = await openTableSSTables([dir]);
  try {
    return await renderRows(tableRows(sstables, SCHEMA, { nowInSec: NOW }));
  } finally {
    await closeAll(sstables);
  }
}

async function failure(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    return e as AgentError;
  }
  throw new Error('expected a failure');
}

describe('openTableSSTables', () => {
  let root: string;
  let dir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'open-table-'));
    dir = join(root, 'ks', 't-0123456789abcdef0123456789abcdef');
    await writeGenerations(dir, 3, KEYS);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('opens every listed SSTable and keeps Data.db and Index.db of each open until closeAll', async () => {
    const { loc, sstables } = await openTableSSTables([dir]);
    expect(loc.sstables.map((d) => d.generation)).toEqual([1, 2, 3]);
    expect(sstables.map((t) => t.descriptor.generation)).toEqual([1, 2, 3]);
    expect(sstables.every((t) => t.index !== null && t.summary !== null)).toBe(true);
    expect(await openFdsUnder(dir)).toHaveLength(6);
    await closeAll(sstables);
    expect(await openFdsUnder(dir)).toHaveLength(0);
  });

  it('index: false keeps only Data.db open; a token-range seek then says why it cannot', async () => {
    const { sstables } = await openTableSSTables([dir], undefined, undefined, { index: false });
    try {
      expect(sstables.every((t) => t.index === null)).toBe(true);
      expect(await openFdsUnder(dir)).toHaveLength(3);
      const [seeker] = await openSeekers(sstables);
      const e = await failure((seeker as SSTableSeeker).offsetAfter(0n));
      expect(e.code).toBe('E_MISSING_COMPONENT');
      expect(e.message).toContain('opened without it');
    } finally {
      await closeAll(sstables);
    }
  });

  it('a listing made stale by compaction (inputs deleted before the open) is re-listed; the new set opens', async () => {
    const before = await rowsOf(dir);
    let calls = 0;
    const retries: number[] = [];
    const locate = async (): Promise<TableLocation> => {
      calls++;
      const loc = await locateTable([dir]);
      // compaction of 2 and 3 into 4 finishes right after the first listing
      if (calls === 1) await compact(dir, [2, 3], 4, KEYS, 3);
      return loc;
    };
    const { loc, sstables } = await openTableSSTables([dir], undefined, undefined, { locate, pauseMs: 1, onRetry: (a, e) => { retries.push(a); expect(e.code).toBe('E_TABLE_CHANGING'); } });
    try {
      expect(calls).toBe(2);
      expect(retries).toEqual([1]);
      expect(loc.sstables.map((d) => d.generation)).toEqual([1, 4]);
      expect(sstables.map((t) => t.descriptor.generation)).toEqual([1, 4]);
      // generation 1 opened in the first attempt was closed: only the final set is open
      const fds = await openFdsUnder(dir);
      expect(fds).toHaveLength(4);
      expect(fds.some((f) => f.includes('(deleted)'))).toBe(false);
      expect(await renderRows(tableRows(sstables, SCHEMA, { nowInSec: NOW }))).toEqual(before);
    } finally {
      await closeAll(sstables);
    }
  });

  it('compaction of the first listed SSTables (nothing opened yet) re-lists; a plain open then sees the new set', async () => {
    const before = await rowsOf(dir);
    let first = true;
    const locate = async (): Promise<TableLocation> => {
      const loc = await locateTable([dir]);
      if (first) {
        first = false;
        await compact(dir, [1, 2], 5, KEYS, 3);
      }
      return loc;
    };
    const { sstables } = await openTableSSTables([dir], 'ks', 't', { locate, pauseMs: 1 });
    try {
      expect(sstables.map((t) => t.descriptor.generation)).toEqual([3, 5]);
      expect(await renderRows(tableRows(sstables, SCHEMA, { nowInSec: NOW }))).toEqual(before);
    } finally {
      await closeAll(sstables);
    }
    const plain = await openTableSSTables([dir], 'ks', 't');
    expect(plain.sstables.map((t) => t.descriptor.generation)).toEqual([3, 5]);
    await closeAll(plain.sstables);
  });

  it('a table that never stops changing fails with E_TABLE_CHANGING after the attempts, naming the file', async () => {
    const stale = await locateTable([dir]);
    await deleteGenerations(dir, [2]);
    let calls = 0;
    const locate = async (): Promise<TableLocation> => {
      calls++;
      return stale;
    };
    const e = await failure(openTableSSTables([dir], undefined, undefined, { locate, attempts: 4, pauseMs: 1 }));
    expect(calls).toBe(4);
    expect(e.code).toBe('E_TABLE_CHANGING');
    expect(e.location.file).toContain('me-2-big-');
    expect(e.message).toContain('kept changing');
    expect(e.message).toContain('snapshot');
    expect(e.message).toContain('attempt 4 of 4');
    expect(await openFdsUnder(dir)).toHaveLength(0);
    // the default is 5 attempts
    calls = 0;
    await failure(openTableSSTables([dir], undefined, undefined, { locate, pauseMs: 1 }));
    expect(calls).toBe(5);
  });

  // Failures that are not a race with compaction: their own error at once, one listing, nothing left open.
  const notRaces: { what: string; spoil: () => Promise<void>; code: string | null; file?: string }[] = [
    // TOC.txt names CompressionInfo.db, which is absent from the directory: Data.db cannot be decompressed
    { what: 'a component missing on every listing', spoil: () => unlink(join(dir, 'me-1-big-CompressionInfo.db')), code: 'E_MISSING_COMPONENT', file: 'me-1-big-CompressionInfo.db' },
    { what: 'a required component never listed (no Statistics.db)', spoil: () => unlink(join(dir, 'me-3-big-Statistics.db')), code: 'E_MISSING_COMPONENT', file: 'me-3-big-Statistics.db' },
    { what: 'a corrupt Statistics.db', spoil: () => writeFile(join(dir, 'me-2-big-Statistics.db'), new Uint8Array([0, 0, 0, 99])), code: null },
  ];
  for (const c of notRaces) {
    it(`${c.what} is not a race: its own error at once, no retries`, async () => {
      await c.spoil();
      let calls = 0;
      const locate = async (): Promise<TableLocation> => {
        calls++;
        return locateTable([dir]);
      };
      const e = await failure(openTableSSTables([dir], undefined, undefined, { locate, pauseMs: 1 }));
      if (c.code === null) expect(e.code).not.toBe('E_TABLE_CHANGING');
      else expect(e.code).toBe(c.code);
      if (c.file !== undefined) expect(e.location.file).toContain(c.file);
      expect(calls).toBe(1);
      expect(await openFdsUnder(dir)).toHaveLength(0);
    });
  }

  it('an abort during the pause stops the retries', async () => {
    const stale = await locateTable([dir]);
    await deleteGenerations(dir, [1]);
    const ac = new AbortController();
    let calls = 0;
    const locate = async (): Promise<TableLocation> => {
      calls++;
      return stale;
    };
    const p = openTableSSTables([dir], undefined, undefined, { locate, pauseMs: 10_000, signal: ac.signal, onRetry: () => ac.abort() });
    const e = await failure(p);
    expect(e.code).toBe('E_ABORTED');
    expect(calls).toBe(1);
  });
});
