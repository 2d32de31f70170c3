#!/usr/bin/env bash
# gen-certs.sh: a DEVELOPMENT certificate authority and the certificates a
# TLS Keel cluster needs, made with the openssl command line.
#
# Usage: scripts/gen-certs.sh [--force] [--config FILE] [--days N] [DIR] [NODE_ID...]
#
#   DIR       where the files go; default: certs/ next to the cluster.conf
#   NODE_ID   one node certificate per id; default: the ids of the [[node]]
#             tables of the cluster.conf
#   --config  the cluster.conf to read the node ids from (default: cluster.conf
#             at the repository root)
#   --days    validity of the node, client and operator certificates in days
#             (default 825); the CA is valid for 3650 days
#   --force   replace an existing CA, and the client, operator and named node
#             certificates (every certificate the old CA signed stops working)
#
# It writes, all keys ECDSA P-256 with mode 0600:
#   ca.pem, ca.key               the CA (subject O=Keel, OU=keel-ca)
#   <id>.pem, <id>.key           one per node: CN=<id>, OU=keel-node,
#                                SAN IP:127.0.0.1 and DNS:localhost,
#                                usable to accept (server) and dial (client)
#   client.pem, client.key       CN=client, OU=keel-client: may read and write
#   operator.pem, operator.key   CN=operator, OU=keel-operator: may also run
#                                `keelctl fault`
# and checks each certificate with `openssl verify -CAfile ca.pem`.
#
# Running it again is safe: an existing CA is reused (never overwritten
# without --force) and existing certificates are kept, so it only adds what is
# missing, e.g. the certificate of a node added to cluster.conf.
#
# To turn TLS on, add to cluster.conf (paths relative to the file's directory):
#
#   [tls]
#   ca_file = "certs/ca.pem"
#   client_cert = "certs/client.pem"   # what keelctl / keel-bench present by
#   client_key = "certs/client.key"    # default (--cacert/--cert/--key override)
#
# and to every [[node]] table its own pair:
#
#   cert = "certs/n1.pem"
#   key = "certs/n1.key"
#
# then restart the cluster (keelctl cluster down; keelctl cluster up). For
# `keelctl fault`, pass the operator's certificate:
#   keelctl --cert certs/operator.pem --key certs/operator.key --cacert certs/ca.pem fault ...
#
# Exit codes: 0 done; 1 openssl failed or a file could not be written;
# 2 usage error (bad arguments, no node ids, half a CA on disk).
set -euo pipefail

tool=gen-certs.sh
usage() {
  echo "$tool: $1: see the header of $0 for usage" >&2
  exit 2
}
die() {
  echo "$tool: $1" >&2
  exit "${2:-1}"
}

repo=$(cd "$(dirname "$0")/.." && pwd)
config="$repo/cluster.conf"
config_given=0
force=0
days=825
positional=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1 ;;
    --config)
      [[ $# -ge 2 ]] || usage "--config needs a FILE"
      config=$2
      config_given=1
      shift
      ;;
    --days)
      [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]{0,4}$ ]] || usage "--days needs a number of days (1..99999)"
      days=$2
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    --) shift; positional+=("$@"); break ;;
    -*) usage "unknown option $1" ;;
    *) positional+=("$1") ;;
  esac
  shift
done

command -v openssl >/dev/null || die "the openssl command is not installed (apt-get install openssl)"

