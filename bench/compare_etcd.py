#!/usr/bin/env python3
"""The rounds of bench/compare-etcd.sh: etcd and Keel, side by side.

Each round starts a fresh 3-member etcd cluster and a fresh 3-node Keel
cluster (4 shards unless --keel-shards, replication factor 3) in turn, on
127.0.0.1 and on free ports, and runs the same closed-loop workloads against both: keel-bench for
Keel, bench/etcd-load for etcd (N clients over one connection to the leader,
as etcd's own benchmark tool does). Then failover: SIGKILL and SIGSTOP of the
leader (of shard 0 for Keel), time to the first acknowledged write. The order
of the two systems alternates between rounds. Only processes this script
started are signalled; everything is stopped on exit, on error and at the
deadline.
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

WORKLOADS = [  # name, clients, keel-bench mix, etcd-load mix
    ("put, 1 client", 1, "write", "write"),
    ("put, 16 clients", 16, "write", "write"),
    ("put, 64 clients", 64, "write", "write"),
    ("linearizable get, 64 clients", 64, "read", "read"),
    ("serializable get, 64 clients", 64, "read-serializable", "read-serializable"),
]
RSS_WORKLOAD = "put, 64 clients"  # servers' resident size is sampled during this one
FAILOVERS = [("SIGKILL of the leader -> first acked write", "KILL"),
             ("SIGSTOP of the leader -> first acked write", "STOP")]


class Failure(Exception):
    """A step failed: the round says why and goes on with the next system."""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """The largest resident size of any of the given processes, sampled every 200 ms."""

    def __init__(self, pids):
        self.pids, self.peak, self._stop = pids, 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.wait(0.2):
            self.peak = max([self.peak] + [rss_kib(p) for p in self.pids])

    def stop(self):
        self._stop.set()
        self._t.join()
        return self.peak / 1024.0  # MiB


def run_child(cmd, timeout, log_path):
    """Runs cmd, returns (stdout, cpu seconds of the child, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(log_path, "a") as err:
        err.write("$ " + " ".join(cmd) + "\n")
        err.flush()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"{os.path.basename(cmd[0])} ran over {timeout:.0f} s")
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise Failure(f"{os.path.basename(cmd[0])} exited {p.returncode}: see {log_path}")
    return p.stdout, cpu, wall


def kv_line(text, prefix):
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            return dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
    raise Failure(f"no '{prefix}' line in: {text.strip()[:200]}")


