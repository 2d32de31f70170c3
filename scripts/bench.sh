#!/usr/bin/env bash
# bench.sh: the measurements of docs/benchmarks.md, end to end. Starts a
# 3-node cluster (3 shards, replication 3) on free loopback ports in a fresh
# temporary directory (never the demo's 7101-7103), checks that keelctl put and
# get work, runs the keel-bench sweep (write and read, 1 / 16 / 64 clients),
# the history-writer cost check and the failover runs, prints the machine
# facts next to the figures, and stops the cluster again.
#
# Usage: scripts/bench.sh [OUT_DIR]   (default: a new /tmp/keel-bench.XXXXXX)
# Environment: KEEL_BIN (default build/bin), DURATION (s, default 20),
#              WARMUP (s, default 5), RUNS (failover runs, default 7).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${KEEL_BIN:-$root/build/bin}
duration=${DURATION:-20}
warmup=${WARMUP:-5}
runs=${RUNS:-7}
out=${1:-$(mktemp -d /tmp/keel-bench.XXXXXX)}
mkdir -p "$out"
conf=$out/cluster.conf

for b in keel-node keelctl keel-bench; do
  [[ -x $bin/$b ]] || { echo "bench.sh: $bin/$b is missing: build it first (scripts/build.sh)" >&2; exit 2; }
done

# Three ports nobody listens on, above the demo's range.
ports=()
port=$((20000 + RANDOM % 20000))
while ((${#ports[@]} < 3)); do
  if [[ -z $(ss -Htln "sport = :$port") ]]; then ports+=("$port"); fi
  port=$((port + 1))
done

cat >"$conf" <<EOF
# keel-bench measurement cluster (written by scripts/bench.sh)
[cluster]
data_dir = "data"
shards = 3
replication_factor = 3

[log]
level = "warn"
stderr = false

[[node]]
id = "n1"
host = "127.0.0.1"
port = ${ports[0]}

[[node]]
id = "n2"
host = "127.0.0.1"
port = ${ports[1]}

[[node]]
id = "n3"
host = "127.0.0.1"
port = ${ports[2]}
EOF

ctl() { "$bin/keelctl" --config "$conf" "$@"; }
kb() { "$bin/keel-bench" --config "$conf" "$@"; }
trap 'ctl cluster down >/dev/null 2>&1 || true' EXIT

facts() {
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/\s*:\s*/: /')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "loadavg: $(cat /proc/loadavg)"
}

{
  facts
  echo "fsync (4 KiB dd oflag=dsync, 200 writes): $(dd if=/dev/zero of="$out/dsync.tmp" bs=4k count=200 oflag=dsync 2>&1 | tail -1)"
  rm -f "$out/dsync.tmp"
} | tee "$out/machine.txt"

ctl cluster up
# The cluster is usable once a put and a get go through.
for attempt in $(seq 1 60); do
  if ctl --timeout 1000 put bench-check ok >/dev/null 2>&1 \
     && [[ $(ctl --timeout 1000 get bench-check 2>/dev/null) == ok ]]; then
    break
  fi
  ((attempt == 60)) && { echo "bench.sh: put/get do not work on the new cluster" >&2; exit 3; }
  sleep 0.5
done

echo "== sweep: keel-bench sweep --duration $duration --warmup $warmup" | tee "$out/sweep.txt"
echo "loadavg before: $(cat /proc/loadavg)" | tee -a "$out/sweep.txt"
kb sweep --duration "$duration" --warmup "$warmup" | tee -a "$out/sweep.txt"
echo "loadavg after: $(cat /proc/loadavg)" | tee -a "$out/sweep.txt"

echo "== history writer cost: 16 clients, mixed, without and with --history" | tee "$out/history.txt"
kb load --clients 16 --mix mixed --duration "$duration" --warmup "$warmup" | tee -a "$out/history.txt"
kb load --clients 16 --mix mixed --duration "$duration" --warmup "$warmup" \
  --history "$out/history.jsonl" | tee -a "$out/history.txt"

echo "== failover: keel-bench failover --runs $runs --shard 0" | tee "$out/failover.txt"
echo "loadavg before: $(cat /proc/loadavg)" | tee -a "$out/failover.txt"
kb failover --runs "$runs" --shard 0 | tee -a "$out/failover.txt"
echo "loadavg after: $(cat /proc/loadavg)" | tee -a "$out/failover.txt"

ctl cluster down
trap - EXIT
echo "results in $out"
