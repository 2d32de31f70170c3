#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang + ASan + UBSan) into build-fuzz/
# and runs each for a bounded time on a copy of its committed corpus.
#
#   scripts/fuzz.sh                       every harness, 30 s each
#   scripts/fuzz.sh 14400                 every harness, 4 hours each (a soak run)
#   scripts/fuzz.sh 600 raft_step         one harness, 10 minutes
#   scripts/fuzz.sh --grow 3600 raft_step keep what adds coverage in fuzz/corpus/
#   scripts/fuzz.sh --seeds               regenerate the seed files of fuzz/corpus/
#   scripts/fuzz.sh --build-only          only build (scripts/test.sh then runs the
#                                         `fuzz` ctest entries: ctest --test-dir build-fuzz/fuzz)
#
# Harnesses: pb_parse caf_message raft_step snapshot_chunks cluster_config
# client_request metrics_exposition.
# Exits non-zero if any harness crashes (ASan/UBSan report, KEEL_ASSERT,
# a failed harness check, leak, timeout, OOM) and prints the reproducer's path
# (build-fuzz/fuzz-artifacts/<harness>/crash-...). Replay one with
#   build-fuzz/bin/fuzz_<harness> <reproducer>
set -euo pipefail
cd "$(dirname "$0")/.."

all=(pb_parse caf_message raft_step snapshot_chunks cluster_config client_request metrics_exposition)
mode=run
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) mode=seeds; shift ;;
    --build-only) mode=build; shift ;;
    --grow) export KEEL_FUZZ_GROW=1; shift ;;
    *) break ;;
  esac
done
seconds=30
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")

if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  scripts/install-deps.sh
fi

start=$(date +%s)
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DKEEL_FUZZ=ON \
  -DKEEL_BUILD_TESTS=OFF -DKEEL_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-fuzz -j "${KEEL_BUILD_JOBS:-$(nproc)}" --target "${targets[@]}"
echo "fuzz: build took $(( $(date +%s) - start )) s"

case "$mode" in
  build) exit 0 ;;
  seeds)
    for h in "${harnesses[@]}"; do
      mkdir -p "fuzz/corpus/$h"
      KEEL_FUZZ_WRITE_SEEDS="fuzz/corpus/$h" "build-fuzz/bin/fuzz_$h"
      echo "fuzz: $(find "fuzz/corpus/$h" -type f | wc -l) seeds in fuzz/corpus/$h"
    done
    exit 0 ;;
esac

failed=()
for h in "${harnesses[@]}"; do
  t0=$(date +%s)
  echo "fuzz: $h for $seconds s"
  if ! fuzz/run_fuzzer.sh "build-fuzz/bin/fuzz_$h" "fuzz/corpus/$h" "$seconds" \
       "build-fuzz/fuzz-artifacts/$h"; then
    failed+=("$h")
  fi
  echo "fuzz: $h took $(( $(date +%s) - t0 )) s"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (reproducers under build-fuzz/fuzz-artifacts/)"
  exit 1
fi
echo "fuzz: ${#harnesses[@]} passed, 0 failed"
