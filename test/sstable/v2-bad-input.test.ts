/**
 * 2.x bad input fails clearly, naming the file: truncation, a chunk checksum mismatch (Adler-32 in
 * ka/la), and a schema that does not match the data.
 */
import { copyFile, mkdtemp, readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpJsonRows } from '../../src/cli/dump.js';
import { isAgentError, type AgentError } from '../../src/errors.js';
import { fixturePath, haveFixture } from '../helpers/fixtures.js';

const SET = 'cassandra-legacy/ka/legacy_tables/legacy_ka_clust';
const CQL = 'CREATE TABLE legacy_tables.legacy_ka_clust (pk text, ck text, val text, PRIMARY KEY (pk, ck))';

async function copySet(): Promise<{ dir: string; data: string; schema: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-v2bad-'));
  for (const f of await readdir(fixturePath(SET))) await copyFile(join(fixturePath(SET), f), join(dir, f));
  const schema = join(dir, 'schema.cql');
  await writeFile(schema, CQL);
  return { dir, data: join(dir, 'legacy_tables-legacy_ka_clust-ka-1-Data.db'), schema };
}

async function failure(paths: string[], schemaFile: string): Promise<AgentError> {
  try {
    for await (const _ of dumpJsonRows(paths, { nowInSec: 1_700_000_000, schemaFile })) { /* drain */ }
  } catch (e) {
    if (isAgentError(e)) return e;
    throw e;
  }
  throw new Error('expected the dump to fail');
}

describe.runIf(haveFixture('cassandra-legacy', 'ka'))('2.x bad input', () => {
  it('a truncated ka Data.db', async () => {
    const { dir, data, schema } = await copySet();
    await truncate(data, 3000);
    const e = await failure([dir], schema);
    expect(e.code).toBe('E_TRUNCATED');
    expect(e.message).toContain(data);
  });

  it('a flipped byte in a ka chunk fails its Adler-32', async () => {
    const { dir, data, schema } = await copySet();
    const bytes = await readFile(data);
    bytes[200] = (bytes[200] as number) ^ 0x55;
    await writeFile(data, bytes);
    const e = await failure([dir], schema);
    expect(e.code).toBe('E_CORRUPT_CHUNK');
    expect(e.message).toContain(data);
    expect(e.message).toContain('chunk 0');
  });

  it('a schema that does not match the data', async () => {
    const { dir, schema } = await copySet();
    await writeFile(schema, 'CREATE TABLE legacy_tables.legacy_ka_clust (pk text, ck text, other text, PRIMARY KEY (pk, ck))');
    const e = await failure([dir], schema);
    expect(e.code).toBe('E_SCHEMA');
    expect(e.message).toContain('val');
    expect(e.message).toContain('ka-1-Data.db');
  });
});
