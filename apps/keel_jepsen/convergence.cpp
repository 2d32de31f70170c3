#include "apps/keel_jepsen/convergence.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace keel::jepsen {

const char* to_string(shard_state s) {
  switch (s) {
    case shard_state::converged: return "converged";
    case shard_state::lagging: return "lagging";
    case shard_state::missing: return "missing";
    case shard_state::diverged: return "diverged";
  }
  return "?";
}

bool convergence_report::converged() const {
  return std::all_of(shards.begin(), shards.end(),
                     [](auto& s) { return s.state == shard_state::converged; });
}

bool convergence_report::unsettled() const {
  return std::any_of(shards.begin(), shards.end(), [](auto& s) {
    return s.state == shard_state::lagging || s.state == shard_state::missing;
  });
}

bool convergence_report::diverged() const {
  return std::any_of(shards.begin(), shards.end(),
                     [](auto& s) { return s.state == shard_state::diverged; });
}

convergence_report check_convergence(const config::cluster_config& cfg,
                                     const std::vector<admin::NodeDigest>& answers) {
  std::map<std::pair<std::string, uint32_t>, const admin::ShardDigest*> found;
  for (const auto& node : answers)
    for (const auto& d : node.shards())
      found[{node.node_id(), d.shard()}] = &d;
  convergence_report report;
  for (uint32_t shard = 0; shard < cfg.shards; ++shard) {
    shard_convergence c;
    c.shard = shard;
    std::vector<std::pair<std::string, const admin::ShardDigest*>> replicas;
    std::string missing;
    for (const auto& node : cfg.replicas_of(shard)) {
      auto it = found.find({node, shard});
      if (it == found.end() || !it->second->error().empty())
        missing += (missing.empty() ? "" : "; ") + node
                   + (it == found.end() ? ": no answer" : ": " + it->second->error());
      else
        replicas.emplace_back(node, it->second);
    }
    for (auto& [node, d] : replicas)
      c.detail += (c.detail.empty() ? "" : ", ") + node + " at "
                  + std::to_string(d->applied_index()) + " " + d->digest();
    if (!missing.empty()) {
      c.state = shard_state::missing;
      c.detail = missing;
    } else {
      std::set<uint64_t> indexes;
      std::set<std::string> digests;
      for (auto& [node, d] : replicas) {
        indexes.insert(d->applied_index());
        digests.insert(d->digest());
      }
      if (indexes.size() > 1) {
        c.state = shard_state::lagging;
      } else if (digests.size() > 1) {
        c.state = shard_state::diverged;
      } else {
        c.state = shard_state::converged;
        c.applied_index = replicas.front().second->applied_index();
        c.keys = replicas.front().second->keys();
      }
    }
    report.shards.push_back(std::move(c));
  }
  return report;
}

} // namespace keel::jepsen
