import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalSink, type WritableFile } from '../../src/sink/local.js';
import { openSink } from '../../src/sink/from-url.js';
import { MultipartDigest, checksumMatches } from '../../src/sink/s3-verify.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* gen(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

describe('LocalSink', () => {
  it('writes atomically under the final name, creating directories, and replaces on rewrite', async () => {
    const sink = new LocalSink(dir);
    const r = await sink.put('ks/t/LOAD00000001.csv', gen('a,b\n', 'c,d\n'), { contentType: 'text/csv' });
    expect(r).toEqual({ key: 'ks/t/LOAD00000001.csv', bytes: 8, sha256: sha('a,b\nc,d\n'), location: join(dir, 'ks/t/LOAD00000001.csv') });
    expect(await readFile(join(dir, 'ks/t/LOAD00000001.csv'), 'utf8')).toBe('a,b\nc,d\n');
    await sink.put('ks/t/LOAD00000001.csv', Buffer.from('x\n'), { contentType: 'text/csv', sha256: sha('x\n') });
    expect(await readFile(join(dir, 'ks/t/LOAD00000001.csv'), 'utf8')).toBe('x\n');
    expect(await readdir(join(dir, 'ks/t'))).toEqual(['LOAD00000001.csv']);
    await sink.put('manifest.json', Buffer.from('{}'), { contentType: 'application/json' });
    expect(await sink.list('')).toEqual([{ key: 'ks/t/LOAD00000001.csv', size: 2 }, { key: 'manifest.json', size: 2 }]);
    expect(await sink.list('ks/')).toEqual([{ key: 'ks/t/LOAD00000001.csv', size: 2 }]);
    expect(await sink.head('ks/t/LOAD00000001.csv')).toEqual({ key: 'ks/t/LOAD00000001.csv', size: 2 });
    expect(await sink.head('nope.csv')).toBeNull();
    await sink.delete('manifest.json');
    expect(await sink.head('manifest.json')).toBeNull();
  });

  it('a body that fails midway leaves neither the final file nor a temporary one; the old file survives', async () => {
    const sink = new LocalSink(dir);
    await sink.put('t/LOAD00000001.csv', Buffer.from('old\n'), { contentType: 'text/csv' });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('new-part\n');
      throw new Error('source broke');
    }
    await expect(sink.put('t/LOAD00000001.csv', failing(), { contentType: 'text/csv' })).rejects.toMatchObject({ code: 'E_IO' });
    expect(await readdir(join(dir, 't'))).toEqual(['LOAD00000001.csv']);
    expect(await readFile(join(dir, 't/LOAD00000001.csv'), 'utf8')).toBe('old\n');
  });

  it('ENOSPC from the OS (/dev/full through the open seam) is E_DISK_FULL naming the path; nothing under the final name', async () => {
    if (!existsSync('/dev/full')) return;
    const sink = new LocalSink(dir, { openFile: () => open('/dev/full', 'w') });
    const err = await sink.put('ks/t/LOAD00000001.csv', gen('x'.repeat(70000)), { contentType: 'text/csv' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_DISK_FULL' });
    expect((err as Error).message).toContain(join(dir, 'ks/t/LOAD00000001.csv'));
    expect((err as Error).message).toMatch(/ENOSPC/);
    expect(existsSync(join(dir, 'ks/t/LOAD00000001.csv'))).toBe(false);
    expect(await readdir(join(dir, 'ks/t'))).toEqual([]);
  });

  it('an injected failing write (EDQUOT after some bytes) removes the temporary file', async () => {
    let written = 0;
    const sink = new LocalSink(dir, {
      openFile: async (p): Promise<WritableFile> => {
        const h = await open(p, 'wx');
        return {
          write: async (b, off, len) => {
            if (written > 10) throw Object.assign(new Error('quota'), { code: 'EDQUOT' });
            written += len;
            return h.write(b, off, len);
          },
          sync: () => h.sync(),
          close: () => h.close(),
        };
      },
    });
    await expect(sink.put('a/b.csv', gen('0123456789', 'abcdef', 'more'), { contentType: 'text/csv' })).rejects.toMatchObject({ code: 'E_DISK_FULL' });
    expect(await readdir(join(dir, 'a'))).toEqual([]);
  });

  it('trickle sync: an fdatasync starts every trickleSyncBytes while writing, the final fsync comes after them; a failing one fails the put', async () => {
    const events: string[] = [];
    let failDatasync = false;
    const opener = (p: string): Promise<WritableFile> => open(p, 'wx').then((h) => ({
      write: async (b: Uint8Array, off: number, len: number) => {
        events.push(`write ${len}`);
        // slower than a datasync, so that each one lands before the next is due
        await new Promise((r) => setTimeout(r, 8));
        return h.write(b, off, len);
      },
      datasync: async () => {
        events.push('datasync');
        await new Promise((r) => setTimeout(r, 1));
        if (failDatasync) throw Object.assign(new Error('I/O error'), { code: 'EIO' });
        await h.datasync();
        events.push('datasync done');
      },
      sync: async () => {
        events.push('sync');
        await h.sync();
      },
      close: () => h.close(),
    }));
    const sink = new LocalSink(dir, { openFile: opener, trickleSyncBytes: 100 });
    const pieces = Array.from({ length: 12 }, (_, i) => String(i % 10).repeat(60));
    const r = await sink.put('trickle/a.csv', gen(...pieces), { contentType: 'text/csv' });
    expect(await readFile(join(dir, 'trickle/a.csv'), 'utf8')).toBe(pieces.join(''));
    expect(r.bytes).toBe(720);
    const syncs = events.filter((e) => e === 'datasync').length;
    expect(syncs).toBeGreaterThanOrEqual(2);
    // never two at once: each one is done before the next starts
    const started = events.flatMap((e, i) => (e === 'datasync' ? [i] : []));
    for (let k = 1; k < started.length; k++) expect(events.slice(started[k - 1], started[k])).toContain('datasync done');
    // the final fsync comes after the last trickle sync has landed
    expect(events.lastIndexOf('sync')).toBeGreaterThan(events.lastIndexOf('datasync done'));
    expect(events[events.length - 1]).toBe('sync');

    failDatasync = true;
    events.length = 0;
    await expect(sink.put('trickle/b.csv', gen(...pieces), { contentType: 'text/csv' })).rejects.toMatchObject({ code: 'E_IO' });
    expect(await readdir(join(dir, 'trickle'))).toEqual(['a.csv']);
    expect(events).not.toContain('sync');

    // off: no datasync at all
    events.length = 0;
    failDatasync = false;
    await new LocalSink(dir, { openFile: opener, trickleSyncBytes: 0 }).put('trickle/c.csv', gen(...pieces), { contentType: 'text/csv' });
    expect(events).not.toContain('datasync');
    expect(events[events.length - 1]).toBe('sync');
  });

  it('writes one piece while the next is made: writes never overlap and land in order', async () => {
    const events: string[] = [];
    const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    let n = 0;
    const opener = (p: string): Promise<WritableFile> => open(p, 'wx').then((h) => ({
      write: async (b: Uint8Array, off: number, len: number) => {
        const k = n++;
        events.push(`write ${k}`);
        await delay(15);
        const r = await h.write(b, off, len);
        events.push(`written ${k}`);
        return r;
      },
      sync: () => h.sync(),
      close: () => h.close(),
    }));
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 5; i++) {
        events.push(`made ${i}`);
        yield Buffer.from(`piece ${i}\n`);
      }
    }
    await new LocalSink(dir, { openFile: opener, trickleSyncBytes: 0 }).put('p/a.csv', body(), { contentType: 'text/csv' });
    expect(await readFile(join(dir, 'p/a.csv'), 'utf8')).toBe([0, 1, 2, 3, 4].map((i) => `piece ${i}\n`).join(''));
    for (let i = 1; i < 5; i++) {
      // the next piece is made while the previous write is in flight…
      expect(events.indexOf(`made ${i}`)).toBeLessThan(events.indexOf(`written ${i - 1}`));
      // …and written only once it has landed
      expect(events.indexOf(`write ${i}`)).toBeGreaterThan(events.indexOf(`written ${i - 1}`));
    }
  });

  it('a write failing while the next piece is made fails the put, and the temporary file is removed', async () => {
    const opener = (p: string): Promise<WritableFile> => open(p, 'wx').then((h) => ({
      write: async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      },
      sync: () => h.sync(),
      close: () => h.close(),
    }));
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('first\n');
      // the first write fails meanwhile
      await new Promise((r) => setTimeout(r, 30));
      yield Buffer.from('second\n');
    }
    await expect(new LocalSink(dir, { openFile: opener }).put('f/a.csv', slow(), { contentType: 'text/csv' })).rejects.toMatchObject({ code: 'E_DISK_FULL' });
    expect(await readdir(join(dir, 'f'))).toEqual([]);
  });

  it('refuses keys that leave the root, and a wrong expected SHA-256', async () => {
    const sink = new LocalSink(dir);
    for (const k of ['../x', '/abs', 'a//b', 'a/./b', '']) {
      await expect(sink.put(k, Buffer.from('x'), { contentType: 'text/plain' })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    }
    await expect(sink.put('x.json', Buffer.from('x'), { contentType: 'application/json', sha256: sha('y') })).rejects.toMatchObject({ code: 'E_VERIFY' });
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('list skips temporary files of a crashed writer; cancellation is E_ABORTED', async () => {
    const sink = new LocalSink(dir);
    await writeFile(join(dir, '.LOAD00000001.csv.tmp-abcdef'), 'partial');
    expect(await sink.list('')).toEqual([]);
    const ac = new AbortController();
    ac.abort();
    await expect(sink.put('a.csv', gen('x'), { contentType: 'text/csv' }, { signal: ac.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect((await openSink(dir)).root).toBe(dir);
  });
});

describe('S3 checksum prediction', () => {
  it('COMPOSITE = sha256 of the part digests, cut at the part size, whatever the piece boundaries', () => {
    const data = Buffer.alloc(25, 7);
    const d = new MultipartDigest(10);
    d.update(data.subarray(0, 3));
    d.update(data.subarray(3, 22));
    d.update(data.subarray(22));
    const r = d.finish();
    const parts = [data.subarray(0, 10), data.subarray(10, 20), data.subarray(20)].map((p) => createHash('sha256').update(p).digest());
    expect(r.composite).toBe(`${createHash('sha256').update(Buffer.concat(parts)).digest('base64')}-3`);
    expect(r.parts).toBe(3);
    expect(r.sha256).toBe(sha(data));
    expect(checksumMatches(r.composite, r)).toBe(true);
    expect(checksumMatches(createHash('sha256').update(data).digest('base64'), r)).toBe(true);
    expect(checksumMatches('AAAA-3', r)).toBe(false);
  });
});
