#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan and runs each for a short time.
#
#   spec/fuzz/run.sh [seconds-per-target] [target...]    (default: 20 s, every target built)
#
# Seeds come from spec/fuzz/corpus/<name>/ (copied: the repository's corpus is not
# modified); what a run finds new is kept in build-fuzz/corpus/<name>/ for the next run.
# A crash leaves its input in build-fuzz/artifacts/ and makes this script exit 1.
# Environment: BUILD (default build-fuzz), JOBS (2), FUZZ_FLAGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-20}
shift || true
build=${BUILD:-build-fuzz}
jobs=${JOBS:-2}

CC=clang cmake -S . -B "$build" -DSEMEQ_FUZZ=ON -DSEMEQ_SANITIZE=ON -DSEMEQ_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in spec/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    # built only when its core file exists (see spec/fuzz/CMakeLists.txt)
    if grep -q "^${name}:" "$build/spec/fuzz/Makefile" 2>/dev/null; then
      targets+=("${name#fuzz_}")
    fi
  done
fi
cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/artifacts"
status=0
for name in "${targets[@]}"; do
  work="$build/corpus/$name"
  mkdir -p "$work"
  log="$build/fuzz_$name.log"
  rm -f "$build/artifacts/${name}-"*  # only this run's findings are reported
  # a dictionary of the format's words, when the target has one (spec/fuzz/<name>.dict)
  dict=()
  if [ -f "spec/fuzz/$name.dict" ]; then dict=(-dict="spec/fuzz/$name.dict"); fi
  # -close_fd_mask=3: the targets print nothing of their own; keep the log to libFuzzer's lines
  if "$build/spec/fuzz/fuzz_$name" "$work" "spec/fuzz/corpus/$name" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 "${dict[@]}" \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/${name}-" ${FUZZ_FLAGS:-} >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz $name: ok, $runs executions in ${seconds}s, corpus $(ls "$work" | wc -l) files"
  else
    status=1
    echo "fuzz $name: FAILED (log $log)"
    grep -m1 -A12 'ERROR: \|runtime error\|deadly signal' "$log" || tail -20 "$log"
    ls "$build/artifacts/${name}-"* 2>/dev/null | sed 's/^/  reproducer: /'
  fi
done
exit $status
