#!/usr/bin/env bash
# bench/leader-stability.sh: does a loaded cluster keep its leaders when nothing
# fails? (issue 8, part 3: "a 10-minute run at full load shows no leader change
# that no fault caused"). Starts a fresh 3-node cluster (4 shards, replication
# factor 3) on 127.0.0.1 at free ports, lets the shards elect and balance their
# leaders, records every shard's term and leader, runs closed-loop writes with
# keel-bench for the given time, and records them again. Any term that moved
# is a leader change (an election or a transfer) that no fault caused.
# Kills only what it started (keelctl cluster down; the PIDs it launched).
#
# Usage: bench/leader-stability.sh [--minutes M] [--clients N] [--keel-bin DIR]
#   defaults: 10 minutes, 16 clients, build/bin
# Exit: 0 no term moved, 1 a term moved or a step failed, 2 usage.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
minutes=10
clients=16
bin="$ROOT/build/bin"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --keel-bin) bin=$(cd "$2" && pwd); shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "leader-stability: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$minutes" =~ ^[0-9]+$ && "$minutes" -gt 0 ]] || { echo "leader-stability: --minutes must be a positive integer" >&2; exit 2; }
[[ "$clients" =~ ^[0-9]+$ && "$clients" -gt 0 ]] || { echo "leader-stability: --clients must be a positive integer" >&2; exit 2; }
for b in keel-node keelctl keel-bench; do
  [ -x "$bin/$b" ] || { echo "leader-stability: $bin/$b not found (build first: scripts/build.sh)" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/keel-leader-stability.XXXXXX)
conf="$dir/cluster.conf"
# shellcheck source=bench/local-cluster-conf.sh
source "$ROOT/bench/local-cluster-conf.sh"
write_local_cluster_conf "$conf" "$dir/data" 4 info

ctl() { timeout 60 "$bin/keelctl" --config "$conf" "$@"; }
pids=""
# shellcheck disable=SC2317 # called by the trap below
stop() {
  ctl cluster down >/dev/null 2>&1 || true
  for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
}
trap stop EXIT

# One line per shard: "shard term leader", as the shard's replicas report it
# (the highest term any replica knows, and the leader at that term).
terms() {
  ctl --json status | python3 -c '
import json, sys
best = {}
for n in json.load(sys.stdin)["nodes"]:
    for s in n.get("shards", []):
        k = s["shard"]
        if k not in best or s["term"] > best[k][0]:
            best[k] = (s["term"], s["leader_id"])
for k in sorted(best):
    print(k, best[k][0], best[k][1])'
}

ctl cluster up >/dev/null
pids=$(ctl --json cluster status | python3 -c 'import json,sys; print(" ".join(str(n["pid"]) for n in json.load(sys.stdin)["nodes"] if n.get("pid")))')
# Elections, then each shard's preferred leader takes over (balance_ticks).
sleep 8
before=$(terms)
echo "leader-stability: $minutes min of writes from $clients clients; config and logs in $dir"
echo "before: (shard term leader)"; echo "$before"
ctl cluster status >/dev/null
timeout $((minutes * 60 + 120)) "$bin/keel-bench" --config "$conf" load --clients "$clients" --mix write \
  --duration $((minutes * 60)) --warmup 0 | tail -n 6
after=$(terms)
echo "after:"; echo "$after"
moved=$(diff <(echo "$before") <(echo "$after") | grep -c '^>' || true)
if [ "$moved" -eq 0 ]; then
  echo "leader-stability: no term moved on any shard in $minutes min"
  exit 0
fi
echo "leader-stability: $moved shard(s) changed term or leader (node logs: $dir/data/*/keel-node.log)"
grep -h "became leader\|campaigning\|handing leadership" "$dir"/data/*/*.log 2>/dev/null | tail -n 20 || true
exit 1
