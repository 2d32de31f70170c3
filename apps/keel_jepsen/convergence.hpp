// convergence: whether the replicas of every shard hold the same state, from
// the nodes' state digests (admin.proto, ShardDigest). Digests are compared
// only between replicas at the same applied index: a replica that is behind
// is "lagging" (ask again later), not diverged. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/config/core/cluster_config.hpp"
#include "messages/admin.pb.h"

namespace keel::jepsen {

enum class shard_state : uint8_t {
  converged, // every replica answered, at one applied index, with one digest
  lagging,   // every replica answered, not all at the same applied index yet
  missing,   // a replica did not answer
  diverged,  // replicas at the same applied index disagree
};

const char* to_string(shard_state s);

struct shard_convergence {
  uint32_t shard = 0;
  shard_state state = shard_state::missing;
  uint64_t applied_index = 0; // converged: where
  uint64_t keys = 0;          // converged: how many keys the shard holds
  std::string detail;         // every replica's applied index and digest, or who is missing
};

struct convergence_report {
  std::vector<shard_convergence> shards; // by shard

  bool converged() const;
  /// Whether asking again may change the answer (some shard lags or misses a replica).
  bool unsettled() const;
  bool diverged() const;
};

/// Compares the answers (one NodeDigest per node that answered) shard by
/// shard over the replicas that cluster.conf places.
convergence_report check_convergence(const config::cluster_config& cfg,
                                     const std::vector<admin::NodeDigest>& answers);

} // namespace keel::jepsen
