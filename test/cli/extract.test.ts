import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkers, parseSize, pickKeyspace, runExtractCli } from '../../src/cli/extract.js';
import { formatDuration, groupDigits, progressLine, progressView } from '../../src/cli/progress.js';
import { SAMPLE_WRITE_TIME, writeSampleDataDir } from '../../src/sample/index.js';
import type { ExtractProgress } from '../../src/tasks/extract-progress.js';

let root: string;
let data: string;
const NOW = new Date((SAMPLE_WRITE_TIME + 60) * 1000).toISOString();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'extract-cli-'));
  data = join(root, 'data');
  await writeSampleDataDir(data, { rows: 120 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function io(tty: boolean) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdout, stderr, isTTY: tty }, out: () => out, err: () => err };
}

describe('extract command', () => {
  it('picks the only user keyspace, writes the layout, prints a summary and the JSON report; exit 0', async () => {
    const out = join(root, 'out1');
    const t = io(false);
    const code = await runExtractCli(['--data-dir', data, '--out', out, '--now', NOW, '--chunk-size', '4KiB', '--json', '--resume', join(root, 'cp1.json')], t.io);
    expect(code).toBe(0);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(existsSync(join(out, 'sample/all_types/LOAD00000001.csv'))).toBe(true);
    expect(existsSync(join(root, 'cp1.json'))).toBe(true);
    expect(t.err()).toMatch(/sample\.all_types: [\d,]+ rows, \d+ file\(s\)/);
    expect(t.err()).toMatch(/complete: .*manifest\.json/);
    expect(t.err()).toMatch(/rows \d/);
    const report = JSON.parse(t.out()) as { complete: boolean; keyspace: string };
    expect(report).toMatchObject({ complete: true, keyspace: 'sample' });
  });

  it('draws one redrawn line on a TTY', async () => {
    const t = io(true);
    expect(await runExtractCli(['--data-dir', data, '--out', join(root, 'out2'), '--keyspace', 'sample', '--table', 'counters', '--now', NOW], t.io)).toBe(0);
    expect(t.err()).toContain('\r');
    expect(t.err()).toMatch(/table 1\/1/);
  });

  it('usage errors: missing options, s3 options on a local --out, bad sizes, several keyspaces', async () => {
    const t = io(false);
    await expect(runExtractCli(['--out', join(root, 'x')], t.io)).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await expect(runExtractCli(['--data-dir', data, '--out', join(root, 'x'), '--region', 'eu-west-1'], t.io)).rejects.toThrow(/s3:\/\/ --out only/);
    await expect(runExtractCli(['--data-dir', data, '--out', 's3://bucket-x/p', '--sse', 'rot13'], t.io)).rejects.toThrow(/AES256/);
    await expect(runExtractCli(['--data-dir', data, '--out', join(root, 'x'), '--chunk-size', 'lots'], t.io)).rejects.toThrow(/64MiB/);
    const two = join(root, 'two');
    await mkdir(two);
    await cp(join(data, 'sample'), join(two, 'sample'), { recursive: true });
    await cp(join(data, 'sample'), join(two, 'other'), { recursive: true });
    await expect(pickKeyspace([two])).rejects.toThrow(/several keyspaces \(other, sample\)/);
    expect(await pickKeyspace([join(data, 'sample')])).toBe('sample');
  });

  it('read options: --workers, --replica-mode, --max-read-mbps, --snapshot-tag, --engine are checked and reported', async () => {
    const t = io(false);
    const bad = async (args: string[], re: RegExp): Promise<void> => {
      await expect(runExtractCli(['--data-dir', data, '--out', join(root, 'ro'), ...args], t.io)).rejects.toThrow(re);
    };
    await bad(['--workers=-1'], /--workers expects an integer >= 0/);
    await bad(['--workers', 'two'], /--workers/);
    await bad(['--replica-mode', 'quorum'], /merge, primary-range, all/);
    await bad(['--max-read-mbps', '0'], /positive number of MB\/s/);
    await bad(['--engine', 'c'], /--engine takes auto or ts/);
    expect(defaultWorkers(2)).toBe(0);
    expect(defaultWorkers(8)).toBe(7);
    const out = join(root, 'read-opts');
    const code = await runExtractCli(['--data-dir', data, '--out', out, '--now', NOW, '--table', 'counters', '--workers', '0', '--replica-mode', 'all', '--max-read-mbps', '500', '--engine', 'ts', '--json'], t.io);
    expect(code).toBe(0);
    expect(t.err()).toContain('read: replica mode all over 1 node(s), in this thread, at most 500 MB/s per node');
    expect((JSON.parse(t.out()) as { read: unknown }).read).toEqual({ replicaMode: 'all', workers: 0, nodes: [data], snapshotTag: null, bandwidthMBps: 500 });
  });

  it('an incomplete export exits 1', async () => {
    const t = io(false);
    const ac = new AbortController();
    ac.abort();
    expect(await runExtractCli(['--data-dir', data, '--out', join(root, 'out3'), '--now', NOW], { ...t.io, signal: ac.signal })).toBe(1);
    expect(t.err()).toMatch(/interrupted/);
  });

  it('sizes and progress formatting', () => {
    expect(parseSize('64MiB', 'x')).toBe(64 * 1024 * 1024);
    expect(parseSize('8M', 'x')).toBe(8 * 1024 * 1024);
    expect(parseSize('100MB', 'x')).toBe(100e6);
    expect(parseSize('1.5KiB', 'x')).toBe(1536);
    expect(parseSize('4096', 'x')).toBe(4096);
    expect(() => parseSize('0', 'x')).toThrow();
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('--:--');
    for (const n of [0, 7, 999, 1000, 12345, 999999, 1000000, 760515, -4321, 2 ** 40]) expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
    const p: ExtractProgress = {
      phase: 'extracting', rows: 1234567, csvBytes: 5e6, dataBytesRead: 40e6, dataBytesTotal: 80e6, elapsedMs: 1000, rowsPerSec: 1, dataBytesPerSec: 20e6,
      etaSec: 2, tablesDone: 1, tableCount: 3, current: 'ks.t', tables: [],
    };
    expect(progressLine(p)).toBe('rows 1,234,567 | 40.0 MB of 80.0 MB 50% | 20.0 MB/s | CSV 5.0 MB | ETA 00:02 | table 2/3 ks.t');
    const s = new PassThrough();
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    let clock = 0;
    const v = progressView(s, { tty: false, plainIntervalMs: 1000, now: () => clock });
    v.update(p);
    clock = 500;
    v.update(p);
    clock = 1500;
    v.update(p);
    v.finish();
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(2);
  });
});
