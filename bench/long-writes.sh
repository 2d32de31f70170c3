#!/usr/bin/env bash
# bench/long-writes.sh: long runs of new keys, two builds side by side in
# alternating rounds on fresh data: what a shard's log compaction costs the
# slowest writes and the nodes' memory (docs/benchmarks.md sections 30 and 33).
# Each round starts a 3-node, 4-shard cluster per setup (127.0.0.1, ports
# picked free), runs `keel-bench load --mix write --keys 100000000` (nearly
# every write a new key) and samples each node's resident size four times;
# it prints writes/s, p99, p99.9, the slowest write, n1's resident size at each
# quarter of the run and every node's peak (VmHWM). Kills only what it started
# (keelctl cluster down).
#
# With PAUSE=FROM:TO, n3 is stopped (SIGSTOP) FROM seconds into the load and
# resumed (SIGCONT) at TO: a follower that falls behind the compacted log and
# catches up from snapshots while the writes go on (section 34); the line
# then also gives the snapshots the leaders sent and installed.
#
# Usage: bench/long-writes.sh LABEL=BIN_DIR LABEL=BIN_DIR
# Environment: ROUNDS (default 2), DURATION (s, default 100), CLIENTS (default 64),
#              EXTRA_CONF (appended to each cluster.conf, e.g. "[raft]\nsnapshot_entries = 5000"),
#              PAUSE (FROM:TO, seconds into the load; none by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/local-cluster-conf.sh
. "$ROOT/bench/local-cluster-conf.sh"
D=${D:-/tmp/keel-long-writes}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-100}
CLIENTS=${CLIENTS:-64}
EXTRA_CONF=${EXTRA_CONF:-}
PAUSE=${PAUSE:-}
if [ -n "$PAUSE" ] && ! [[ $PAUSE =~ ^[0-9]+:[0-9]+$ && ${PAUSE%:*} -lt ${PAUSE#*:} && ${PAUSE#*:} -lt $DURATION ]]; then
  echo "bench/long-writes.sh: PAUSE is FROM:TO in whole seconds, FROM < TO < DURATION ($DURATION), not '$PAUSE'" >&2
  exit 2
fi
[ $# -eq 2 ] || { echo "usage: bench/long-writes.sh LABEL=BIN_DIR LABEL=BIN_DIR" >&2; exit 2; }
mkdir -p "$D"

labels=(); bins=()
for setup in "$@"; do
  label=${setup%%=*}; bin=${setup#*=}
  for b in keel-node keelctl keel-bench; do
    [[ -x $bin/$b ]] || { echo "bench/long-writes.sh: $bin/$b is missing" >&2; exit 2; }
  done
  labels+=("$label"); bins+=("$bin")
done

status_kib() { # $1 = pid, $2 = field (VmRSS, VmHWM): its value in MiB, or "-"
  awk -v f="$2:" '$1 == f { printf "%d", $2 / 1024; found = 1 } END { if (!found) printf "-" }' \
    "/proc/$1/status" 2>/dev/null || echo "-"
}

# Sum of one metric over every node and series of the running cluster.
metric() { "$B/keelctl" --config "$D/cluster.conf" metrics 2>/dev/null | awk -v m="$1" '$1 ~ "^"m"({|$)" {s += $2} END {print s + 0}'; }

for round in $(seq 1 "$ROUNDS"); do
  for i in 0 1; do
    label=${labels[$i]}; B=${bins[$i]}
    rm -rf "$D/data"
    write_local_cluster_conf "$D/cluster.conf" "$D/data" 4 warn
    [ -n "$EXTRA_CONF" ] && printf '%b\n' "$EXTRA_CONF" >>"$D/cluster.conf"
    "$B/keelctl" --config "$D/cluster.conf" cluster up >/dev/null
    sleep 2
    pids=()
    for n in 1 2 3; do pids+=("$(cat "$D/data/n$n/keel-node.pid")"); done
    "$B/keel-bench" --config "$D/cluster.conf" --json load --clients "$CLIENTS" --mix write \
      --keys 100000000 --duration "$DURATION" --warmup 0 >"$D/out.json" 2>"$D/err.txt" &
    bench_pid=$!
    if [ -n "$PAUSE" ]; then
      # n3's pause, beside the load: stopped at FROM, resumed at TO.
      (sleep "${PAUSE%:*}"; kill -STOP "${pids[2]}"
       sleep $((${PAUSE#*:} - ${PAUSE%:*})); kill -CONT "${pids[2]}") &
      pause_pid=$!
    fi
    rss=()
    for _ in 1 2 3 4; do
      sleep "$(python3 -c "print($DURATION / 4)")"
      rss+=("$(status_kib "${pids[0]}" VmRSS)")
    done
    rc=0; wait "$bench_pid" || rc=$?
    snapshots=""
    if [ -n "$PAUSE" ]; then
      wait "$pause_pid" || true
      snapshots=" snapshots_sent=$(metric keel_raft_snapshots_sent_total) installed=$(metric keel_raft_snapshots_installed_total)"
    fi
    peaks=()
    for p in "${pids[@]}"; do peaks+=("$(status_kib "$p" VmHWM)"); done
    r=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); l=j["latency_ms"]; o=j["outcomes"]
print(round(j["ops_per_s"]), "p99", round(l["p99"],1), "p99.9", round(l["p99.9"],1), "max", round(l["max"]), "not_ok", sum(v for k,v in o.items() if k!="ok"))' \
      "$D/out.json" 2>/dev/null || echo "no result: $(tail -c 200 "$D/err.txt")")
    echo "round=$round setup=$label rc=$rc $r n1_rss_mib=$(IFS=/; echo "${rss[*]}") peak_mib=$(IFS=/; echo "${peaks[*]}")$snapshots"
    "$B/keelctl" --config "$D/cluster.conf" cluster down >/dev/null || true
  done
done
