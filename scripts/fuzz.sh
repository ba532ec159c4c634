#!/usr/bin/env bash
# fuzz.sh: run the libFuzzer targets for SECONDS each (default 600), on all
# cores when the run is long:
#  - fuzz_wire (tests/c/fuzz_wire.c): the frame decoders;
#  - fuzz_calls (tests/c/fuzz_calls.c): calls and the coordinator as a state
#    machine, checked against a model.
# Name targets after SECONDS to run only those. Each corpus grows in
# build-native/fuzz-corpus/TARGET across runs; failing inputs land in
# build-native/fuzz-artifacts and fail the run. Reproduce one with
#   build-native/tests/c/TARGET build-native/fuzz-artifacts/crash-...
# and keep it in tests/c/fuzz_calls_seeds/ once the bug is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_RUN=${1:-600}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(fuzz_wire fuzz_calls)
NATIVE=build-native
ARTIFACTS=$NATIVE/fuzz-artifacts

# ctest's build keeps the targets current; this one only builds what is
# missing or older than its sources.
stale=0
for t in "${TARGETS[@]}"; do
  f=$NATIVE/tests/c/$t
  if [ ! -x "$f" ] || [ -n "$(find src/core tests/c -newer "$f" -name '*.[ch]' | head -n 1)" ]; then
    stale=1
  fi
done
if ((stale)); then
  cmake -S . -B "$NATIVE" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DWMESH_SANITIZE=address,undefined -DWMESH_FUZZ=ON >/dev/null
  cmake --build "$NATIVE" --target "${TARGETS[@]}" -j"$(nproc)" >/dev/null
fi

# Short runs stay on one process so that they fit beside the other tests;
# long ones fork a fuzzing job per core.
fork=()
if [ "$SECONDS_TO_RUN" -ge 120 ] && [ "$(nproc)" -gt 1 ]; then
  fork=(-fork="$(nproc)" -ignore_crashes=0)
fi

status=0
for t in "${TARGETS[@]}"; do
  fuzzer=$NATIVE/tests/c/$t
  corpus=$NATIVE/fuzz-corpus/$t
  mkdir -p "$corpus" "$ARTIFACTS"
  # Each target writes its own seeds; fuzz_calls also starts from the
  # inputs that once found a bug.
  WM_FUZZ_SEEDS=$corpus "$fuzzer"
  if [ "$t" = fuzz_calls ]; then
    find tests/c/fuzz_calls_seeds -type f ! -name README -exec cp {} "$corpus" \;
  fi
  log=$NATIVE/$t.log
  marker=$NATIVE/$t.started
  touch "$marker"
  rc=0
  "$fuzzer" "$corpus" -artifact_prefix="$ARTIFACTS/" \
    -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 "${fork[@]}" \
    >"$log" 2>&1 || rc=$?
  if ((${#fork[@]})); then
    runs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
  else
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  fi
  echo "$t: ${runs:-0} executions in ${SECONDS_TO_RUN}s," \
    "corpus of $(find "$corpus" -type f | wc -l) inputs"
  crashes=$(find "$ARTIFACTS" -type f -newer "$marker" | wc -l)
  if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
    tail -n 40 "$log"
    echo "$t: FAILED, $crashes failing inputs in $ARTIFACTS" >&2
    status=1
  fi
done
exit $status
