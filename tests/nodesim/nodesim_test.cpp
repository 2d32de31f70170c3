// The whole-node deterministic simulation (sim_run.hpp) over many seeds.
//
//   KEEL_NODESIM_SEED=1234        replays one seed, printing its faults as they happen
//   KEEL_NODESIM_SEEDS=5000       runs seeds 1..5000 (CI runs the default, below)
//   KEEL_NODESIM_FIRST=10001      ... starting from another seed
//   KEEL_NODESIM_PLANTED=1        ... with the planted early write answer switched on
//   KEEL_NODESIM_PLANTED=lying-syncs  ... with the planted lying syncs instead
//   KEEL_NODESIM_CRASH_GATES=0    ... without peer gates among the crashed actors
//
// A failing seed prints itself, its faults and the checker's witness.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "actors/log/logger.hpp"
#include "sim_run.hpp"

namespace {

using namespace keel::nodesim;

constexpr uint64_t ci_seeds = 300;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    return fallback;
  char* end = nullptr;
  uint64_t x = std::strtoull(v, &end, 10);
  if (*end != '\0') {
    ADD_FAILURE() << name << "=" << v << " is not a number";
    return fallback;
  }
  return x;
}

// The nodes log like real ones; hundreds of runs would drown a failure. A
// replayed seed logs everything.
struct quiet_logs : ::testing::Environment {
  void SetUp() override {
    keel::logger_recipe r;
    r.level = std::getenv("KEEL_NODESIM_SEED") ? spdlog::level::info : spdlog::level::off;
    keel::install_component_loggers(r);
  }
};
const auto* const quiet = ::testing::AddGlobalTestEnvironment(new quiet_logs);

std::string report(uint64_t seed, const sim_result& r) {
  return "seed " + std::to_string(seed) + " failed (replay: KEEL_NODESIM_SEED="
         + std::to_string(seed) + " keel_nodesim_tests):\n" + r.failure + "\nfaults:\n" + r.faults;
}

// Every CI seed with the options `configure` sets, each failing one reported;
// returns each run's fault schedule.
template <class Configure>
std::vector<std::string> run_ci_seeds(Configure configure) {
  std::vector<std::string> faults;
  for (uint64_t seed = 1; seed <= ci_seeds; ++seed) {
    sim_options o;
    o.seed = seed;
    configure(o);
    sim_result r = run_simulation(o);
    if (!r.ok)
      ADD_FAILURE() << report(seed, r);
    faults.push_back(std::move(r.faults));
  }
  return faults;
}

TEST(NodeSim, EverySeedIsLinearizableAndConverges) {
  uint64_t first = env_or("KEEL_NODESIM_FIRST", 1);
  uint64_t count = env_or("KEEL_NODESIM_SEEDS", ci_seeds);
  bool replay = std::getenv("KEEL_NODESIM_SEED") != nullptr;
  std::string planted
    = std::getenv("KEEL_NODESIM_PLANTED") ? std::getenv("KEEL_NODESIM_PLANTED") : "";
  auto* gates_env = std::getenv("KEEL_NODESIM_CRASH_GATES");
  bool crash_gates = sim_options{}.crash_gates;
  if (gates_env)
    crash_gates = std::string{gates_env} != "0";
  if (replay) {
    first = env_or("KEEL_NODESIM_SEED", 1);
    count = 1;
  }
  size_t operations = 0, unknown = 0, failed = 0;
  uint64_t dropped = 0, busiest_step = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    sim_options o;
    o.seed = seed;
    o.verbose = replay;
    o.planted_early_write_ack = !planted.empty() && planted != "lying-syncs";
    o.planted_lying_syncs = planted == "lying-syncs";
    o.crash_gates = crash_gates;
    sim_result r = run_simulation(o);
    operations += r.operations;
    unknown += r.unknown;
    dropped += r.messages_dropped;
    busiest_step = std::max(busiest_step, r.busiest_step);
    if (!r.ok) {
      ++failed;
      ADD_FAILURE() << report(seed, r);
    }
    if (replay && !r.ok) // the whole history, to read the witness in context
      for (auto& op : r.history)
        std::cout << "  " << keel::history::describe(op) << "\n";
    if (replay)
      std::cout << "seed " << seed << ": " << r.operations << " operations (" << r.unknown
                << " unknown), " << r.virtual_ms << " virtual ms, messages dropped "
                << r.messages_dropped << ", duplicated " << r.messages_duplicated << ", delayed "
                << r.messages_delayed << "\n";
  }
  std::cout << count << " seeds from " << first << ": " << operations << " operations checked ("
            << unknown << " of unknown outcome), " << dropped << " messages dropped, " << failed
            << " seeds failed; the busiest step ran " << busiest_step << " messages\n";
}

TEST(NodeSim, ASeedReplaysExactly) {
  sim_options o;
  o.seed = 7;
  sim_result a = run_simulation(o);
  sim_result b = run_simulation(o);
  EXPECT_EQ(a.history_hash, b.history_hash);
  EXPECT_EQ(a.faults, b.faults);
  EXPECT_EQ(a.virtual_ms, b.virtual_ms);
  EXPECT_GT(a.operations, 0u);
}

