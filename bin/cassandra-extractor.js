#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build). `npm run build` also bundles it into
// dist/bundle/, which loads in a few files instead of about a hundred (scripts/bundle.mjs says why);
// the bundle is used when it is at least as new as dist/main.js, so a tree compiled again without it
// (`tsc` alone) runs from dist/ itself, never from an older bundle. V8's settings come first, before
// any of the agent's code is loaded (dist/util/v8-tuning.js says which and why).
import { statSync } from 'node:fs';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? Number.NaN;
const bundled = mtime('../dist/bundle/main.js') >= mtime('../dist/main.js');
const at = (inBundle, inDist) => new URL(bundled ? `../dist/bundle/${inBundle}` : `../dist/${inDist}`, import.meta.url).href;
import(at('v8-tuning.js', 'util/v8-tuning.js'))
  .then((t) => t.applyV8Tuning())
  .then(() => import(at('main.js', 'main.js')))
  .then((m) => m.main(process.argv.slice(2)))
  .then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`cassandra-extractor: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 70; },
  );
