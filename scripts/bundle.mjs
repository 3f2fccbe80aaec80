#!/usr/bin/env node
/**
 * `npm run build`, second step: bundles the compiled CLI (dist/main.js, with the subcommands it loads
 * on demand as chunks) and the decoding worker's entry (dist/cluster/workers-entry.js) into
 * dist/bundle/, which bin/cassandra-extractor.js runs. The agent's own modules become a few files instead
 * of about a hundred: Node loads an ES module graph one file at a time (resolve, read, compile, link),
 * which took 100-150 ms before `extract` could start, and again in each decoding worker
 * (docs/extract.md, "Session 9"). npm packages stay outside (external) and load from node_modules as
 * before. dist/ itself is unchanged: tests and benchmarks import its modules directly.
 *
 * The bundle keeps the paths the code resolves relative to itself: the worker entry is
 * dist/bundle/workers-entry.js, beside the chunk that starts workers (cluster/parallel.ts
 * defaultWorkerUrl, './workers-entry.js'), and native addons resolve from node_modules as from dist/.
 * It is written to a new directory and then swapped in, so that a CLI starting meanwhile (tests run
 * in parallel) sees the old bundle or the new one, or none and runs from dist/. packaging/build.sh
 * ships it; the packages run dist/ itself if it is missing or older.
 */
import { rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
// `node scripts/bundle.mjs [dir]`: another directory under dist/ (tests bundle into one of their own)
const out = process.argv[2] === undefined ? join(dist, 'bundle') : resolve(process.argv[2]);
const fresh = `${out}.new-${process.pid}`;
const build = await rolldown({
  input: {
    main: join(dist, 'main.js'),
    'workers-entry': join(dist, 'cluster', 'workers-entry.js'),
    'v8-tuning': join(dist, 'util', 'v8-tuning.js'),
  },
  platform: 'node',
  // npm packages and Node's own modules are loaded at run time, as from dist/
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  logLevel: 'warn',
});
try {
  await build.write({ dir: fresh, format: 'esm', sourcemap: true, chunkFileNames: '[name]-[hash].js' });
} finally {
  await build.close();
}
// Swapped in; another build finishing meanwhile (tests build in parallel) may have put its own
// bundle there between the two renames, which is then moved aside in turn.
const old = `${out}.old-${process.pid}`;
for (let attempt = 1; ; attempt++) {
  await rm(old, { recursive: true, force: true });
  await rename(out, old).catch((e) => {
    if (e.code !== 'ENOENT') throw e;
  });
  try {
    await rename(fresh, out);
    break;
  } catch (e) {
    if ((e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') || attempt >= 10) throw e;
  }
}
await rm(old, { recursive: true, force: true });
