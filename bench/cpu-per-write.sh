#!/usr/bin/env bash
# bench/cpu-per-write.sh: what one acknowledged write costs the nodes of a
# 3-node cluster, for one or more builds in alternating runs on fresh data.
# Throughput alone swings 2x with this machine's disk and with where the
# shards' leaders land; the cost per write (CPU of the three keel-node
# processes from /proc/<pid>/stat, context switches of all their threads,
# fsyncs and Raft entries from the nodes' metrics) moves far less, and the
# leader placement of each run is printed beside it.
#
# Usage: bench/cpu-per-write.sh [--runs N] [--clients C] [--shards S] [--seconds T] [--keys K]
#                                [--mix write|read|read-serializable] [--set 'SECTION.KEY = VALUE']...
#                                LABEL=BIN_DIR...
#   BIN_DIR holds keel-node, keelctl and keel-bench (copies: keel-node finds
#   its siblings through /proc/self/exe). Defaults: 3 runs, 64 clients,
#   4 shards, 8 s measured after 2 s of writes, keel-bench's 1000 keys, mix
#   write (--keys 100000000: nearly every write a new key). With a read mix
#   the per-write columns are per read. Beside the nodes' cost, keel-bench's
#   own CPU per operation and the requests per batch the nodes received
#   (keel_request_batch_size; 0 from a build without batches), the Raft
#   messages and frames the nodes sent per operation. Where an
#   operation's time goes: keel-bench's mean latency, the mean time a request
#   spent in the node that answered it (keel_request_duration_seconds), and
#   the mean of the nodes' log fsyncs (keel_storage_fsync_duration_seconds).
#   --set 'SECTION.KEY = VALUE' (repeatable) adds a setting to the
#   cluster.conf of every run, e.g. --set 'cluster.log_sync_thread = true'
#   or --set 'raft.max_entries_in_flight = 2'.
# 127.0.0.1 only, on free ports; data under $D (default /tmp/keel-cpw); kills
# only what it started (keelctl cluster down).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/local-cluster-conf.sh
source "$ROOT/bench/local-cluster-conf.sh"
D=${D:-/tmp/keel-cpw}
RUNS=3 CLIENTS=64 SHARDS=4 SECONDS_MEASURED=8 MIX=write KEYS=1000
setups=() settings=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    --seconds) SECONDS_MEASURED=$2; shift 2 ;;
    --mix) MIX=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --set) settings+=("$2"); shift 2 ;;
    *=*) setups+=("$1"); shift ;;
    *) echo "usage: bench/cpu-per-write.sh [--runs N] [--clients C] [--shards S] [--seconds T] [--keys K] [--mix M] [--set 'SECTION.KEY = VALUE']... LABEL=BIN_DIR..." >&2; exit 2 ;;
  esac
done
[ ${#setups[@]} -gt 0 ] || { echo "bench/cpu-per-write.sh: name at least one LABEL=BIN_DIR" >&2; exit 2; }
case $MIX in
  write | read) mix_flags=(--mix "$MIX") ;;
  read-serializable) mix_flags=(--mix read --serializable) ;;
  *) echo "bench/cpu-per-write.sh: --mix is write, read or read-serializable, not '$MIX'" >&2; exit 2 ;;
