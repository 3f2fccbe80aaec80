/**
 * A sample data directory (`cassandra-extractor sample`) written once for the enclosing suite and
 * removed after it: call at the top of a file or inside a describe; the getter gives its path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { writeSampleDataDir } from '../../src/sample/index.js';

export function useSampleDataDir(prefix: string, rows: number): () => string {
  let dir: string | null = null;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await writeSampleDataDir(dir, { rows });
  });
  afterAll(async () => {
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === null) throw new Error('the sample directory is written in beforeAll');
    return dir;
  };
}
