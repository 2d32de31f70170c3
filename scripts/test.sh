#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test tier
# (unit, sim, actor, system) through CTest. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh
scripts/build.sh
built=$(date +%s)
echo "test: build took $((built - start)) s (install included)"
cd build
ctest --output-on-failure --timeout 600 -j "${KEEL_TEST_JOBS:-2}" "$@"
echo "test: total $(( $(date +%s) - start )) s"
