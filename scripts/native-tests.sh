#!/usr/bin/env bash
# native-tests.sh: test the portable core (src/core) without Emscripten, in
# four steps, each reported PASS or FAIL; exits non-zero if any failed.
#  1. unit tests (tests/c) built with clang under AddressSanitizer (with its
#     leak checker) and UBSan, run by ctest; known-bug cases must still fail;
#  2. a short libFuzzer run of each target, the frame decoders and the
#     coordinator's state machine (FUZZ_SECONDS each, default 20);
#  3. the same unit tests built with gcc -O2, no sanitizers: other warnings,
#     optimised code; and from its objects, the layer check
#     (scripts/layers.mjs): no core file uses one above it;
#  4. the same unit tests built for wasm32-wasi and run under node:wasi.
# For a long fuzzing run use scripts/fuzz.sh [SECONDS] (default 600), which
# keeps its corpora in build-native/fuzz-corpus between runs.
set -uo pipefail
cd "$(dirname "$0")/.."

NATIVE=build-native
GCC=build-gcc
WASI=build-wasi
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=$(nproc)
results=()

step() { # step NAME COMMAND...: run a step, record PASS or FAIL
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    results+=("PASS  $name")
  else
    results+=("FAIL  $name")
  fi
}

# Halt on the first report, so that ctest sees a failure, and keep going
# past ASan's one-time notice about swapcontext.
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

native_unit() {
  cmake -S . -B "$NATIVE" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DWMESH_SANITIZE=address,undefined -DWMESH_FUZZ=ON >/dev/null &&
    cmake --build "$NATIVE" -j"$JOBS" >/dev/null &&
    ctest --test-dir "$NATIVE/tests/c" -j"$JOBS" --output-on-failure
}

gcc_unit() {
  cmake -S . -B "$GCC" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release \
    >/dev/null &&
    cmake --build "$GCC" -j"$JOBS" >/dev/null &&
    ctest --test-dir "$GCC/tests/c" -j"$JOBS" --output-on-failure &&
    node scripts/layers.mjs \
      "$GCC/tests/c/CMakeFiles/wmesh_testcore.dir/__/__/src/core"
}

fuzz_short() {
  bash scripts/fuzz.sh "$FUZZ_SECONDS"
}

wasi_unit() {
  # Debian's wasi-libc lives in /usr/{include,lib}/wasm32-wasi, where its
  # clang looks by default; wasi-sdk style installs have one sysroot dir.
  local sysroot=()
  if [ -d /usr/share/wasi-sysroot ]; then
    sysroot=(-DCMAKE_SYSROOT=/usr/share/wasi-sysroot)
  elif [ ! -f /usr/lib/wasm32-wasi/libc.a ]; then
    echo "no wasi-libc found: run scripts/setup.sh" >&2
    return 1
  fi
  cmake -S . -B "$WASI" -DCMAKE_SYSTEM_NAME=Generic -DCMAKE_SYSTEM_PROCESSOR=wasm32 \
    -DCMAKE_C_COMPILER=clang -DCMAKE_C_COMPILER_TARGET=wasm32-wasi \
    -DCMAKE_BUILD_TYPE=Debug "${sysroot[@]}" >/dev/null &&
    cmake --build "$WASI" -j"$JOBS" >/dev/null &&
    ctest --test-dir "$WASI/tests/c" -j"$JOBS" --output-on-failure
}

step "native unit tests (clang, ASan+UBSan)" native_unit
step "fuzz decoders and calls (${FUZZ_SECONDS}s each)" fuzz_short
step "native unit tests (gcc -O2) and layer check" gcc_unit
step "wasm32-wasi unit tests (node:wasi)" wasi_unit

echo
status=0
for r in "${results[@]}"; do
  echo "$r"
  [[ $r == PASS* ]] || status=1
done
exit $status