// The first CI seed whose run fails with the options `configure` sets (a
// planted bug), with a failure that contains `wanted`: the seed and the
// failure, then the faults; seed 0 if none does.
template <class Configure>
std::pair<uint64_t, std::string> first_seed_that_fails(Configure configure,
                                                       const std::string& wanted = "") {
  for (uint64_t seed = 1; seed <= ci_seeds; ++seed) {
    sim_options o;
    o.seed = seed;
    configure(o);
    sim_result r = run_simulation(o);
    if (!r.ok && r.failure.find(wanted) != std::string::npos)
      return {seed, r.failure + "\nfaults:\n" + r.faults};
  }
  return {0, ""};
}

TEST(NodeSim, CatchesAWriteAnsweredBeforeItIsApplied) {
  // The planted bug answers a put as soon as the service sees it. Some seed
  // of the CI set must expose it, with a witness from the checker.
  auto [caught_at, failure]
    = first_seed_that_fails([](sim_options& o) { o.planted_early_write_ack = true; });
  ASSERT_NE(caught_at, 0u) << "no seed of the CI set caught the planted bug";
  EXPECT_NE(failure.find("cannot be linearized together"), std::string::npos) << failure;
  std::cout << "the planted bug is caught by seed " << caught_at << ":\n" << failure;
}

// A store whose syncs return before the data is durable (a disk cache without
// power-loss protection, or a log syncer answering before its fsync): a crash
// may then undo acknowledgements, the leader's own included. One node's crash
// leaves a follower behind for good (the leader believes it holds what it
// acknowledged: the replicas differ); losing an acknowledged write takes a
// power cut of a majority, which the faults include for this. Of the 300 CI
// seeds, 42 fail with lying syncs: 16 lose an acknowledged write, every one
// after a power cut, and 26 end with replicas that differ. (5 more stopped
// in a livelock until the leader stopped probing such a follower at once:
// RaftHostileInput.AFollowerRejectingAtOrBelowItsMatchIsNotProbedAgainAtOnce.)
TEST(NodeSim, CatchesSyncsThatLie) {
  auto [caught_at, failure] = first_seed_that_fails(
    [](sim_options& o) { o.planted_lying_syncs = true; }, "cannot be linearized together");
  ASSERT_NE(caught_at, 0u) << "no seed of the CI set lost a write to syncs that lie";
  EXPECT_NE(failure.find("power cut"), std::string::npos) << failure;
  std::cout << "lying syncs lose a write in seed " << caught_at << ":\n" << failure;
}

// Found by this simulation: when the peer gate of the node that dials (the
// smaller id) restarted, the front door it offered died with the old gate, so
// the nodes it dialed lost their way back to it; it never dialed again, since
// its own connections looked fine, and they retried the dead offer forever.
// Its replicas then stopped hearing from the leader: the replicas differed
// after healing (16 of the 300 seeds, the first 86). Now the dialer watches
// the gate it offered and redials (peer_dialer.hpp). Gate crashes are in the
// default faults too; this test keeps them on whatever that default becomes.
TEST(NodeSim, AGateRestartHealsBothDirections) {
  run_ci_seeds([](sim_options& o) { o.crash_gates = true; });
}

// The same faults with every node's fsyncs behind the log syncer's gate
// ([cluster] log_sync_thread), the gate (and its worker with it) among the
// actors crashed. That an answer waits for its fsync is checked where it can
// be seen every time, in StorageActor.*Gate*: a gate that answered at once
// passed these 300 seeds (tried), even with power cuts that strike between
// two messages. Under the simulation's one FIFO scheduler the worker's fsync
// always runs before the chain of messages that would answer the client, so
// the window such a gate opens on a machine never opens here; lying syncs
// (CatchesSyncsThatLie) keep a window open until the next fsync instead.
TEST(NodeSim, SeedsWithTheFsyncBehindAGateAreLinearizableAndConverge) {
  auto faults = run_ci_seeds([](sim_options& o) { o.log_sync_thread = true; });
  auto syncer_crashed = std::count_if(faults.begin(), faults.end(), [](const std::string& f) {
    return f.find("/log-syncer") != std::string::npos; // "crash <root>/log-syncer"
  });
  EXPECT_GT(syncer_crashed, static_cast<long>(ci_seeds / 10)) << "the gate was hardly ever crashed";
}

} // namespace

// A node whose store is lost while it is down comes back empty: its peers
// refuse it (it applies nothing for the seconds it runs so), the others keep
// serving, and once its store is back it rejoins; the history stays
// linearizable and the replicas converge.
TEST(NodeSim, ANodeBackOnAnEmptyStoreTakesNoPartUntilItsStoreIsBack) {
  for (uint64_t seed : {1, 2, 3}) {
    sim_options o;
    o.seed = seed;
    o.faults = false;
    o.lose_data = true;
    auto r = run_simulation(o);
    EXPECT_TRUE(r.ok) << "seed " << seed << ":\n" << r.failure << "\nfaults:\n" << r.faults;
    EXPECT_GT(r.steps_on_empty_store, 200u) << "seed " << seed << ": the emptied node hardly ran";
    EXPECT_GT(r.operations, 60u) << "seed " << seed;
  }
}
