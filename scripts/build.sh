#!/usr/bin/env bash
# build.sh: build the runtime and the modules with Emscripten into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
# emcc's JS optimizer needs Debian's acorn, which this Node does not see.
export NODE_PATH=/usr/share/nodejs
if [ ! -f build/CMakeCache.txt ]; then
  # emcmake sets an emulator flag that Node 20 rejects; use node itself.
  emcmake cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
fi
cmake --build build -j"$(nproc)"
