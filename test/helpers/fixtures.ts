/**
 * The one way tests reach the shared, read-only fixture corpus (../shared/fixtures from the project
 * root). Fixtures are read in place and never copied into the project.
 *
 * Under CI (CI=true) a missing fixture directory is a failure; elsewhere the test is skipped with the
 * reason printed.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_ROOT = resolve(projectRoot, '..', 'shared');
export const FIXTURES_ROOT = join(SHARED_ROOT, 'fixtures');
export const BENCH_ROOT = join(SHARED_ROOT, 'bench');

export const inCI = process.env['CI'] === 'true';

/** Absolute path of a fixture (relative to ../shared/fixtures). */
export function fixturePath(...parts: string[]): string {
  return join(FIXTURES_ROOT, ...parts);
}

/**
 * Whether the fixture exists. Throws under CI when it does not; otherwise prints why the caller
 * should skip. Use as: `describe.runIf(haveFixture('x'))(...)` or `it.skipIf(!haveFixture('x'))`.
 */
export function haveFixture(...parts: string[]): boolean {
  const p = fixturePath(...parts);
  if (existsSync(p)) return true;
  if (inCI) throw new Error(`fixture directory missing under CI: ${p}`);
  console.warn(`skipping: fixture not found at ${p} (the shared corpus is not beside this clone)`);
  return false;
}
