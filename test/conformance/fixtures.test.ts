/**
 * Conformance: every SSTable set of the shared corpus, dumped, equals its expectation file.
 * A set we cannot pass stays a failing test with its reason; nothing is skipped silently.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { openSSTable } from '../../src/sstable/table.js';
import { describeDataFile } from '../../src/sstable/io/descriptor.js';
import { FIXTURES_ROOT, haveFixture } from '../helpers/fixtures.js';
import { canonical, loadExpectations, matches, type Expectation, type Row } from './expectations.js';

const present = haveFixture('expected');
const all = present ? loadExpectations(join(FIXTURES_ROOT, 'expected')) : [];
/** Formats with a decoder in this build; every set of these formats must pass. */
const DECODED_FORMATS = new Set(['ka', 'la', 'lb', 'ma', 'mb', 'mc', 'md', 'me']);
const sstableSets = all.filter((e) => e.kind === undefined && e.rowCount !== null && DECODED_FORMATS.has(e.format));
const tmp = mkdtempSync(join(tmpdir(), 'ce-conformance-'));

async function dump(e: Expectation, nowInSec: number): Promise<Row[]> {
  const dir = join(FIXTURES_ROOT, e.fixture);
  const paths = e.sstables.map((s) => join(dir, s));
  // pcass-me is a whole data directory: its schema is discovered from system_schema, as a user would.
  let schemaFile: string | undefined;
  if (!e.fixture.startsWith('pcass-me/')) {
    schemaFile = join(tmp, e.file.replace(/[/]/g, '_') + '.cql');
    writeFileSync(schemaFile, e.schema.cql);
  }
  const out: Row[] = [];
  for await (const batch of dumpJsonRows(paths, schemaFile === undefined ? { nowInSec } : { nowInSec, schemaFile })) out.push(...batch);
  return out;
}

/** "now" right after the data was written: just after the newest write timestamp of the set. */
async function writeTimeNow(e: Expectation): Promise<number> {
  let max = 0n;
  for (const s of e.sstables) {
    const t = await openSSTable(await describeDataFile(join(FIXTURES_ROOT, e.fixture, s)), { index: false });
    await t.data.close();
    if (t.statistics.stats.maxTimestamp > max) max = t.statistics.stats.maxTimestamp;
  }
  return Number(max / 1_000_000n) + 1;
}

function compareRows(actual: Row[], expected: Row[], ordered: boolean): void {
  const a = actual.map(canonical);
  const x = expected.map(canonical);
  if (!ordered) {
    a.sort();
    x.sort();
  }
  expect(a.length, 'row count').toBe(x.length);
  expect(a).toEqual(x);
}

function check(e: Expectation, rows: Row[], afterExpiry: boolean): void {
  const truth = afterExpiry ? e.rowsAfterExpiry : e.rows;
  if (truth !== undefined && truth !== null) {
    compareRows(rows, truth, e.ordered === true);
    return;
  }
  if (e.rowCount !== null) expect(rows.length, 'rowCount').toBe(e.rowCount);
  for (const s of e.sampleRows ?? []) expect(rows.some((r) => matches(r, s)), `sample row ${canonical(s)}`).toBe(true);
  for (const p of e.partialRows ?? []) expect(rows.some((r) => matches(r, p)), `partial row ${canonical(p)}`).toBe(true);
  if (e.observedValues !== undefined) {
    const observed = Object.fromEntries(Object.entries(e.observedValues).filter(([k]) => !k.endsWith('_count')));
    expect(rows.some((r) => matches(r, observed)), `observed values ${canonical(observed)}`).toBe(true);
  }
}

const byFormat = new Map<string, Expectation[]>();
for (const e of sstableSets) byFormat.set(e.format, [...(byFormat.get(e.format) ?? []), e]);

describe.runIf(present)('fixture conformance', () => {
  for (const [format, sets] of [...byFormat].sort()) {
    describe(`format ${format}`, () => {
      for (const e of sets) {
        it(e.file, async () => {
          // `rows` is the view right after the data was written (MANIFEST.md); `rowsAfterExpiry` today's.
          check(e, await dump(e, await writeTimeNow(e)), false);
          if (e.rowsAfterExpiry !== undefined) check(e, await dump(e, Math.floor(Date.now() / 1000)), true);
        });
      }
    });
  }
});
