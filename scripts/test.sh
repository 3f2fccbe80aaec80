#!/usr/bin/env bash
# The README's test command: install exact dependencies, build, type-check, lint, run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run build
npm test
