#!/usr/bin/env bash
# test.sh: set up, build, and run the whole test suite: the native core
# tests (with sanitizers), then the Node tests of the wasm runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
if [ -f scripts/native-tests.sh ]; then bash scripts/native-tests.sh; fi
node --test --test-concurrency=1 tests/node/
node --test --test-concurrency=1 tests/browser/
node --test --test-concurrency=1 tests/package/
