// cluster_view: leader lookup and the caught-up check (see the header).

#include "apps/keel_bench/cluster_view.hpp"

namespace keel::bench {
namespace {

const admin::ShardStatus* find_shard(const admin::NodeStatus& node, uint32_t shard) {
  for (const auto& s : node.shards())
    if (s.shard() == shard)
      return &s;
  return nullptr;
}

const admin::NodeStatus* find_node(const std::vector<admin::NodeStatus>& nodes,
                                   const std::string& id) {
  for (const auto& n : nodes)
    if (n.node_id() == id)
      return &n;
  return nullptr;
}

} // namespace

std::optional<std::string> leader_of(uint32_t shard, const std::vector<admin::NodeStatus>& nodes) {
  std::optional<std::string> leader;
  uint64_t term = 0;
  for (const auto& n : nodes) {
    auto* s = find_shard(n, shard);
    if (s && s->role() == "leader" && (!leader || s->term() > term)) {
      leader = n.node_id();
      term = s->term();
    }
  }
  return leader;
}

bool caught_up(const config::cluster_config& cfg, const std::vector<admin::NodeStatus>& nodes) {
  for (uint32_t shard = 0; shard < cfg.shards; ++shard) {
    auto leader = leader_of(shard, nodes);
    if (!leader)
      return false;
    auto commit = find_shard(*find_node(nodes, *leader), shard)->commit_index();
    for (const auto& id : cfg.replicas_of(shard)) {
      auto* n = find_node(nodes, id);
      auto* s = n ? find_shard(*n, shard) : nullptr;
      if (!s || s->applied_index() != commit)
        return false;
    }
  }
  return true;
}

std::string key_in_shard(uint32_t shard, uint32_t shards, const std::string& prefix) {
  for (uint64_t i = 0;; ++i) {
    auto key = prefix + std::to_string(i);
    if (config::shard_of(key, shards) == shard)
      return key;
  }
}

} // namespace keel::bench
