// The supervision paths of a node's actors, in one place. The node tree
// (apps/keel_node/node_tree.cpp) builds its children with these ids, and every
// actor that looks a sibling up in the directory (sup::directory) uses these
// paths, so the two can never disagree.
//
//   /<node>                            root supervisor
//   /<node>/storage/shard-<s>          storage actor of shard s
//   /<node>/replication/transport      the transport
//   /<node>/replication/gate           the peer gate, published on the peer port
//   /<node>/replication/shard-<s>      replica of shard s
//   /<node>/monitor/membership         the peer watcher (keelctl members)
//   /<node>/service                    the published client service
#pragma once

#include <cstdint>
#include <string>

namespace keel::paths {

/// The child id of shard s under the storage and replication supervisors.
inline std::string shard_id(uint32_t shard) {
  return "shard-" + std::to_string(shard);
}

/// "/<node>"
inline std::string root(const std::string& node_id) {
  return "/" + node_id;
}

/// "<root>/storage/shard-<s>"
inline std::string storage(const std::string& root_path, uint32_t shard) {
  return root_path + "/storage/" + shard_id(shard);
}

/// "<root>/replication/shard-<s>"
inline std::string replica(const std::string& root_path, uint32_t shard) {
  return root_path + "/replication/" + shard_id(shard);
}

/// "<root>/replication/transport"
inline std::string transport(const std::string& root_path) {
  return root_path + "/replication/transport";
}

/// "<root>/replication/gate"
inline std::string peer_gate(const std::string& root_path) {
  return root_path + "/replication/gate";
}

/// "<root>/monitor/membership"
inline std::string membership(const std::string& root_path) {
  return root_path + "/monitor/membership";
}

} // namespace keel::paths