# The node ids of the [[node]] tables: `id = "..."` lines between a [[node]]
# header and the next table header. Comments are ignored.
node_ids_of() {
  awk '
    /^[[:space:]]*\[/ { in_node = ($0 ~ /^[[:space:]]*\[\[[[:space:]]*node[[:space:]]*\]\]/) ; next }
    in_node && /^[[:space:]]*id[[:space:]]*=/ {
      line = $0
      sub(/^[^=]*=[[:space:]]*"/, "", line)
      sub(/".*$/, "", line)
      print line
    }' "$1"
}

if [[ ${#positional[@]} -gt 0 ]]; then
  dir=${positional[0]}
  ids=("${positional[@]:1}")
else
  dir="$(dirname "$config")/certs"
  ids=()
fi
if [[ ${#ids[@]} -eq 0 ]]; then
  [[ -r "$config" ]] || usage "cannot read $config to find the node ids; name them, or pass --config FILE"
  mapfile -t ids < <(node_ids_of "$config")
  [[ ${#ids[@]} -gt 0 ]] || usage "no [[node]] ids in $config; name them after DIR"
elif [[ $config_given -eq 1 ]]; then
  usage "give node ids or --config, not both"
fi
for id in "${ids[@]}"; do
  [[ "$id" =~ ^[A-Za-z0-9_-]{1,32}$ ]] \
    || usage "node id '$id' is not 1 to 32 characters from A-Z a-z 0-9 _ -"
  case "$id" in
    ca | client | operator) usage "node id '$id' would collide with $id.pem; rename the node" ;;
  esac
done

mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
umask 077
work=$(mktemp -d "$dir/.gen-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs openssl quietly; on failure prints what it said and stops.
ossl() {
  if ! openssl "$@" >"$work/openssl.out" 2>&1; then
    cat "$work/openssl.out" >&2
    die "openssl $1 failed (see above)"
  fi
}

new_key() { # new_key FILE: an ECDSA P-256 key, PKCS#8 PEM, mode 0600
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
  chmod 600 "$1"
}

# Writes to a temporary name, then renames: an interrupted run never leaves a
# certificate without its key, or half a file.
install_pair() { # install_pair NAME: $work/NAME.{pem,key} -> $dir/NAME.{pem,key}
  chmod 644 "$work/$1.pem"
  mv -f "$work/$1.key" "$dir/$1.key"
  mv -f "$work/$1.pem" "$dir/$1.pem"
}

if [[ $force -eq 1 ]]; then
  rm -f "$dir/ca.pem" "$dir/ca.key" "$dir/client".{pem,key} "$dir/operator".{pem,key}
  for id in "${ids[@]}"; do rm -f "$dir/$id".{pem,key}; done
fi

made=()
kept=()
if [[ -e "$dir/ca.pem" || -e "$dir/ca.key" ]]; then
  [[ -e "$dir/ca.pem" && -e "$dir/ca.key" ]] \
    || die "$dir holds only half a CA (ca.pem or ca.key is missing); pass --force to make a new one" 2
  kept+=(ca)
else
  cat >"$work/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
O = Keel
OU = keel-ca
CN = Keel development CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
  new_key "$work/ca.key"
  ossl req -x509 -new -config "$work/ca.cnf" -key "$work/ca.key" -sha256 -days 3650 \
    -set_serial "0x$(openssl rand -hex 16)" -out "$work/ca.pem"
  install_pair ca
  made+=(ca)
fi

# issue NAME OU CN EXTENDED_KEY_USAGE [SAN]
issue() {
  local name=$1 ou=$2 cn=$3 eku=$4 san=${5:-}
  if [[ -e "$dir/$name.pem" && -e "$dir/$name.key" ]]; then
    kept+=("$name")
    return
  fi
  {
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature"
    echo "extendedKeyUsage = $eku"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid"
    [[ -z "$san" ]] || echo "subjectAltName = $san"
  } >"$work/$name.ext"
  new_key "$work/$name.key"
  ossl req -new -key "$work/$name.key" -subj "/O=Keel/OU=$ou/CN=$cn" -out "$work/$name.csr"
  ossl x509 -req -in "$work/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -sha256 \
    -days "$days" -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/$name.ext" \
    -out "$work/$name.pem"
  install_pair "$name"
  made+=("$name")
}

for id in "${ids[@]}"; do
  # A node both accepts connections (server) and dials its peers (client).
  issue "$id" keel-node "$id" "serverAuth, clientAuth" "IP:127.0.0.1, DNS:localhost"
done
issue client keel-client client clientAuth
issue operator keel-operator operator clientAuth

for name in "${ids[@]}" client operator; do
  openssl verify -CAfile "$dir/ca.pem" "$dir/$name.pem" >/dev/null 2>"$work/verify.out" \
    || { cat "$work/verify.out" >&2; die "$dir/$name.pem does not verify against $dir/ca.pem"; }
done

# Certificates of other ids, left from an earlier run, that the CA did not sign
# (after --force) would fail at the TLS handshake: say so now.
for pem in "$dir"/*.pem; do
  name=$(basename "$pem" .pem)
  [[ "$name" != ca ]] || continue
  openssl verify -CAfile "$dir/ca.pem" "$pem" >/dev/null 2>&1 \
    || echo "$tool: warning: $pem is not signed by this CA; remove it, or run again with --force and its id" >&2
done

echo "$tool: in $dir: made ${made[*]:-nothing}${kept:+; kept ${kept[*]}} (all verify against ca.pem)"
