#!/usr/bin/env bash
# fuzz.sh: fuzz the frame decoders (tests/c/fuzz_wire.c) with libFuzzer for
# SECONDS (default 600), on all cores when the run is long. The corpus grows
# in build-native/fuzz-corpus across runs; crashes land in
# build-native/fuzz-artifacts and fail the run. Reproduce one with
#   build-native/tests/c/fuzz_wire build-native/fuzz-artifacts/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_RUN=${1:-600}
NATIVE=build-native
FUZZER=$NATIVE/tests/c/fuzz_wire
CORPUS=$NATIVE/fuzz-corpus
ARTIFACTS=$NATIVE/fuzz-artifacts

if [ ! -x "$FUZZER" ] || [ tests/c/fuzz_wire.c -nt "$FUZZER" ] ||
  [ src/core/wire.c -nt "$FUZZER" ]; then
  cmake -S . -B "$NATIVE" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DWMESH_SANITIZE=address,undefined -DWMESH_FUZZ=ON >/dev/null
  cmake --build "$NATIVE" --target fuzz_wire -j"$(nproc)" >/dev/null
fi

mkdir -p "$CORPUS" "$ARTIFACTS"
# The target writes its own seeds: valid frames of every kind.
WM_FUZZ_SEEDS=$CORPUS "$FUZZER"

# Short runs stay on one process so that they fit beside the other tests;
# long ones fork a fuzzing job per core.
fork=()
if [ "$SECONDS_TO_RUN" -ge 120 ] && [ "$(nproc)" -gt 1 ]; then
  fork=(-fork="$(nproc)" -ignore_crashes=0)
fi

log=$NATIVE/fuzz.log
marker=$NATIVE/fuzz.started
touch "$marker"
rc=0
"$FUZZER" "$CORPUS" -artifact_prefix="$ARTIFACTS/" \
  -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 "${fork[@]}" \
  >"$log" 2>&1 || rc=$?

if ((${#fork[@]})); then
  runs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
else
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
fi
echo "fuzz_wire: ${runs:-0} executions in ${SECONDS_TO_RUN}s," \
  "corpus of $(find "$CORPUS" -type f | wc -l) inputs"
crashes=$(find "$ARTIFACTS" -type f -newer "$marker" | wc -l)
if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
  tail -n 40 "$log"
  echo "fuzz_wire: FAILED, $crashes failing inputs in $ARTIFACTS" >&2
  exit 1
fi
