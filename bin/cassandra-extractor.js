#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build). V8's settings come first, before any
// of the agent's code is loaded (dist/util/v8-tuning.js says which and why).
import('../dist/util/v8-tuning.js')
  .then((t) => t.applyV8Tuning())
  .then(() => import('../dist/main.js'))
  .then((m) => m.main(process.argv.slice(2)))
  .then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`cassandra-extractor: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 70; },
  );
