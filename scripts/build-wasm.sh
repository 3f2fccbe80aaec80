#!/usr/bin/env bash
# `npm run build`, first step: compiles src/wasm/rows.c (the per-row work of single-SSTable reads,
# src/wasm/engine.ts) to dist/wasm/rows.wasm with clang's wasm32 target and wasm-ld (Debian packages
# clang and lld; .ci/run and the README's commands install them). The packages ship the .wasm, so
# the agent's hosts need no compiler. Without clang, the build goes on and warns: the agent then
# reads every table on its TypeScript path (the same records, slower); under CI that is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/wasm/rows.wasm
if ! command -v clang >/dev/null 2>&1 || ! command -v wasm-ld >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "build-wasm: clang and wasm-ld are required under CI (apt-get install clang lld)" >&2
    exit 1
  fi
  echo "build-wasm: warning: clang or wasm-ld is missing (Debian packages clang, lld); $out not built, extraction will use the TypeScript path only" >&2
  exit 0
fi
mkdir -p dist/wasm
# -O2, bulk memory (memory.copy for memcpy/memmove), no libc; the memory is the driver's (imported);
# __heap_base tells the driver where the module's own data ends.
clang --target=wasm32 -O2 -mbulk-memory -nostdlib -fvisibility=default -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--export-dynamic -Wl,--export=__heap_base \
  -Wl,--stack-first -Wl,-z,stack-size=65536 \
  -o "$out.tmp.$$" src/wasm/rows.c
mv -f "$out.tmp.$$" "$out"
