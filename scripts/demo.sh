#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts the local 3-node
# cluster described by ./cluster.conf, writes and reads a few keys with keelctl,
# prints every node's live supervision tree and the cluster status, then stops
# the cluster (pass --keep to leave it running).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctl=build/bin/keelctl
keep=0; [ "${1:-}" = "--keep" ] && keep=1
cleanup() { [ $keep -eq 1 ] || $ctl cluster down; }
trap cleanup EXIT

set -x
$ctl cluster up
$ctl put greeting "hello, keel"
$ctl get greeting
$ctl put counter 1
$ctl cas counter 1 2
$ctl get counter
$ctl cas --absent fresh-key created
$ctl del greeting
$ctl get greeting || echo "(exit $?: the key is gone)"
$ctl tree
$ctl status
$ctl cluster status
