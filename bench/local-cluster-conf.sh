# shellcheck shell=bash
# bench/local-cluster-conf.sh: sourced by the bench scripts that start their own
# 3-node cluster on this machine. One place writes that cluster.conf.
#
# write_local_cluster_conf FILE DATA_DIR SHARDS LOG_LEVEL
#   Three nodes n1..n3 on 127.0.0.1, replication factor 3, each with a client
#   and a peer port that were free a moment ago (bound, read and closed).
write_local_cluster_conf() {
  local file=$1 data_dir=$2 shards=$3 level=$4 i
  local -a ports
  read -r -a ports <<<"$(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')"
  {
    echo "[cluster]"; echo "data_dir = \"$data_dir\""; echo "shards = $shards"; echo "replication_factor = 3"
    echo "[log]"; echo "level = \"$level\""; echo "stderr = false"
    for i in 0 1 2; do
      echo "[[node]]"; echo "id = \"n$((i + 1))\""; echo "host = \"127.0.0.1\""
      echo "port = ${ports[$i]}"; echo "peer_port = ${ports[$((i + 3))]}"
    done
  } >"$file"
}
