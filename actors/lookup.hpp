// Typed lookups in a node's directory: each path of actors/paths.hpp paired
// with the protocol of the actor that runs there. The directory
// (supervisors/directory.hpp) stores caf::actor because supervisors treat
// their children alike; this is the one place where a handle from it becomes
// typed again, so a call site cannot pick the wrong protocol for a path.
// actor_cast does not check at run time: it is right because the node tree
// (actors/node/node_tree.cpp) puts at each path an actor of exactly this type.
// An invalid handle means nothing runs there right now (a restart).
#pragma once

#include <cstdint>
#include <string>

#include "caf/actor_cast.hpp"

#include "actors/monitor/membership_actor.hpp"
#include "actors/paths.hpp"
#include "actors/replication/peer_gate_actor.hpp"
#include "actors/replication/replica_actor.hpp"
#include "actors/replication/transport_actor.hpp"
#include "actors/storage/storage_actor.hpp"
#include "messages/service_api.hpp"
#include "supervisors/directory.hpp"

namespace keel::lookup {

inline storage::log_syncer_api log_syncer(const sup::directory& dir, const std::string& root) {
  return caf::actor_cast<storage::log_syncer_api>(dir.get(paths::log_syncer(root)));
}

inline storage::storage_api storage(const sup::directory& dir, const std::string& root,
                                    uint32_t shard) {
  return caf::actor_cast<storage::storage_api>(dir.get(paths::storage(root, shard)));
}

inline replication::replica_api replica(const sup::directory& dir, const std::string& root,
                                        uint32_t shard) {
  return caf::actor_cast<replication::replica_api>(dir.get(paths::replica(root, shard)));
}

inline transport::transport_api transport(const sup::directory& dir, const std::string& root) {
  return caf::actor_cast<transport::transport_api>(dir.get(paths::transport(root)));
}

inline transport::peer_gate_api peer_gate(const sup::directory& dir, const std::string& root) {
  return caf::actor_cast<transport::peer_gate_api>(dir.get(paths::peer_gate(root)));
}

inline monitor::membership_api membership(const sup::directory& dir, const std::string& root) {
  return caf::actor_cast<monitor::membership_api>(dir.get(paths::membership(root)));
}

inline service_api service(const sup::directory& dir, const std::string& root) {
  return caf::actor_cast<service_api>(dir.get(paths::service(root)));
}

} // namespace keel::lookup
