// keel-jepsen: a Jepsen-style test of Keel against real keel-node processes.
// Each run starts a fresh cluster in its own directory, drives concurrent
// clients while a seeded nemesis injects faults, heals, and checks the history
// for linearizability, lost acknowledged writes and replica convergence
// (jepsen_run.hpp). `--runs N` repeats it for seeds seed .. seed + N - 1.
//
// Exit codes: 0 every run passed; 1 some run found a violation; 2 usage
// error; 3 some run could not be carried out (the cluster did not start or
// heal); 4 the checker gave up on some run (no violation found, none ruled out);
// 128 + the signal when SIGINT or SIGTERM interrupted it (its cluster is down).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <signal.h>

#include "actors/base/core/unsafe_switches.hpp"
#include "apps/common/cluster_config.hpp"
#include "apps/common/executable_dir.hpp"
#include "apps/common/version_flag.hpp"
#include "apps/keel_jepsen/jepsen_run.hpp"
#include "apps/keel_jepsen/test_cluster.hpp"

namespace {

using namespace keel::jepsen;
namespace fs = std::filesystem;

constexpr int exit_passed = 0;
constexpr int exit_violation = 1;
constexpr int exit_usage = 2;
constexpr int exit_incomplete = 3;
constexpr int exit_unknown = 4;

int usage(const std::string& what) {
  std::cerr << "keel-jepsen: " << what << '\n';
  return exit_usage;
}

// A fresh directory under the system's temporary directory.
std::string fresh_directory() {
  auto base = fs::temp_directory_path()
              / ("keel-jepsen-"
                 + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()));
  return base.string();
}

// SIGINT and SIGTERM, blocked in every thread so that only the watcher
// receives them. The nodes keel-jepsen starts get an empty mask
// (launcher::spawn_process).
sigset_t interrupting_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Waits for SIGINT or SIGTERM, then takes every cluster down and ends the
// process: a run cut short has no verdict, and its nodes must not outlive it.
// Clients and nemesis are not unwound; the run's files stay as they were.
[[noreturn]] void take_down_on_interrupt(sigset_t set) {
  int sig = 0;
  sigwait(&set, &sig);
  std::cerr << "keel-jepsen: interrupted by signal " << sig << ", taking the cluster down\n"
            << std::flush;
  test_cluster::take_down_all();
  std::cerr << "keel-jepsen: interrupted; the run has no verdict\n" << std::flush;
  std::_Exit(128 + sig);
}

} // namespace

