#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
import('../dist/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`cassandra-extractor: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 70; },
);