esac
for setup in "${setups[@]}"; do
  for b in keel-node keelctl keel-bench; do
    [[ -x ${setup#*=}/$b ]] || { echo "bench/cpu-per-write.sh: ${setup#*=}/$b is missing" >&2; exit 2; }
  done
done
mkdir -p "$D"
TICK=$(getconf CLK_TCK)


# CPU ticks and context switches of the given processes, all threads.
usage_of() {
  local cpu=0 cs=0 p t
  for p in "$@"; do
    read -r -a stat < "/proc/$p/stat"
    cpu=$((cpu + stat[13] + stat[14]))
    for t in /proc/"$p"/task/*/status; do
      cs=$((cs + $(awk '/ctxt_switches/ {s += $2} END {print s}' "$t")))
    done
  done
  echo "$cpu $cs"
}

# Sum of one metric over every node and series.
metric() { "$B/keelctl" --config "$D/cluster.conf" metrics 2>/dev/null | awk -v m="$1" '$1 ~ "^"m"({|$)" {s += $2} END {print s + 0}'; }

# Leaders per node, e.g. "n1:2 n2:1 n3:1".
leaders() {
  "$B/keelctl" --config "$D/cluster.conf" status 2>/dev/null \
    | awk '$3 == "leader" {n[$2]++} END {for (k in n) printf "%s:%d ", k, n[k]}' | sed 's/ $//'
}

# Which builds each label runs, node and client (a binary from before
# --version says so).
build_of() { "$1" --version 2>/dev/null || echo "$(basename "$1") without --version"; }
for setup in "${setups[@]}"; do
  echo "# ${setup%%=*}: $(build_of "${setup#*=}/keel-node"); $(build_of "${setup#*=}/keel-bench")"
done
echo "label clients shards writes/s node_cpu_us/write ctx_switches/write fsyncs/write writes/entry client_cpu_us/write requests/batch raft_messages/write frames/write client_mean_ms node_mean_ms fsync_mean_us leaders"
for _ in $(seq 1 "$RUNS"); do
  for setup in "${setups[@]}"; do
    label=${setup%%=*}; B=${setup#*=}
    rm -rf "$D/data"; write_local_cluster_conf "$D/cluster.conf" "$D/data" "$SHARDS" warn
    for setting in "${settings[@]}"; do
      section=${setting%%.*}
      if grep -q "^\[$section\]\$" "$D/cluster.conf"; then
        sed -i "/^\[$section\]\$/a ${setting#*.}" "$D/cluster.conf"
      else
        printf '[%s]\n%s\n' "$section" "${setting#*.}" >>"$D/cluster.conf"
      fi
    done
    "$B/keelctl" --config "$D/cluster.conf" cluster up >/dev/null
    trap '"$B/keelctl" --config "$D/cluster.conf" cluster down >/dev/null 2>&1 || true' EXIT
    sleep 2
    pids=()
    for n in 1 2 3; do pids+=("$(cat "$D/data/n$n/keel-node.pid")"); done
    "$B/keel-bench" --config "$D/cluster.conf" --json load --clients "$CLIENTS" --keys "$KEYS" --mix write \
      --duration 2 --warmup 0 >/dev/null 2>&1
    read -r cpu0 cs0 < <(usage_of "${pids[@]}")
    f0=$(metric keel_storage_fsyncs_total); e0=$(metric keel_raft_proposals_total)
    b0=$(metric keel_request_batch_size_sum); n0=$(metric keel_request_batch_size_count)
    r0=$(metric keel_request_duration_seconds_sum); q0=$(metric keel_request_duration_seconds_count)
    s0=$(metric keel_storage_fsync_duration_seconds_sum)
    m0=$(metric keel_transport_sent_messages_total); p0=$(metric keel_transport_sent_frames_total)
    "$B/keel-bench" --config "$D/cluster.conf" --json load --clients "$CLIENTS" --keys "$KEYS" "${mix_flags[@]}" \
      --duration "$SECONDS_MEASURED" --warmup 0 > "$D/load.json" 2>/dev/null &
    bench_pid=$!
    # keel-bench's own CPU, read just before it exits (it waits for nothing
    # after its report): its stat vanishes once it is reaped.
    client_ticks=0
    while kill -0 "$bench_pid" 2>/dev/null; do
      read -r -a bstat < "/proc/$bench_pid/stat" 2>/dev/null || break
      client_ticks=$((bstat[13] + bstat[14]))
      sleep 0.2
    done
    wait "$bench_pid" || true
    read -r cpu1 cs1 < <(usage_of "${pids[@]}")
    f1=$(metric keel_storage_fsyncs_total); e1=$(metric keel_raft_proposals_total)
    b1=$(metric keel_request_batch_size_sum); n1=$(metric keel_request_batch_size_count)
    r1=$(metric keel_request_duration_seconds_sum); q1=$(metric keel_request_duration_seconds_count)
    s1=$(metric keel_storage_fsync_duration_seconds_sum)
    m1=$(metric keel_transport_sent_messages_total); p1=$(metric keel_transport_sent_frames_total)
    where=$(leaders)
    "$B/keelctl" --config "$D/cluster.conf" cluster down >/dev/null
    trap - EXIT
    python3 - "$D/load.json" "$label" "$CLIENTS" "$SHARDS" "$SECONDS_MEASURED" "$TICK" \
      "$((cpu1 - cpu0))" "$((cs1 - cs0))" "$f0" "$f1" "$e0" "$e1" "$where" "$client_ticks" \
      "$b0" "$b1" "$n0" "$n1" "$r0" "$r1" "$q0" "$q1" "$s0" "$s1" "$m0" "$m1" "$p0" "$p1" <<'PY'
import json, sys
(path, label, clients, shards, secs, tick, cpu, cs, f0, f1, e0, e1, where, client_ticks,
 b0, b1, n0, n1, r0, r1, q0, q1, s0, s1, m0, m1, p0, p1) = sys.argv[1:]
report = json.load(open(path))
ok = report["outcomes"]["ok"]
if ok == 0:
    sys.exit(f"bench/cpu-per-write.sh: {label}: no write was acknowledged")
ok, cpu, cs = int(ok), int(cpu), int(cs)
fsyncs, entries = float(f1) - float(f0), float(e1) - float(e0)
print(f"{label} {clients} {shards} {ok / float(secs):.0f} {cpu * 1e6 / int(tick) / ok:.0f} "
      f"{cs / ok:.1f} {fsyncs / ok:.2f} {ok / entries if entries else 0:.1f} "
      f"{int(client_ticks) * 1e6 / int(tick) / ok:.0f} "
      f"{(float(b1) - float(b0)) / batches if (batches := float(n1) - float(n0)) else 0:.1f} "
      f"{(float(m1) - float(m0)) / ok:.1f} {(float(p1) - float(p0)) / ok:.1f} "
      f"{report['latency_ms']['mean']:.2f} "
      f"{(float(r1) - float(r0)) * 1e3 / answered if (answered := float(q1) - float(q0)) else 0:.2f} "
      f"{(float(s1) - float(s0)) * 1e6 / fsyncs if fsyncs else 0:.0f} {where}")
PY
  done
done
