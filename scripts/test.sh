#!/usr/bin/env bash
# test.sh: set up, build, and run the whole test suite: the C style check
# and the JS type check, the native core tests (with sanitizers, fuzzing and
# wasm32-wasi), then the Node, browser and package tests of the wasm runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Every C file follows .clang-format.
git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
echo "PASS  clang-format"
# The JS in js/ (JSDoc) and its declaration files type-check, strict.
npm run -s typecheck
echo "PASS  tsc --checkJs --strict"
bash scripts/build.sh
bash scripts/native-tests.sh
# The benchmarks, small, so that they keep working (no timing is asserted).
node tests/bench/run.mjs --quick
# Every test has 15 minutes (the longest, npm pack and its builds, takes
# about two): a test that hangs fails with its name instead of holding CI.
node --test --test-concurrency=1 --test-timeout=900000 tests/node/
# Hosts of one mesh through NATS: a nats-server of their own, host processes.
node --test --test-concurrency=1 --test-timeout=900000 tests/cluster/
node --test --test-concurrency=1 --test-timeout=900000 tests/browser/
node --test --test-concurrency=1 --test-timeout=900000 tests/package/
