// cluster_view: what keel-bench failover reads from the nodes' status answers
// (admin::NodeStatus, as `keelctl status` shows them): who leads a shard, and
// whether every replica has applied everything its leader committed. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/config/core/cluster_config.hpp"
#include "actors/config/core/placement.hpp"
#include "messages/admin.pb.h"

namespace keel::bench {

/// The leader of `shard` among the answers: the node that reports the role
/// "leader" for it in the highest term (a deposed leader that has not heard of
/// the new term yet may still call itself leader in an older one), or nullopt.
std::optional<std::string> leader_of(uint32_t shard, const std::vector<admin::NodeStatus>& nodes);

/// Whether the cluster is settled: for every shard of `cfg`, every node in
/// replicas_of(shard) answered, one of them leads it, and every replica's
/// applied_index equals the leader's commit_index.
bool caught_up(const config::cluster_config& cfg, const std::vector<admin::NodeStatus>& nodes);

/// The first key "<prefix><i>", i = 0, 1, ..., that lives in `shard`.
// REQUIRES: shard < shards
std::string key_in_shard(uint32_t shard, uint32_t shards, const std::string& prefix);

} // namespace keel::bench