class Etcd:
    name = "etcd"

    def __init__(self, a, workdir, logp):
        self.a, self.dir, self.log = a, workdir, logp
        self.procs = {}  # member -> Popen
        ports = free_ports(6)
        self.members = [f"m{i}" for i in (1, 2, 3)]
        self.client = {m: f"http://127.0.0.1:{ports[i]}" for i, m in enumerate(self.members)}
        self.peer = {m: f"http://127.0.0.1:{ports[3 + i]}" for i, m in enumerate(self.members)}
        self.endpoints = ",".join(self.client[m] for m in self.members)

    def _start(self, m):
        cmd = [self.a.etcd, "--name", m, "--data-dir", os.path.join(self.dir, m),
               "--listen-client-urls", self.client[m], "--advertise-client-urls", self.client[m],
               "--listen-peer-urls", self.peer[m], "--initial-advertise-peer-urls", self.peer[m],
               "--initial-cluster", ",".join(f"{x}={self.peer[x]}" for x in self.members),
               "--initial-cluster-state", "new", "--initial-cluster-token", "keel-compare",
               "--logger", "zap", "--log-level", "warn"]
        out = open(os.path.join(self.dir, f"{m}.log"), "a")
        self.procs[m] = subprocess.Popen(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL)

    def up(self):
        os.makedirs(self.dir, exist_ok=True)
        for m in self.members:
            self._start(m)
        self.settle()

    def settle(self):
        run_child([self.a.etcd_load, "leader", "--endpoints", self.endpoints, "--all", "--wait", "30s"],
                  40, self.log)

    def leader(self):
        out, _, _ = run_child([self.a.etcd_load, "leader", "--endpoints", self.endpoints], 40, self.log)
        url = kv_line(out, "leader")["url"]
        return next(m for m in self.members if self.client[m] == url)

    def pids(self):
        return [p.pid for p in self.procs.values() if p.poll() is None]

    def load(self, w):
        name, clients, _, mix = w
        leader = self.leader()
        cmd = [self.a.etcd_load, "load", "--endpoints", self.client[leader], "--clients", str(clients),
               "--mix", mix, "--duration", str(self.a.duration), "--warmup", str(self.a.warmup)]
        out, cpu, wall = run_child(cmd, self.a.duration + self.a.warmup + 120, self.log)
        r = kv_line(out, "result")
        return {"ops_per_s": float(r["ops_per_s"]), "p50": float(r["p50_ms"]), "p99": float(r["p99_ms"]),
                "p99.9": float(r["p999_ms"]), "mean": float(r["mean_ms"]), "failed": int(r["errors"]),
                "client_cpu_pct": 100 * cpu / wall, "own_cpu_pct": float(r["cpu_pct"])}

    def failover(self, sig):
        times = []
        for _ in range(self.a.failover_runs):
            pids = ",".join(f"{self.client[m]}={p.pid}" for m, p in self.procs.items())
            cmd = [self.a.etcd_load, "failover", "--endpoints", self.endpoints, "--pids", pids,
                   "--signal", sig]
            try:
                out, _, _ = run_child(cmd, 60, self.log)
            finally:  # whichever member it signalled: restart the dead, resume the stopped
                for m, p in list(self.procs.items()):
                    if p.poll() is not None:
                        self._start(m)
                    else:
                        p.send_signal(signal.SIGCONT)
            times.append(float(kv_line(out, "result")["failover_ms"]))
            time.sleep(2)  # past an election timeout: a resumed member's disruption is over
            self.settle()
        return times

    def down(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Keel:
    name = "keel"

    def __init__(self, a, workdir, logp):
        self.a, self.dir, self.log = a, workdir, logp
        self.conf = os.path.join(workdir, "cluster.conf")
        self.started = False
        self.node_pids = []

    def _bin(self, b):
        return os.path.join(self.a.keel_bin, b)

    def up(self):
        os.makedirs(self.dir, exist_ok=True)
        ports = free_ports(6)
        lines = ["[cluster]", f'data_dir = "{self.dir}/data"', f"shards = {self.a.keel_shards}",
                 "replication_factor = 3",
                 "[log]", 'level = "warn"', "stderr = false"]
        for i in range(3):
            lines += ["[[node]]", f'id = "n{i + 1}"', 'host = "127.0.0.1"', f"port = {ports[i]}",
                      f"peer_port = {ports[3 + i]}"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.started = True
        run_child([self._bin("keelctl"), "--config", self.conf, "cluster", "up"], 60, self.log)
        self.node_pids = self.pids()
        time.sleep(2)  # as bench/ab.sh: the shards elect their leaders

    def pids(self):
        out, _, _ = run_child([self._bin("keelctl"), "--config", self.conf, "--json", "cluster", "status"],
                              30, self.log)
        return [n["pid"] for n in json.loads(out)["nodes"] if n.get("pid")]

    def load(self, w):
        name, clients, mix, _ = w
        serializable = mix == "read-serializable"
        cmd = [self._bin("keel-bench"), "--config", self.conf, "--json", "load", "--clients", str(clients),
               "--mix", "read" if serializable else mix, "--duration", str(self.a.duration),
               "--warmup", str(self.a.warmup)] + (["--serializable"] if serializable else [])
        out, cpu, wall = run_child(cmd, self.a.duration + self.a.warmup + 120, self.log)
        j = json.loads(out.strip().splitlines()[-1])
        lat = j["latency_ms"]
        return {"ops_per_s": j["ops_per_s"], "p50": lat["p50"], "p99": lat["p99"], "p99.9": lat["p99.9"],
                "mean": lat["mean"], "failed": sum(v for k, v in j["outcomes"].items() if k != "ok"),
                "client_cpu_pct": 100 * cpu / wall}

    def failover(self, sig):
        cmd = [self._bin("keel-bench"), "--config", self.conf, "--json", "failover",
               "--runs", str(self.a.failover_runs)] + (["--pause"] if sig == "STOP" else [])
        try:
            out, _, _ = run_child(cmd, 60 + 90 * self.a.failover_runs, self.log)
        finally:  # keel-bench restarted the killed node: a new PID to stop at the end
            self.node_pids = sorted(set(self.node_pids) | set(self.pids()))
        return [r["failover_ms"] for r in json.loads(out.strip().splitlines()[-1])["runs"]]

    def down(self):
        if not self.started:
            return
        try:
            run_child([self._bin("keelctl"), "--config", self.conf, "cluster", "down"], 60, self.log)
        except Failure as e:
            log(f"keel: cluster down failed ({e}); SIGKILL of the nodes it started")
        for pid in self.node_pids:  # only those this round started
            try:
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.started = False


def one_system(system, a, round_no, raw):
    rec = {"round": round_no, "system": system.name, "loadavg_start": os.getloadavg()[0],
           "workloads": {}, "failover_ms": {}, "errors": []}
    try:
        system.up()
        for w in WORKLOADS:
            sampler = RssSampler(system.pids()) if w[0] == RSS_WORKLOAD else None
            try:
                r = system.load(w)
            except Failure as e:
                r = {"error": str(e)}
                rec["errors"].append(f"{w[0]}: {e}")
            if sampler:
                rec["server_rss_mib"] = sampler.stop()
            rec["workloads"][w[0]] = r
            log(f"round {round_no} {system.name:4} {w[0]:30} {fmt_load(r)}")
        for label, sig in FAILOVERS:
            try:
                rec["failover_ms"][label] = system.failover(sig)
            except Failure as e:
                rec["failover_ms"][label] = None
                rec["errors"].append(f"{label}: {e}")
            log(f"round {round_no} {system.name:4} {label}: {rec['failover_ms'][label]}")
    except Failure as e:
        rec["errors"].append(str(e))
        log(f"round {round_no} {system.name}: {e}")
    finally:
        system.down()
    rec["loadavg_end"] = os.getloadavg()[0]
    raw.write(json.dumps(rec) + "\n")
    raw.flush()
    return rec


def fmt_load(r):
    if r is None:
        return "not supported"
    if "error" in r:
        return "error: " + r["error"]
    return (f"{r['ops_per_s']:.0f} ops/s, p50 {r['p50']:.2f} p99 {r['p99']:.2f} p99.9 {r['p99.9']:.2f} ms, "
            f"failed {r['failed']}, client cpu {r['client_cpu_pct']:.0f}%")


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summary(recs):
    """Median per system and workload, over the rounds."""
    out = {}
    for sysname in ("etcd", "keel"):
        rs = [r for r in recs if r["system"] == sysname]
        s = {}
        for w in WORKLOADS:
            vals = [r["workloads"].get(w[0]) for r in rs]
            vals = [v for v in vals if v and "error" not in v]
            s[w[0]] = None if not vals else {k: med([v[k] for v in vals]) for k in
                                              ("ops_per_s", "p50", "p99", "p99.9", "mean", "client_cpu_pct")} | {
                "n": len(vals), "failed": sum(v["failed"] for v in vals),
                "range": (min(v["ops_per_s"] for v in vals), max(v["ops_per_s"] for v in vals))}
        for label, _ in FAILOVERS:
            allms = [x for r in rs for x in (r["failover_ms"].get(label) or [])]
            s[label] = None if not allms else {"median": med(allms), "n": len(allms),
                                               "range": (min(allms), max(allms))}
        s["rss"] = med([r.get("server_rss_mib") for r in rs])
        out[sysname] = s
    return out


def table(s, keel_shards):
    def cell(x):
        if x is None:
            return "n/a"
        lo, hi = x["range"]
        return (f"{x['ops_per_s']:,.0f} ops/s ({lo:,.0f}-{hi:,.0f}), p50 {x['p50']:.2f}, p99 {x['p99']:.2f}, "
                f"p99.9 {x['p99.9']:.2f} ms, client CPU {x['client_cpu_pct']:.0f} %")

    rows = [f"| workload | etcd | Keel ({keel_shards} shard{'s' if keel_shards > 1 else ''}) | Keel / etcd |",
            "| --- | --- | --- | ---: |"]
    e, k = s["etcd"], s["keel"]
    for w in WORKLOADS:
        ratio = "n/a"
        if e[w[0]] and k[w[0]]:
            ratio = f"{k[w[0]]['ops_per_s'] / e[w[0]]['ops_per_s']:.2f}"
            if w[1] == 1:
                ratio += f" (mean latency {k[w[0]]['mean'] / e[w[0]]['mean']:.2f})"
        rows.append(f"| {w[0]} | {cell(e[w[0]])} | {cell(k[w[0]])} | {ratio} |")
    for label, _ in FAILOVERS:
        def fcell(x):
            return "n/a" if x is None else (f"{x['median']:.0f} ms median of {x['n']} "
                                            f"({x['range'][0]:.0f}-{x['range'][1]:.0f})")
        ratio = f"{k[label]['median'] / e[label]['median']:.2f}" if e[label] and k[label] else "n/a"
        rows.append(f"| {label} | {fcell(e[label])} | {fcell(k[label])} | {ratio} |")
    if e["rss"] and k["rss"]:
        rows.append(f"| largest server RSS during {RSS_WORKLOAD} | {e['rss']:.0f} MiB | {k['rss']:.0f} MiB "
                    f"| {k['rss'] / e['rss']:.2f} |")
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=8, help="measured seconds per workload")
    p.add_argument("--warmup", type=float, default=2, help="seconds of load before the measurement")
    p.add_argument("--failover-runs", type=int, default=3, help="signals per kind, system and round")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 round, 1 s, 1 failover run each")
    p.add_argument("--results", required=True, help="directory for the raw rounds and the table")
    p.add_argument("--keel-bin", required=True)
    p.add_argument("--etcd", default="etcd")
    p.add_argument("--etcd-load", required=True)
    p.add_argument("--only", choices=["etcd", "keel"], help="run one system alone (no ratios)")
    p.add_argument("--keel-shards", type=int, default=4,
                   help="Keel's shards (Raft groups); etcd is always one group (default 4, as cluster.conf)")
    p.add_argument("--deadline", type=float, default=0, help="give up after this many seconds (0: computed)")
    a = p.parse_args()
    if a.quick:
        a.rounds, a.duration, a.warmup, a.failover_runs = 1, 1, 0.5, 1
    if a.rounds < 1 or a.duration <= 0 or a.warmup < 0 or a.failover_runs < 1:
        p.error("--rounds and --failover-runs must be at least 1, --duration positive, --warmup not negative")
    if not 1 <= a.keel_shards <= 1024:
        p.error("--keel-shards must be in 1..1024 (cluster.conf's range)")
    for b in ("keel-node", "keelctl", "keel-bench"):
        if not os.access(os.path.join(a.keel_bin, b), os.X_OK):
            p.error(f"{a.keel_bin}/{b} is missing: build Keel first (scripts/build.sh) or pass --keel-bin")
    if not shutil.which(a.etcd):
        p.error(f"{a.etcd} not found: install etcd-server")
    per_round = 2 * (len(WORKLOADS) * (a.duration + a.warmup + 15) + 2 * a.failover_runs * 30 + 30)
    deadline = a.deadline or per_round * a.rounds + 120
    os.makedirs(a.results, exist_ok=True)
    work = os.path.join(a.results, "clusters")
    shutil.rmtree(work, ignore_errors=True)
    logp = os.path.join(a.results, "commands.log")
    current = []

    def stop(signum, _frame):
        for s in current:
            s.down()
        log(f"compare-etcd: stopped by signal {signum}" if signum != signal.SIGALRM
            else f"compare-etcd: over the deadline of {deadline:.0f} s; clusters stopped")
        sys.exit(124 if signum == signal.SIGALRM else 130)

    for sg in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM):
        signal.signal(sg, stop)
    signal.alarm(int(deadline))
    log(f"compare-etcd: {a.rounds} rounds, {a.duration} s measured after {a.warmup} s warm-up, "
        f"{a.failover_runs} failover runs per kind; deadline {deadline:.0f} s; results in {a.results}")
    recs = []
    with open(os.path.join(a.results, "rounds.jsonl"), "w") as raw:
        for rnd in range(1, a.rounds + 1):
            order = [Etcd, Keel] if rnd % 2 else [Keel, Etcd]
            order = [c for c in order if a.only in (None, c.name)]
            for cls in order:
                d = os.path.join(work, f"{cls.name}-r{rnd}")
                system = cls(a, d, logp)
                current[:] = [system]
                recs.append(one_system(system, a, rnd, raw))
                current.clear()
                shutil.rmtree(d, ignore_errors=True)
    signal.alarm(0)
    s = summary(recs)
    t = table(s, a.keel_shards)
    with open(os.path.join(a.results, "summary.json"), "w") as f:
        json.dump(s, f, indent=1)
    with open(os.path.join(a.results, "table.md"), "w") as f:
        f.write(t + "\n")
    print(t)
    errors = [f"round {r['round']} {r['system']}: {e}" for r in recs for e in r["errors"]]
    for e in errors:
        log("error: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
