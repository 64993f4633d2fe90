#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) and runs each for a
# chosen time. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s, every target)
# Targets: request_parser_fuzzer form_fuzzer netverify_fuzzer authentication_fuzzer document_fuzzer
#          platform_fuzzer (Jumio Platform callbacks)
#          retrieval_fuzzer (Retrieval API answers) workflow_fuzzer (Jumio Platform workflow
#          answers) address_fuzzer json_fuzzer (JSON-valued parameters) config_fuzzer
#          reconcile_records_fuzzer (reconcile's state and expected records). New inputs go to
#          $BUILD_DIR/corpus/<target>; crashes to $BUILD_DIR/artifacts/<target>/ (the script exits
#          non-zero). FUZZ_JOBS=2 runs two at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(form_fuzzer netverify_fuzzer authentication_fuzzer document_fuzzer platform_fuzzer
           retrieval_fuzzer workflow_fuzzer address_fuzzer json_fuzzer config_fuzzer
           request_parser_fuzzer reconcile_records_fuzzer)
fi
build="${BUILD_DIR:-build-fuzz}"
jobs="${FUZZ_JOBS:-1}"
cc="${CC:-clang-14}"
cxx="${CXX:-clang++-14}"
command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (apt-get install clang-14)" >&2; exit 1; }

# fuzz/sanitizer-ignorelist.txt keeps the UB checks out of RapidJSON 1.1.0's headers (known,
# harmless defects there); everything else stops at the first report.
sanitizers="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
sanitizers+=" -fsanitize-ignorelist=$PWD/fuzz/sanitizer-ignorelist.txt${JB_FUZZ_EXTRA_FLAGS:-}"
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJB_FUZZ=ON -DJB_TESTS=ON \
  -DCMAKE_CXX_FLAGS="$sanitizers -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" --target "${targets[@]}" -j2

run_one() {
  local target="$1"
  mkdir -p "$build/corpus/$target" "$build/artifacts/$target"
  local status=0
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_SUPPRESSIONS:+:suppressions=$UBSAN_SUPPRESSIONS} \
    "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target/" \
    "$build/corpus/$target" "fuzz/corpus/$target" >"$build/$target.log" 2>&1 || status=$?
  echo "== $target (exit $status): $(grep -E '^#[0-9]+.*(DONE|pulse)' "$build/$target.log" | tail -1)"
  grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' "$build/$target.log" || true
  return $status
}

failed=0
running=0
for target in "${targets[@]}"; do
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" -eq 0 ] || { echo "fuzz.sh: a target failed; see $build/*.log and $build/artifacts/" >&2; exit 1; }
