// The client service: the one actor a keel-node publishes on its port. Clients
// (keelctl, keel-bench, the C++ client library) send it key-value requests and
// operator queries; it validates input, routes each request to the actor that
// serves the key's shard on this node, and answers the operator protocol
// (tree, status, members, metrics, fault injection: the last only for
// operators), and counts and times every request it answers. It never
// carries Raft traffic: peers talk to the peer gate on the peer port. Owned by
// the node's root supervisor. A shell of the node like the replica, which is
// why it is here and not in the client library (actors/client/), which shares
// only its protocol (messages/service_api.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/metrics/core/node_metrics.hpp"
#include "actors/storage/core/client_request.hpp"
#include "messages/service_api.hpp"

namespace keel::sup {
class directory;
}
namespace keel::security {
class trust;
}

namespace keel::service {

/// What the service needs to know; built by keel-node from cluster.conf.
struct service_config {
  std::string node_id;   // e.g. "n1"
  std::string root_path; // the node's supervision root, e.g. "/n1"
  std::string host;      // the address to bind, from cluster.conf
  uint16_t port = 0;     // published here (with SO_REUSEADDR)
  bool publish = true;   // false: reached in-process only (simulation)
  /// TEST ONLY (unsafe_switches::ack_before_commit): a put is answered OK as
  /// soon as it is handed to the replica, before it is committed or applied.
  /// Only node_tree_options reaches it, never a config file.
  bool ack_before_commit = false;
  uint32_t shards = 1;                // keyspace split
  std::vector<uint32_t> local_shards; // shards with a replica on this node
  storage::limits limits;             // key and value size limits
  bool fault_injection = false;       // whether fault requests are honoured (and then
                                      // only with an operator proof checked against trust)
  std::shared_ptr<const security::trust> trust;
  uint32_t request_timeout_ms = 4000; // how long to wait for the shard's actor
  std::shared_ptr<sup::directory> dir;
  /// Counts and times every request; rendered for (metrics_atom).
  std::shared_ptr<metrics::node_metrics> metrics = std::make_shared<metrics::node_metrics>();
};

/// Spawns the service (its protocol: messages/service_api.hpp) and publishes
/// it on `cfg.port` (if `cfg.publish`). If the publication
/// fails (port taken) the service exits with an error, so that its supervisor
/// retries and, if it keeps failing, the node stops.
service_api spawn_service(caf::actor_system& sys, service_config cfg);

} // namespace keel::service
