#!/usr/bin/env bash
# bench/tls-cost.sh: what TLS costs. The same build with and without [tls],
# side by side in alternating rounds (bench/ab.sh): writes at 1 and 16 clients
# and linearizable reads at 16. Results in docs/benchmarks.md, section 7.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$ROOT/build/bin}
SPECS=${SPECS:-1 write,16 write,16 read} exec "$ROOT/bench/ab.sh" "plain=$B" "tls=$B,tls"
