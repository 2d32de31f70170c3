#!/usr/bin/env bash
# bench/compare-builds.sh: did a change make Keel slower? Two builds side by
# side in alternating rounds (bench/ab.sh) on plaintext clusters: writes at 1,
# 16 and 64 clients and linearizable reads at 16.
# Usage: bench/compare-builds.sh OLD_BIN_DIR [NEW_BIN_DIR (default build/bin)]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: bench/compare-builds.sh OLD_BIN_DIR [NEW_BIN_DIR]" >&2; exit 2; }
exec "$ROOT/bench/ab.sh" "before=$1" "after=${2:-$ROOT/build/bin}"
