// The supervision paths of a node's actors, in one place. The node tree
// (actors/node/node_tree.cpp) builds its children with these ids, and every
// actor that looks a sibling up in the directory (sup::directory) uses these
// paths, so the two can never disagree.
//
//   /<node>                            root supervisor
//   /<node>/replication/transport      the transport
//   /<node>/replication/gate           the peer gate, published on the peer port
//   /<node>/log-syncer                 the group commit of every shard's log writes
//   /<node>/shards/shard-<s>           supervisor of shard s (rest_for_one)
//   /<node>/shards/shard-<s>/storage   storage actor of shard s
//   /<node>/shards/shard-<s>/replica   replica of shard s
//   /<node>/monitor/membership         the peer watcher (keelctl members)
//   /<node>/service                    the published client service
#pragma once

#include <cstdint>
#include <string>

namespace keel::paths {

// Child ids, as the node tree names its children.
inline constexpr const char* replication_id = "replication";
inline constexpr const char* shards_id = "shards";
inline constexpr const char* monitor_id = "monitor";
inline constexpr const char* service_id = "service";
inline constexpr const char* transport_id = "transport";
inline constexpr const char* gate_id = "gate";
inline constexpr const char* storage_id = "storage";
inline constexpr const char* replica_id = "replica";
inline constexpr const char* membership_id = "membership";
inline constexpr const char* log_syncer_id = "log-syncer";

/// The child id of shard s's supervisor under <root>/shards.
inline std::string shard_id(uint32_t shard) { return "shard-" + std::to_string(shard); }

/// "/<node>"
inline std::string root(const std::string& node_id) { return "/" + node_id; }

/// "<root>/shards/shard-<s>": the supervisor of shard s.
inline std::string shard(const std::string& root_path, uint32_t shard) {
  return root_path + "/" + shards_id + "/" + shard_id(shard);
}

/// "<root>/shards/shard-<s>/storage"
inline std::string storage(const std::string& root_path, uint32_t shard) {
  return paths::shard(root_path, shard) + "/" + storage_id;
}

/// "<root>/shards/shard-<s>/replica"
inline std::string replica(const std::string& root_path, uint32_t shard) {
  return paths::shard(root_path, shard) + "/" + replica_id;
}

/// "<root>/replication/transport"
inline std::string transport(const std::string& root_path) {
  return root_path + "/" + replication_id + "/" + transport_id;
}

/// "<root>/replication/gate"
inline std::string peer_gate(const std::string& root_path) {
  return root_path + "/" + replication_id + "/" + gate_id;
}

/// "<root>/log-syncer"
inline std::string log_syncer(const std::string& root_path) {
  return root_path + "/" + log_syncer_id;
}

/// "<root>/service"
inline std::string service(const std::string& root_path) { return root_path + "/" + service_id; }

/// "<root>/monitor/membership"
inline std::string membership(const std::string& root_path) {
  return root_path + "/" + monitor_id + "/" + membership_id;
}

} // namespace keel::paths
