#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts the local 3-node
# cluster described by ./cluster.conf, writes and reads a few keys with keelctl,
# prints every node's live supervision tree, the cluster status and a few of
# n1's metrics, then stops the cluster (pass --keep to leave it running and
# watch it at http://127.0.0.1:7301/, the dashboard).
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
$ctl metrics --node n1 | grep -E '^keel_(requests_total|raft_is_leader|storage_fsyncs_total)'
$ctl cluster status
set +x
[ $keep -eq 0 ] || echo "the cluster runs on: its dashboard is http://127.0.0.1:7301/ (keelctl cluster down stops it)"
