#!/usr/bin/env bash
# The local development cluster in one command: runs `keelctl cluster` on the
# repository's cluster.conf with the keelctl of the build directory.
#
#   scripts/cluster.sh [--json] up | down | status | kill NODE | pause NODE | resume NODE | restart NODE
#
# KEEL_BUILD_DIR (default: build) and KEEL_CONFIG (default: cluster.conf at the
# repository root) choose others. Exit codes are keelctl's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILD_DIR:-$root/build}
keelctl=$build/bin/keelctl
if [[ ! -x $keelctl ]]; then
  echo "cluster.sh: no keelctl at $keelctl; build it: cmake --build $build --target keelctl keel-node" >&2
  exit 2
fi
flags=()
if [[ ${1:-} == --json ]]; then
  flags+=(--json)
  shift
fi
exec "$keelctl" --config "${KEEL_CONFIG:-$root/cluster.conf}" "${flags[@]}" cluster "$@"
