// jepsen_run: one keel-jepsen run, start to verdict. A fresh cluster in its
// own directory; the clients (keel-bench's closed-loop load with the `all`
// mix: reads, writes, compare-and-swaps and deletes of a few keys, each
// operation recorded in the history of docs/contract.md) run for the
// duration while the nemesis carries out the seeded fault plan; then
// everything is healed, every key is read once more, and the history is
// checked three ways: linearizability (apps/history), lost acknowledged
// writes (lost_writes.hpp) and convergence of the replicas (convergence.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "actors/config/core/cluster_config.hpp"
#include "apps/history/linearizability.hpp"
#include "apps/keel_jepsen/convergence.hpp"
#include "apps/keel_jepsen/fault_plan.hpp"
#include "apps/keel_jepsen/lost_writes.hpp"
#include "apps/keel_jepsen/nemesis.hpp"

namespace keel::jepsen {

struct run_settings {
  size_t nodes = 3;
  uint32_t shards = 4;
  uint32_t replication = 3;
  uint32_t clients = 10;
  uint32_t keys = 8;
  double duration_s = 30;
  uint64_t seed = 1;
  std::vector<fault_kind> faults;
  uint64_t quiet_ms = 3'000; // between faults
  uint64_t fault_ms = 4'000; // each fault held this long
  uint32_t op_timeout_ms = 2'000;
  /// One attempt of an operation: shorter than a default client's (1 s), so
  /// that clients give up on an unresponsive leader and retry elsewhere
  /// sooner; that puts more retried writes through the exactly-once path and
  /// more clients on a new leader while an old one may still answer.
  uint32_t request_timeout_ms = 250;
  std::string dir;           // this run's output directory (created)
  std::string bin_dir;       // keel-node and keelctl
  std::string unsafe;        // TEST ONLY: the unsafe switches the nodes run with, empty if none
  std::string config_source; // the user's cluster.conf whose settings were taken, if any
  config::timing_config timing;
  config::raft_config raft;
  config::limits_config limits;
};

/// How a run ended. `passed` only if every check passed; `incomplete` when
/// the run could not be carried out (the cluster did not start or heal), so
/// there is nothing to judge.
enum class run_outcome : uint8_t { passed, violated, unknown, incomplete };

const char* to_string(run_outcome o);

struct run_report {
  run_settings settings;
  run_outcome outcome = run_outcome::incomplete;
  std::string error;          // incomplete: why
  bool created = false;       // the run's directory and cluster.conf were made (its files are kept)
  uint64_t load_start_ns = 0; // monotonic: when the clients and the nemesis started
  std::vector<fault_record> faults;
  /// Recovery per fault, in ns after its injection: when every shard had
  /// acknowledged a write, cas or delete invoked after it (-1: some shard never did).
  std::vector<int64_t> recovery_ns;
  std::array<std::array<uint64_t, 3>, 4> counts{}; // [op_kind][ok, fail, info]
  size_t operations = 0;
  uint64_t settle_ns = 0; // heal -> every replica caught up
  history::check_result linearizability;
  lost_write_report lost;
  convergence_report convergence;
  std::string history_path;
};

/// Runs it; progress lines go to `progress`.
run_report run_once(const run_settings& s, std::ostream& progress);

/// One screen for a human.
void print_report(std::ostream& out, const run_report& r);

} // namespace keel::jepsen
