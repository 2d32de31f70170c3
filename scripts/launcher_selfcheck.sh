#!/usr/bin/env bash
# Hand-run self-check of `keelctl cluster` (apps/launcher/).
#
# Runs every verb against FAKE keel-node processes: a few lines of Python that
# write the PID file, listen on the node's port and exit on SIGTERM, or crash
# at start-up, or ignore SIGTERM when told to. So it checks the process
# management alone, without Raft or storage, in about 15 s (10 of them are the
# SIGTERM grace period before the launcher escalates to SIGKILL).
#
#   scripts/launcher_selfcheck.sh build/bin/keelctl
#
# keelctl is copied next to the fake keel-node in a temporary directory, so a
# keelctl that looks for keel-node beside its own executable starts the fake.
# Prints "launcher self-check: OK" and exits 0, or names the failed step.
set -euo pipefail

keelctl_src=${1:?usage: $0 PATH/TO/keelctl}
python=$(python3 -c 'import sys; print(sys.executable)') # the real interpreter, not a shim
work=$(mktemp -d /tmp/keel-launcher-check.XXXXXX)
bin=$work/bin
conf=$work/cluster.conf
mkdir -p "$bin"
cp "$keelctl_src" "$bin/keelctl"

# Only processes started from this directory's fake are ever killed here.
cleanup() {
  for f in "$work"/data/*/keel-node.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$work/fake_node.py"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

read -r p1 p2 p3 < <("$python" -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

cat >"$conf" <<EOF
[cluster]
data_dir = "data"
shards = 1
replication_factor = 1
[log]
stderr = false
[[node]]
id = "n1"
host = "127.0.0.1"
port = $p1
[[node]]
id = "n2"
host = "127.0.0.1"
port = $p2
[[node]]
id = "n3"
host = "127.0.0.1"
port = $p3
EOF
printf 'n1 %s\nn2 %s\nn3 %s\n' "$p1" "$p2" "$p3" >"$work/ports.txt"

cat >"$work/fake_node.py" <<'EOF'
# keel-node stand-in. FAKE_MODE_<node>: crash | ignoreterm
import os, signal, socket, sys, time
args = sys.argv[1:]
config, node = args[args.index("--config") + 1], args[args.index("--node") + 1]
work = os.path.dirname(config)
port = int(dict(l.split() for l in open(os.path.join(work, "ports.txt")))[node])
mode = os.environ.get("FAKE_MODE_" + node, "")
print(f"fake keel-node {node} starting", flush=True)
if mode == "crash":
    print("cannot open the storage engine: fake corruption", flush=True)
    sys.exit(1)
pid_file = os.path.join(work, "data", node, "keel-node.pid")
with open(pid_file + ".tmp", "w") as f:
    f.write(f"{os.getpid()}\n")
os.rename(pid_file + ".tmp", pid_file)
def on_term(*_):
    os.remove(pid_file)
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "ignoreterm" else on_term)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(16)
while True:
    time.sleep(3600)
EOF
# exec -a keeps argv[0] = .../keel-node, which the launcher checks in /proc.
cat >"$bin/keel-node" <<EOF
#!/bin/bash
exec -a "\$0" "$python" "$work/fake_node.py" "\$@"
EOF
chmod +x "$bin/keel-node"

step=""
fail() {
  echo "launcher self-check: FAILED at: $step" >&2
  echo "  $*" >&2
  exit 1
}

# expect CODE VERB [NODE]: runs keelctl cluster, checks the exit code.
expect() {
  local want=$1
  shift
  step="keelctl cluster $*"
  set +e
  "$bin/keelctl" --config "$conf" cluster "$@" >"$work/out" 2>"$work/err"
  local got=$?
  set -e
  [[ $got == "$want" ]] || fail "exit code $got, expected $want; stderr: $(cat "$work/err")"
}

# states: "n1=running n2=down ..." from status --json.
states() {
  "$bin/keelctl" --config "$conf" --json cluster status |
    "$python" -c 'import json, sys
print(" ".join(n["id"] + "=" + n["state"] for n in json.load(sys.stdin)["nodes"]))'
}

expect_states() {
  local got
  got=$(states)
  [[ $got == "$1" ]] || fail "states '$got', expected '$1'"
}

pid_of() { cat "$work/data/$1/keel-node.pid"; }

expect 0 status
expect_states "n1=down n2=down n3=down"
expect 0 up
expect_states "n1=running n2=running n3=running"
expect 0 up # already running: nothing to do
expect 0 pause n2
expect_states "n1=running n2=paused n3=running"
expect 0 resume n2
expect_states "n1=running n2=running n3=running"
expect 0 kill n3
expect_states "n1=running n2=running n3=down"
[[ ! -e $work/data/n3/keel-node.pid ]] || fail "kill left n3's PID file behind"
expect 3 kill n3 # not running
old=$(pid_of n1)
expect 0 restart n1
[[ $(pid_of n1) != "$old" ]] || fail "restart kept the old pid $old"
expect 0 restart n3 # was down: just started
expect_states "n1=running n2=running n3=running"

expect 2 frob
expect 2 kill
expect 2 kill n9
grep -q "n1, n2, n3" "$work/err" || fail "the unknown-node error does not list the nodes"

expect 0 pause n2 # down must also stop a paused node
expect 0 down
expect_states "n1=down n2=down n3=down"

export FAKE_MODE_n2=crash
expect 3 up
grep -q "n2 exited during start-up (exit code 1)" "$work/err" || fail "no start-up failure line"
grep -q "fake corruption" "$work/err" || fail "the node's last output was not shown"
unset FAKE_MODE_n2
expect 0 down

echo 1 >"$work/data/n1/keel-node.pid" # pid 1 is alive but is no keel-node
expect_states "n1=down n2=down n3=down"
expect 3 kill n1
expect 0 down
[[ ! -e $work/data/n1/keel-node.pid ]] || fail "down kept a stale PID file"

FAKE_MODE_n1=ignoreterm expect 0 up n1
expect 0 down n1 # SIGTERM ignored: SIGKILL after the grace period
grep -q "killed" "$work/out" || fail "expected the SIGKILL escalation to be reported"
expect_states "n1=down n2=down n3=down"

echo "launcher self-check: OK"
