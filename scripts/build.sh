#!/usr/bin/env bash
# Configures (the release preset, CMakePresets.json) and builds Keel into
# build/ (binaries in build/bin/).
# Usage: scripts/build.sh [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${KEEL_BUILD_JOBS:-$(nproc)}
cmake --preset release "$@" >/dev/null
cmake --build build -j "$jobs"
