#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test tier
# (unit, sim, actor, system, then fuzz, then the sanitizer run) through CTest.
# CI (.ci/run) runs exactly this; with CI set in the environment (or
# KEEL_WERROR=ON) warnings are errors in every build.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
werror=OFF
if [ -n "${CI:-}" ] || [ "${KEEL_WERROR:-OFF}" = ON ]; then werror=ON; fi
step() { echo "test: $1 took $(( $(date +%s) - $2 )) s"; }

# The unit, sim and actor tiers run in the sanitizer build below; the release
# build compiles and runs them only when that step is skipped (or when tests
# are selected by arguments), so that no CAF-heavy test binary is built twice.
tiers="system"
if [ "${KEEL_TEST_SANITIZE:-1}" = 0 ] || [ $# -gt 0 ]; then tiers="unit;sim;actor;system"; fi
scripts/install-deps.sh
# Test files compile in unity batches here as in the asan preset (less than
# half the compiler time; tests/CMakeLists.txt, KEEL_UNITY_TESTS).
scripts/build.sh -DKEEL_WERROR=$werror "-DKEEL_TEST_TIERS=$tiers" -DKEEL_UNITY_TESTS=ON
step "release build (install included)" "$start"
tests_start=$(date +%s)
# The system tests run alone: they measure elections, restarts and timeouts in
# real time, and a build next to them (tried: the fuzz build at nice 19) makes
# a loaded 2-core machine miss a 500 ms handshake now and then.
(cd build && ctest --output-on-failure --timeout 600 -j "${KEEL_TEST_JOBS:-2}" "$@")
step "release tests" "$tests_start"

# The later steps run only for a whole run (no arguments selecting tests).
if [ $# -eq 0 ]; then
  # Fuzz step (label `fuzz`): a second build with clang of only the libFuzzer
  # harnesses (ASan + UBSan), then each for 20 s on its committed corpus.
  # KEEL_TEST_FUZZ=0 skips it. Longer runs: scripts/fuzz.sh.
  if [ "${KEEL_TEST_FUZZ:-1}" != 0 ]; then
    fuzz_start=$(date +%s)
    scripts/fuzz.sh --build-only
    ctest --test-dir build-fuzz/fuzz --output-on-failure -L fuzz -j "${KEEL_TEST_JOBS:-2}"
    step "fuzz step" "$fuzz_start"
  fi

  # Sanitizer step: the asan preset (ASan + UBSan, CMakePresets.json) builds
  # only the unit, sim (Raft and whole-node) and actor test binaries into
  # build-asan and runs them;
  # the first report fails the run. The system tests stay on the release build
  # (a second keel-node build under ASan would double the CI time).
  # KEEL_TEST_SANITIZE=0 skips it.
  if [ "${KEEL_TEST_SANITIZE:-1}" != 0 ]; then
    san_start=$(date +%s)
    cmake --preset asan -DKEEL_WERROR=$werror >/dev/null
    cmake --build --preset asan -j "${KEEL_BUILD_JOBS:-$(nproc)}"
    step "asan build" "$san_start"
    san_tests=$(date +%s)
    # Each binary once, not one process per test through ctest: ASan's start-up
    # (about 2 s with RocksDB and protobuf loaded) times 550 tests would cost
    # minutes. `ctest --preset asan` runs them one by one, with the same options.
    export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1:strict_string_checks=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/scripts/sanitizers/ubsan.supp
    export LSAN_OPTIONS=suppressions=$PWD/scripts/sanitizers/lsan.supp
    # The Raft simulation runs 100 seeds per group size here (200 in a
    # release build): ASan makes each seed about four times slower.
    export KEEL_SIM_SEEDS=${KEEL_SIM_SEEDS:-100}
    # Each binary runs on one core, so two lanes of about equal length use
    # both: the Raft simulation alone, the other three one after the other
    # (docs/benchmarks.md section 6). A lane's output is shown when it ends.
    lane() {
      local t t_start
      for t in "$@"; do
        t_start=$(date +%s)
        build-asan/bin/"$t" --gtest_brief=1 || { echo "test: asan $t FAILED"; return 1; }
        step "asan $t" "$t_start"
      done
    }
    lane keel_sim_tests >build-asan/lane-sim.log 2>&1 & sim_lane=$!
    lane keel_nodesim_tests keel_actor_tests keel_unit_tests >build-asan/lane-rest.log 2>&1 & rest_lane=$!
    lanes_ok=1
    wait "$rest_lane" || lanes_ok=0
    cat build-asan/lane-rest.log
    wait "$sim_lane" || lanes_ok=0
    cat build-asan/lane-sim.log
    [ "$lanes_ok" = 1 ] || { echo "test: a sanitizer run failed (its lane's output is above)"; exit 1; }
    step "asan tests" "$san_tests"
  fi
fi
step "total" "$start"
