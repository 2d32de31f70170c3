#!/usr/bin/env bash
# bench/tls-cost.sh: what TLS costs. The same 3-node cluster (127.0.0.1, client
# ports 7301-7303, peer ports 7401-7403, data under $D) with and without [tls],
# in 3 alternating rounds on fresh data; keel-bench load at 1 and 16 clients
# (writes) and 16 clients (linearizable reads), 8 s each after 2 s of warm-up.
# Certificates come from scripts/gen-certs.sh. Kills only what it started
# (keelctl cluster down). Results in docs/benchmarks.md, section 7.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$ROOT/build/bin}
D=${D:-/tmp/keel-tls-cost}
mkdir -p $D
cd $D
make_conf() { # $1 = plain|tls
  {
    echo "[cluster]"; echo "data_dir = \"$D/data-$1\""; echo "shards = 4"; echo "replication_factor = 3"
    echo "[log]"; echo "level = \"warn\""; echo "stderr = false"
    if [ "$1" = tls ]; then
      echo "[tls]"; echo "ca_file = \"certs/ca.pem\""; echo "client_cert = \"certs/client.pem\""; echo "client_key = \"certs/client.key\""
    fi
    for i in 1 2 3; do
      echo "[[node]]"; echo "id = \"n$i\""; echo "host = \"127.0.0.1\""; echo "port = 730$i"; echo "peer_port = 740$i"
      if [ "$1" = tls ]; then echo "cert = \"certs/n$i.pem\""; echo "key = \"certs/n$i.key\""; fi
    done
  } > $D/$1.conf
}
make_conf plain; make_conf tls
[ -f certs/ca.pem ] || $ROOT/scripts/gen-certs.sh --config $D/plain.conf $D/certs >/dev/null
for round in 1 2 3; do
  for mode in plain tls; do
    rm -rf $D/data-$mode
    $B/keelctl --config $D/$mode.conf cluster up >/dev/null
    sleep 2
    for spec in "1 write" "16 write" "16 read"; do
      set -- $spec
      rc=0; $B/keel-bench --config $D/$mode.conf --json load --clients $1 --mix $2 --duration 8 --warmup 2 > $D/out.json 2> $D/err.txt || rc=$?
      r=$(python3 -c 'import json; j=json.load(open("'"$D"'/out.json")); o=j["outcomes"]; print(round(j["ops_per_s"]), "p50", round(j["latency_ms"]["p50"],2), "p99", round(j["latency_ms"]["p99"],2), "not_ok", sum(v for k,v in o.items() if k!="ok"))' 2>/dev/null || echo "no result: $(tail -c 200 $D/err.txt)")
      echo "round=$round mode=$mode clients=$1 mix=$2 rc=$rc $r"
    done
    $B/keelctl --config $D/$mode.conf cluster down >/dev/null || true
  done
done
