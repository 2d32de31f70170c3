#!/usr/bin/env bash
# bench/compare-etcd.sh: Keel and etcd side by side on this machine (issue 8).
# Alternating rounds, fresh clusters each round: a 3-member etcd 3.4 (Debian's
# etcd-server, default timing) and a 3-node Keel cluster (4 shards unless
# --keel-shards says otherwise, replication factor 3), both on 127.0.0.1 on free ports. Per round and system:
# closed-loop writes at 1, 16 and 64 clients, linearizable and serializable
# reads at 64 (100-byte values, 1000 keys), then SIGKILL and SIGSTOP of the
# leader (of shard 0 for Keel) and the time to the first acknowledged write.
# Keel is driven by keel-bench, etcd by bench/etcd-load (a Go program on
# Debian's clientv3, same design; its N clients share one connection to the
# leader, as etcd's own benchmark tool does). Prints the medians per system and
# the Keel / etcd ratio per workload; the raw rounds go to the results directory.
#
# Usage: bench/compare-etcd.sh [--rounds N] [--duration S] [--warmup S]
#          [--failover-runs N] [--keel-shards N] [--quick] [--results DIR] [--keel-bin DIR]
#          [--no-install]
#   --keel-shards  Keel's Raft groups, 1..1024 (default 4, as cluster.conf); etcd has one
#   --quick        smoke run: 1 round, 1 s per workload, 1 failover run per kind
#   --keel-bin     where keel-node, keelctl and keel-bench are (default build/bin)
#   --results      default /tmp/keel-compare-etcd/<UTC time>
#   --no-install   fail instead of installing missing packages with apt
# Exit: 0 every step ran, 1 a step failed (the table shows n/a, stderr says why),
# 2 usage, 124 over its own deadline. Kills only the processes it started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KEEL_BIN=$ROOT/build/bin
RESULTS=/tmp/keel-compare-etcd/$(date -u +%Y%m%dT%H%M%SZ)
INSTALL=1
pass=()
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --rounds|--duration|--warmup|--failover-runs|--keel-shards)
      [ $# -ge 2 ] || { echo "compare-etcd: $1 needs a value" >&2; exit 2; }
      pass+=("$1" "$2"); shift 2 ;;
    --quick) pass+=(--quick); shift ;;
    --results) [ $# -ge 2 ] || usage; RESULTS=$2; shift 2 ;;
    --keel-bin) [ $# -ge 2 ] || usage; KEEL_BIN=$(cd "$2" && pwd); shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    -h|--help) usage ;;
    *) echo "compare-etcd: unknown option '$1'" >&2; usage ;;
  esac
done

# What it needs, from Debian's packages, as scripts/install-deps.sh installs Keel's.
packages=(etcd-server etcd-client golang-go golang-etcd-server-dev python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$INSTALL" = 0 ]; then
    echo "compare-etcd: missing packages: ${missing[*]} (run without --no-install to install them)" >&2
    exit 2
  fi
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "compare-etcd: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The etcd load client, built offline against Debian's clientv3: GOPATH mode
# (GO111MODULE=off) finds go.etcd.io/etcd/clientv3 and its dependencies under
# /usr/share/gocode; no module proxy, no vendor directory.
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
ETCD_LOAD=$RESULTS/bin/etcd-load
(cd "$ROOT/bench/etcd-load" && env -u GOFLAGS GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off \
   go build -o "$ETCD_LOAD" .) || { echo "compare-etcd: building bench/etcd-load failed" >&2; exit 1; }

{
  echo "command: bench/compare-etcd.sh ${pass[*]:-} --keel-bin $KEEL_BIN"
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "checkout: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "keel build: $("$KEEL_BIN/keel-node" --version 2>/dev/null || echo 'keel-node without --version')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(grep MemTotal /proc/meminfo | awk '{print $2 " kB"}')"
  echo "kernel: $(uname -r)"
  echo "disk: $(df -T "$RESULTS" | awk 'NR==2 {print $1, $2}')"
  echo "etcd: $(etcd --version | head -1)"
  echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/machine.txt"
cat "$RESULTS/machine.txt" >&2

# The rounds run in the background so that a TERM, INT or HUP to this script
# reaches them: they stop every cluster they started before they exit.
rc=0
python3 "$ROOT/bench/compare_etcd.py" "${pass[@]}" --results "$RESULTS" --keel-bin "$KEEL_BIN" \
  --etcd-load "$ETCD_LOAD" > "$RESULTS/table.txt" &
rounds=$!
trap 'kill -TERM "$rounds" 2>/dev/null || true; wait "$rounds" || true; exit 130' TERM INT HUP
wait "$rounds" || rc=$?
trap - TERM INT HUP
cat "$RESULTS/table.txt"
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/machine.txt" >&2
echo "compare-etcd: raw rounds in $RESULTS/rounds.jsonl, commands and their errors in $RESULTS/commands.log" >&2
exit "$rc"
