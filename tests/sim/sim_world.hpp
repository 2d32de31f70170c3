// A deterministic simulation of one Raft group: N raft::node replicas, each
// with a memory_storage and the real key-value state machine of a shard
// (kv_state_machine over an engine on a memory store), on a sim_network that drops, duplicates,
// delays and reorders messages and partitions nodes. Replicas crash and restart from what they
// persisted; a replica's shell may lag behind its node, so a crash can lose
// unpersisted output. Clients propose, read and move leadership all along.
// After a chaos phase the network heals and the group must converge. Values
// are checked against a reference state machine that applies the committed
// log once: every installed snapshot, and every replica after convergence,
// must hold its keys, sessions and applied index at that index.
// Everything derives from one seed: the same seed replays the same run.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keel::sim {

/// What to simulate.
struct sim_params {
  uint64_t seed = 1;
  size_t nodes = 3;
  uint64_t chaos_ticks = 2000;   // ticks with faults
  uint64_t converge_ticks = 600; // ticks allowed for convergence after healing
  bool trace = false;            // keep the last events for a failure report
};

/// Counters of what happened, to show the run exercised what it should.
struct sim_stats {
  uint64_t commits = 0;     // distinct committed indexes
  uint64_t leaderships = 0; // (node, term) pairs that led
  uint64_t crashes = 0;
  uint64_t partitions = 0;
  uint64_t snapshots_installed = 0;
  uint64_t compactions = 0;
  uint64_t reads_served = 0;
  uint64_t transfers = 0;
  uint64_t leader_hints = 0;        // unreachable-leader hints that dropped a follower's leader
  uint64_t proposals_held_back = 0; // refused by the uncommitted-bytes bound (back-pressure)
  uint64_t messages = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t values_checked = 0; // replica states compared with the reference

  sim_stats& operator+=(const sim_stats& o);
};

/// How a run ended.
struct sim_result {
  std::optional<std::string> failure; // a safety violation or a failure to converge
  std::deque<std::string> trace;      // the last events, if params.trace
  sim_stats stats;
  uint64_t fingerprint = 0; // digest of the run, to check determinism
};

/// Runs one simulation.
sim_result run_simulation(const sim_params& params);

} // namespace keel::sim
