// placement: which shard a key belongs to and which nodes hold a shard's
// replicas. The node (its client service checks a request's shard, its tree
// starts the replicas) and the client library (it keeps a leader per shard)
// must agree on every answer, so both call these functions and nothing else
// computes a placement. Pure: no CAF, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace keel::config {

/// Which shard a key belongs to: a stable hash (FNV-1a 64) modulo shards.
/// Stable across versions and machines: it decides where data lives on disk.
// REQUIRES: shards > 0
uint32_t shard_of(std::string_view key, uint32_t shards);

/// Which of a shard's replicas it prefers as leader ([cluster]
/// leader_placement). A leader that is not its shard's preferred one hands
/// over to it once it is caught up (replica_actor.cpp, balance).
enum class leader_placement {
  /// Every shard prefers the first of its replicas in cluster.conf's node
  /// order: one node leads every shard it holds, as etcd's one leader leads
  /// everything. Its appends to each follower share one frame per turn and a
  /// client talks to one node: a third to a half less of the nodes' CPU per
  /// write or read than spread on a 2-core machine running three nodes
  /// (docs/benchmarks.md section 25).
  packed,
  /// Shard s prefers the node at position s mod N: leaders round-robin over
  /// the nodes, so that each node's leader work (client requests, appends to
  /// every follower) is a share of the whole, for nodes with cores of their own.
  spread,
};

/// The positions (in cluster.conf's node order) of the nodes that hold a
/// replica of `shard`: (shard + i) mod nodes for i in [0, replication_factor),
/// in preference order under `leaders`, the first the shard's preferred leader
/// (ascending under packed; from the shard's own position under spread).
// REQUIRES: 1 <= replication_factor <= nodes
std::vector<size_t> replica_slots(uint32_t shard, size_t nodes, uint32_t replication_factor,
                                  leader_placement leaders);

} // namespace keel::config
