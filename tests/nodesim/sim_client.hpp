// sim_client: a client of the whole-node simulation. It runs one operation
// at a time against the nodes' client services (get, put, delete, cas on a
// few shared keys, so that clients contend), retrying the way the client
// library does (same seq, follow the leader hint, another node when one does
// not answer), and records each operation with its invoke and completion in
// the shared history: ok, fail (definitely not applied) or info (unknown).
// Requests go through the client library's kv_channel, in batches, as they do
// from keel-bench and keelctl.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "apps/history/operation.hpp"
#include "messages/service_api.hpp"

namespace keel::nodesim {

/// What the clients of one run share.
struct sim_history {
  std::vector<history::operation> ops;
  /// Events are stamped with a counter, not the virtual clock: everything
  /// runs on one thread, so the counter is the real-time order, and two
  /// events at the same virtual instant are still ordered.
  uint64_t stamp = 0;
  uint32_t clients_done = 0;
};

struct client_config {
  uint32_t id = 1; // also the history's process
  uint64_t seed = 1;
  uint32_t operations = 20; // how many before it stops
  bool reads_only = false;  // the final check: read every key once, in order
  std::vector<std::string> keys;
  std::vector<std::string> nodes; // node ids, in order
  /// The node's client service now (invalid while the node is down).
  std::function<service_api(const std::string& node)> service_of;
  /// Carries the requests, as a client runtime's does (actors/client/
  /// kv_channel.hpp): one channel for all the clients of a run, so that their
  /// requests meet in batches and the service's batch path is simulated.
  caf::actor channel;
  std::shared_ptr<sim_history> history;
  uint32_t attempt_timeout_ms = 1000;
  uint32_t max_attempts = 12;
};

caf::actor spawn_client(caf::actor_system& sys, client_config cfg);

} // namespace keel::nodesim
