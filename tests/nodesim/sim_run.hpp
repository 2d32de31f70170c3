// sim_run: one run of the whole-node simulation, decided by its seed.
//
// Three complete node trees (actors/node/node_tree.hpp: supervisors, a
// supervisor per shard over its storage actor and replica, transport, gate,
// membership, client service) run under CAF's deterministic test coordinator,
// each on an in-memory store (actors/storage/core/memory_store.hpp), wired by
// a simulated network (sim_net.hpp). Clients (sim_client.hpp) record a
// history while the seed injects faults: partitions, lossy links (drop,
// delay, duplicate), crashes of single actors by path (their supervisors
// restart them), of whole nodes (the store stops at an instant between two
// messages, the tree is killed, the store loses what was not synced, the
// node starts again on it) and power cuts (a majority or every node dies at
// one instant, the same way). A step that never lets virtual time advance is
// reported as a livelock. Then the network heals, every
// node comes back, a last client reads every key, and the run checks
//   - the history, key by key, for linearizability (apps/history), and
//   - that every replica of every shard holds the same state (data, client
//     sessions, applied index), compared value by value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apps/history/operation.hpp"

namespace keel::nodesim {

struct sim_options {
  uint64_t seed = 1;
  uint32_t nodes = 3;
  uint32_t shards = 2;
  uint32_t clients = 4;
  uint32_t ops_per_client = 20;
  uint32_t keys = 3;
  uint32_t chaos_ms = 3000; // faults start (and the clients run) in this window
  bool faults = true;
  /// The planted bug: the client service answers a put before it is applied
  /// (unsafe_switches::ack_before_commit). For the test that proves the
  /// simulation catches it.
  bool planted_early_write_ack = false;
  /// The planted bug: every node's store reports syncs before they are
  /// durable (memory_store::make_syncs_lie), so a power cut can lose writes a
  /// majority acknowledged. For the test that proves the power cuts catch it.
  bool planted_lying_syncs = false;
  /// Whether a peer gate is among the actors crashed (the dialing node's
  /// gate restart once cut the way back to it: NodeSim.AGateRestartHealsBothDirections).
  bool crash_gates = true;
  /// Instead of the seed's faults: one node dies and comes back on an empty
  /// store (its data directory lost) for most of the chaos window, then on
  /// its old store again. While it is empty, none of its replicas may apply
  /// anything: its peers refuse it (security/core/peer_incarnations.hpp).
  bool lose_data = false;
  /// [cluster] log_sync_thread: every node's fsyncs behind the log syncer's
  /// gate (log_syncer.hpp), whose worker runs on the simulation's scheduler.
  bool log_sync_thread = false;
  bool verbose = false; // print the fault schedule as it happens
};

struct sim_result {
  bool ok = true;
  std::string failure;   // what went wrong, with the checker's witness
  std::string faults;    // the faults injected, one per line
  size_t operations = 0; // in the history
  size_t unknown = 0;    // of them, info
  uint64_t virtual_ms = 0;
  std::vector<history::operation> history;         // every operation, in completion order
  uint64_t history_hash = 14695981039346656037ULL; // of every operation, to prove replays
  uint64_t messages_dropped = 0, messages_duplicated = 0, messages_delayed = 0;
  /// The most messages one 10 ms step ran (a livelock ends the run).
  uint64_t busiest_step = 0;
  /// lose_data: how many steps the emptied node ran on its empty store.
  uint64_t steps_on_empty_store = 0;
};

sim_result run_simulation(const sim_options& opts);

} // namespace keel::nodesim
