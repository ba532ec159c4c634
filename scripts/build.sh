#!/usr/bin/env bash
# build.sh [TARGET...]: build the runtime and the modules with Emscripten
# into build/ (all of them, or only the targets named).
#
# Plain emcmake: cmake/wmesh.cmake, which CMakeLists.txt includes, sets
# what Debian's emcc needs (acorn on NODE_PATH for its links, an emulator
# that Node 20 runs), as it does for users' modules.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then
  emcmake cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