int main(int argc, char** argv) {
  // Before any other thread exists, so that every one inherits the mask.
  auto interrupting = interrupting_signals();
  pthread_sigmask(SIG_BLOCK, &interrupting, nullptr);
  std::thread{take_down_on_interrupt, interrupting}.detach();

  run_settings s;
  uint32_t runs = 1;
  std::string faults = "all";
  std::string out_dir;
  double quiet_s = 3;
  double fault_s = 4;
  std::string unsafe;
  std::string bin_dir;
  std::string config_path;

  CLI::App app{"keel-jepsen: a fault-injection test of a local Keel cluster; checks the history "
               "for linearizability, lost writes and replica convergence"};
  app.add_option("--config", config_path,
                 "take shards, replication_factor, [timing], [raft] and [limits] from this "
                 "cluster.conf, and as many nodes as it has (the run still uses its own "
                 "directory, ports on 127.0.0.1 and no TLS)");
  app.add_option("--nodes", s.nodes, "nodes (3 or 5, or any count >= 1)")->capture_default_str();
  app.add_option("--shards", s.shards, "shards")->capture_default_str();
  app.add_option("--replication", s.replication, "replicas per shard")->capture_default_str();
  app.add_option("--clients", s.clients, "concurrent clients (one session each)")
    ->capture_default_str();
  app.add_option("--keys", s.keys, "keys the clients share (k0 .. k<N-1>)")->capture_default_str();
  app.add_option("--duration", s.duration_s, "seconds of load and faults per run")
    ->capture_default_str();
  app.add_option("--seed", s.seed, "seed of the fault plan and the clients")->capture_default_str();
  app.add_option("--runs", runs, "runs, with seeds seed .. seed + runs - 1")->capture_default_str();
  app
    .add_option(
      "--faults", faults,
      "comma-separated: kill, kill-leader, kill-majority, pause, partition, "
      "isolate-leader, bridge, flap, loss, delay, crash, restart-all, lose-data; or all, none")
    ->capture_default_str();
  app.add_option("--quiet", quiet_s, "seconds without faults before each fault")
    ->capture_default_str();
  app.add_option("--fault-length", fault_s, "seconds each fault is held")->capture_default_str();
  app.add_option("--op-timeout-ms", s.op_timeout_ms, "deadline of one client operation")
    ->capture_default_str();
  app
    .add_option("--request-timeout-ms", s.request_timeout_ms,
                "deadline of one attempt of an operation, after which the client retries "
                "(elsewhere)")
    ->capture_default_str();
  app.add_option("--out", out_dir,
                 "where runs keep their files (default: a new directory under "
                 "the temporary directory)");
  app.add_option("--bin-dir", bin_dir,
                 "where keel-node and keelctl are (default: beside keel-jepsen; with --unsafe, "
                 "its unsafe/ subdirectory)");
  app.add_option("--unsafe", unsafe,
                 "TEST ONLY: break the nodes' safety on purpose, to see the checks fail: "
                 "ack-before-commit, skip-fsync, read-without-read-index, apply-retries-twice "
                 "(comma-separated; needs the test build's keel-node-unsafe)");
  keel::add_version_flag(app, "keel-jepsen");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_passed : exit_usage;
  }

  if (!config_path.empty()) {
    auto loaded = keel::config::load_cluster_config(config_path);
    if (!loaded)
      return usage("--config: " + loaded.error().to_string());
    // Explicit flags win over the file.
    if (app.count("--nodes") == 0)
      s.nodes = loaded->nodes.size();
    if (app.count("--shards") == 0)
      s.shards = loaded->shards;
    if (app.count("--replication") == 0)
      s.replication = loaded->replication_factor;
    s.timing = loaded->timing;
    s.raft = loaded->raft;
    s.limits = loaded->limits;
    s.config_source = fs::absolute(config_path).string();
  }
  auto parsed = parse_fault_list(faults);
  if (!parsed.error.empty())
    return usage("--faults: " + parsed.error);
  s.faults = parsed.kinds;
  if (!unsafe.empty()) {
    auto switches = keel::parse_unsafe_switches(unsafe);
    if (!switches)
      return usage("--unsafe: " + switches.error());
    s.unsafe = keel::to_string(*switches);
    // The nodes read it at start (apps/keel_node/main.cpp); they inherit it.
    ::setenv("KEEL_UNSAFE", s.unsafe.c_str(), 1);
  } else {
    ::unsetenv("KEEL_UNSAFE");
  }
  s.bin_dir = !bin_dir.empty() ? bin_dir
              : unsafe.empty() ? keel::executable_directory()
                               : keel::executable_directory() + "/unsafe";
  if (s.nodes < 1 || s.nodes > 9)
    return usage("--nodes must be 1..9 (got " + std::to_string(s.nodes) + ")");
  if (s.replication < 1 || s.replication > s.nodes)
    return usage("--replication must be 1..--nodes (got " + std::to_string(s.replication) + ")");
  if (s.shards < 1 || s.shards > 64)
    return usage("--shards must be 1..64");
  if (s.clients < 1 || s.keys < 1)
    return usage("--clients and --keys must be at least 1");
  if (s.duration_s < 1 || quiet_s < 0.5 || fault_s < 0.5)
    return usage("--duration must be at least 1 s, --quiet and --fault-length at least 0.5 s");
  if (runs < 1)
    return usage("--runs must be at least 1");
  for (auto tool : {"keel-node", "keelctl"})
    if (!fs::exists(fs::path{s.bin_dir} / tool))
      return usage(std::string{tool} + " is not in " + s.bin_dir + ": build it or pass --bin-dir");
  s.quiet_ms = static_cast<uint64_t>(quiet_s * 1000);
  s.fault_ms = static_cast<uint64_t>(fault_s * 1000);
  if (out_dir.empty())
    out_dir = fresh_directory();

  for (uint32_t i = 0; i < runs; ++i) {
    auto dir = fs::path{out_dir} / ("seed-" + std::to_string(s.seed + i));
    if (std::error_code ec; fs::exists(dir, ec) && !fs::is_empty(dir, ec))
      return usage(dir.string()
                   + " already exists: give keel-jepsen a new --out directory (a "
                     "run starts from an empty one)");
  }

  int worst = exit_passed;
  size_t passed = 0;
  auto base_seed = s.seed;
  for (uint32_t i = 0; i < runs; ++i) {
    auto run = s;
    run.seed = base_seed + i;
    run.dir = (fs::path{out_dir} / ("seed-" + std::to_string(run.seed))).string();
    auto report = run_once(run, std::cerr);
    print_report(std::cout, report);
    std::cout << std::flush;
    if (report.created)
      if (std::ofstream summary{run.dir + "/summary.txt"}; summary)
        print_report(summary, report);
    int code = exit_passed;
    switch (report.outcome) {
      case run_outcome::passed: ++passed; break;
      case run_outcome::violated: code = exit_violation; break;
      case run_outcome::unknown: code = exit_unknown; break;
      case run_outcome::incomplete: code = exit_incomplete; break;
    }
    // A violation outranks everything; then an incomplete run, then unknown.
    auto rank = [](int c) {
      return c == exit_violation ? 3 : c == exit_incomplete ? 2 : c == exit_unknown ? 1 : 0;
    };
    if (rank(code) > rank(worst))
      worst = code;
  }
  if (runs > 1)
    std::cout << "keel-jepsen: " << passed << " of " << runs << " runs passed (seeds " << base_seed
              << " .. " << base_seed + runs - 1 << ", in " << out_dir << ")\n";
  return worst;
}
