#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test tier
# (unit, sim, actor, system, then fuzz) through CTest. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh
scripts/build.sh
built=$(date +%s)
echo "test: build took $((built - start)) s (install included)"
cd build
ctest --output-on-failure --timeout 600 -j "${KEEL_TEST_JOBS:-2}" "$@"

# Fuzz step (label `fuzz`): a second build with clang of only the libFuzzer
# harnesses (ASan + UBSan), then each for 20 s on its committed corpus. Skipped
# when tests were selected by arguments, or with KEEL_TEST_FUZZ=0. Longer runs:
# scripts/fuzz.sh.
if [ $# -eq 0 ] && [ "${KEEL_TEST_FUZZ:-1}" != 0 ]; then
  fuzz_start=$(date +%s)
  (cd .. && scripts/fuzz.sh --build-only)
  ctest --test-dir ../build-fuzz/fuzz --output-on-failure -L fuzz -j "${KEEL_TEST_JOBS:-2}"
  echo "test: fuzz step took $(( $(date +%s) - fuzz_start )) s"
fi
echo "test: total $(( $(date +%s) - start )) s"
