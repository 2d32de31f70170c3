#include "actors/config/core/placement.hpp"

#include <algorithm>

#include "actors/base/core/fnv1a.hpp"
#include "actors/config/core/cluster_config.hpp"

namespace keel::config {

uint32_t shard_of(std::string_view key, uint32_t shards) {
  return static_cast<uint32_t>(fnv1a::of(key) % shards);
}

std::vector<size_t> replica_slots(uint32_t shard, size_t nodes, uint32_t replication_factor,
                                  leader_placement leaders) {
  std::vector<size_t> out;
  out.reserve(replication_factor);
  for (uint32_t i = 0; i < replication_factor; ++i)
    out.push_back((shard + i) % nodes);
  if (leaders == leader_placement::packed)
    std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> cluster_config::replicas_of(uint32_t shard) const {
  std::vector<std::string> out;
  for (auto slot : replica_slots(shard, nodes.size(), replication_factor, leaders))
    out.push_back(nodes[slot].id);
  return out;
}

std::vector<uint32_t> cluster_config::shards_on(std::string_view node_id) const {
  std::vector<uint32_t> out;
  for (uint32_t s = 0; s < shards; ++s) {
    auto replicas = replicas_of(s);
    if (std::find(replicas.begin(), replicas.end(), node_id) != replicas.end())
      out.push_back(s);
  }
  return out;
}

} // namespace keel::config
