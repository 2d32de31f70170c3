#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time on a COPY of its committed
# corpus (the repository's corpus never grows unless KEEL_FUZZ_GROW=1), and
# fails if it finds a crash, a leak, a timeout or an out-of-memory input.
# Used by scripts/fuzz.sh and by the `fuzz` ctest entries (fuzz/CMakeLists.txt).
# Usage: run_fuzzer.sh BINARY CORPUS_DIR SECONDS ARTIFACT_DIR
set -euo pipefail
binary=$1 corpus=$2 seconds=$3 artifacts=$4
name=$(basename "$binary")

work=$(mktemp -d "${TMPDIR:-/tmp}/keel-${name}.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
if [ -d "$corpus" ]; then cp -r "$corpus"/. "$work/corpus/"; fi
marker="$work/started"
touch "$marker"

# -timeout: one input taking this long is a hang. -rss_limit_mb: well above
# what ASan's quarantine plus RocksDB's memtables need. Leak detection stays
# on: a leak per input is a bug on a long-running node.
set +e
"$binary" "$work/corpus" \
  -max_total_time="$seconds" -timeout=25 -rss_limit_mb=3072 -max_len=8192 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 2>"$work/log"
rc=$?
set -e

tail -n 12 "$work/log" | grep -E "^(#[0-9]+|Done|stat::number_of_executed_units|stat::peak_rss_mb)" || true
if [ $rc -ne 0 ]; then
  grep -E "ERROR|SUMMARY|raft_step:|snapshot_chunks:|pb_parse:|caf_message:|cluster_config:|client_request:|KEEL_ASSERT|invariant" "$work/log" | head -n 20 || true
  cp "$work/log" "$artifacts/$name.log"
  echo "run_fuzzer: $name FAILED (exit $rc); full log: $artifacts/$name.log"
  found=$(find "$artifacts" -maxdepth 1 -type f -newer "$marker" ! -name '*.log')
  for f in $found; do
    echo "run_fuzzer: reproducer: $f   (replay: $binary $f)"
  done
  exit 1
fi

if [ "${KEEL_FUZZ_GROW:-0}" = 1 ] && [ -d "$corpus" ]; then
  # Keeps only inputs that add coverage to the committed corpus.
  "$binary" -merge=1 "$corpus" "$work/corpus" 2>/dev/null
  echo "run_fuzzer: $name: merged new coverage into $corpus"
fi
echo "run_fuzzer: $name passed (${seconds} s)"
