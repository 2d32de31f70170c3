// The deterministic simulation of Raft groups of 3 and 5 replicas under
// message loss, duplication, delay and reordering, partitions, and crashes
// with restarts from persisted state; see sim_world.hpp. Every seed checks
// the safety properties after every step, then heals and requires
// convergence to the values of the committed log.
//   KEEL_SIM_SEEDS=<count>  seeds per group size (default 200)
//   KEEL_SIM_SEED=<n>       replay exactly seed n (with a trace on failure)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "sim_world.hpp"

namespace keel::sim {
namespace {

// The seed being run, for the crash handler: a broken Raft invariant aborts.
volatile std::sig_atomic_t current_seed = -1;
volatile std::sig_atomic_t current_nodes = 0;

void report_abort(int) {
  char line[160];
  int n = std::snprintf(line, sizeof line,
                        "\nsimulation aborted: seed=%d nodes=%d; replay with KEEL_SIM_SEED=%d\n",
                        static_cast<int>(current_seed), static_cast<int>(current_nodes),
                        static_cast<int>(current_seed));
  if (n > 0)
    std::fwrite(line, 1, static_cast<size_t>(n), stderr);
  std::signal(SIGABRT, SIG_DFL);
  std::abort();
}

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

/// Runs every seed for groups of `nodes`; on failure, replays the seed with
/// a trace and prints its tail.
void run_seeds(size_t nodes) {
  std::signal(SIGABRT, report_abort);
  uint64_t first = 1;
  uint64_t count = env_or("KEEL_SIM_SEEDS", 200);
  if (std::getenv("KEEL_SIM_SEED") != nullptr) {
    first = env_or("KEEL_SIM_SEED", 1);
    count = 1;
  }
  sim_stats total;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    current_seed = static_cast<std::sig_atomic_t>(seed);
    current_nodes = static_cast<std::sig_atomic_t>(nodes);
    auto result = run_simulation({.seed = seed, .nodes = nodes});
    total += result.stats;
    if (result.failure) {
      auto replay = run_simulation({.seed = seed, .nodes = nodes, .trace = true});
      std::string tail;
      for (const auto& line : replay.trace)
        tail += "  " + line + "\n";
      FAIL() << *result.failure << " (nodes=" << nodes << ")\nreplay: KEEL_SIM_SEED=" << seed
             << "\nlast events:\n"
             << tail;
    }
  }
  std::printf(
    "simulated %llu seeds x %zu nodes: %llu commits, %llu leaderships, %llu crashes, "
    "%llu partitions, %llu snapshots installed, %llu compactions, %llu reads, "
    "%llu transfers, %llu leader hints, %llu proposals held back, %llu messages (%llu dropped, "
    "%llu duplicated), "
    "%llu states checked against the reference\n",
    static_cast<unsigned long long>(count), nodes, static_cast<unsigned long long>(total.commits),
    static_cast<unsigned long long>(total.leaderships),
    static_cast<unsigned long long>(total.crashes),
    static_cast<unsigned long long>(total.partitions),
    static_cast<unsigned long long>(total.snapshots_installed),
    static_cast<unsigned long long>(total.compactions),
    static_cast<unsigned long long>(total.reads_served),
    static_cast<unsigned long long>(total.transfers),
    static_cast<unsigned long long>(total.leader_hints),
    static_cast<unsigned long long>(total.proposals_held_back),
    static_cast<unsigned long long>(total.messages), static_cast<unsigned long long>(total.dropped),
    static_cast<unsigned long long>(total.duplicated),
    static_cast<unsigned long long>(total.values_checked));
  // A simulation that stopped exercising the hard cases would pass vacuously.
  if (count >= 20) {
    EXPECT_GT(total.crashes, count / 2);
    EXPECT_GT(total.partitions, count / 2);
    EXPECT_GT(total.snapshots_installed, 0u);
    EXPECT_GT(total.reads_served, count);
    EXPECT_GT(total.transfers, 0u);
    EXPECT_GT(total.leader_hints, 0u);
    EXPECT_GT(total.proposals_held_back, 0u);
    EXPECT_GT(total.leaderships, 2 * count);
    EXPECT_GT(total.commits, 100 * count);
    // Every replica of every seed, after convergence, at least.
    EXPECT_GE(total.values_checked, nodes * count);
  }
}

TEST(RaftSimulation, ThreeReplicasStaySafeUnderFaultsAndConverge) { run_seeds(3); }

TEST(RaftSimulation, FiveReplicasStaySafeUnderFaultsAndConverge) { run_seeds(5); }

TEST(RaftSimulation, SameSeedReplaysTheSameRun) {
  auto a = run_simulation({.seed = 42, .nodes = 5});
  auto b = run_simulation({.seed = 42, .nodes = 5});
  auto c = run_simulation({.seed = 43, .nodes = 5});
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.stats.messages, b.stats.messages);
  EXPECT_NE(a.fingerprint, c.fingerprint);
}

} // namespace
} // namespace keel::sim
