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

/// The positions (in cluster.conf's node order) of the nodes that hold a
/// replica of `shard`, in preference order: (shard + i) mod nodes for i in
/// [0, replication_factor). The first is the shard's preferred leader, so
/// shard leadership is spread round-robin over the nodes.
// REQUIRES: 1 <= replication_factor <= nodes
std::vector<size_t> replica_slots(uint32_t shard, size_t nodes, uint32_t replication_factor);

} // namespace keel::config
