#!/usr/bin/env bash
# bench/ab.sh: two setups of the same 3-node cluster side by side, in
# alternating rounds on fresh data, so that the machine's swings (this disk
# varies 2x within minutes) hit both alike. A setup is LABEL=BIN_DIR[,tls]: the
# keel-node/keelctl/keel-bench of BIN_DIR, on plaintext or on TLS (certificates
# from scripts/gen-certs.sh). 127.0.0.1 only (client ports 7301-7303, peer ports
# 7401-7403), data under $D; kills only what it started (keelctl cluster down).
#
# Usage: bench/ab.sh LABEL=BIN_DIR[,tls] LABEL=BIN_DIR[,tls]
# Environment: ROUNDS (default 3), DURATION (s, default 8), WARMUP (s, default 2),
#              SPECS (default "1 write,16 write,64 write,16 read": clients and mix)
# Prints one line per round, setup and load: ops/s, p50, p99 and failed operations.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
D=${D:-/tmp/keel-ab}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
SPECS=${SPECS:-1 write,16 write,64 write,16 read}
[ $# -eq 2 ] || { echo "usage: bench/ab.sh LABEL=BIN_DIR[,tls] LABEL=BIN_DIR[,tls]" >&2; exit 2; }
mkdir -p "$D"
cd "$D"

make_conf() { # $1 = label, $2 = plain|tls
  {
    echo "[cluster]"; echo "data_dir = \"$D/data-$1\""; echo "shards = 4"; echo "replication_factor = 3"
    echo "[log]"; echo "level = \"warn\""; echo "stderr = false"
    if [ "$2" = tls ]; then
      echo "[tls]"; echo "ca_file = \"certs/ca.pem\""; echo "client_cert = \"certs/client.pem\""; echo "client_key = \"certs/client.key\""
    fi
    for i in 1 2 3; do
      echo "[[node]]"; echo "id = \"n$i\""; echo "host = \"127.0.0.1\""; echo "port = 730$i"; echo "peer_port = 740$i"
      if [ "$2" = tls ]; then echo "cert = \"certs/n$i.pem\""; echo "key = \"certs/n$i.key\""; fi
    done
  } > "$D/$1.conf"
}

labels=(); bins=()
for setup in "$@"; do
  label=${setup%%=*}; rest=${setup#*=}; bin=${rest%%,*}; mode=plain
  [[ $rest == *,tls ]] && mode=tls
  for b in keel-node keelctl keel-bench; do
    [[ -x $bin/$b ]] || { echo "bench/ab.sh: $bin/$b is missing" >&2; exit 2; }
  done
  make_conf "$label" "$mode"
  if [ "$mode" = tls ] && [ ! -f certs/ca.pem ]; then
    "$ROOT/scripts/gen-certs.sh" --config "$D/$label.conf" "$D/certs" >/dev/null
  fi
  labels+=("$label"); bins+=("$bin")
done

IFS=, read -ra specs <<< "$SPECS"
for round in $(seq 1 "$ROUNDS"); do
  for i in 0 1; do
    label=${labels[$i]}; B=${bins[$i]}
    rm -rf "$D/data-$label"
    "$B/keelctl" --config "$D/$label.conf" cluster up >/dev/null
    sleep 2
    for spec in "${specs[@]}"; do
      read -r clients mix <<< "$spec"
      rc=0; "$B/keel-bench" --config "$D/$label.conf" --json load --clients "$clients" --mix "$mix" \
        --duration "$DURATION" --warmup "$WARMUP" > "$D/out.json" 2> "$D/err.txt" || rc=$?
      r=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); o=j["outcomes"]; print(round(j["ops_per_s"]), "p50", round(j["latency_ms"]["p50"],2), "p99", round(j["latency_ms"]["p99"],2), "not_ok", sum(v for k,v in o.items() if k!="ok"))' "$D/out.json" 2>/dev/null || echo "no result: $(tail -c 200 "$D/err.txt")")
      echo "round=$round setup=$label clients=$clients mix=$mix rc=$rc $r"
    done
    "$B/keelctl" --config "$D/$label.conf" cluster down >/dev/null || true
  done
done
