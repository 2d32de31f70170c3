// cluster_watch: asking a live cluster what cluster_view judges. The status
// of every node that answers, and a deadline-bounded wait until the cluster
// is settled. Shared by keel-bench failover and keel-jepsen (its settling
// after start and after healing, and its nemesis's "who leads this shard").
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "actors/client/client.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "messages/admin.pb.h"

namespace keel::bench {

/// The status of every node that answered (in endpoint order, the silent
/// ones left out).
std::vector<admin::NodeStatus> poll_status(client::session& s);

/// Polls every 100 ms until cluster_view's caught_up holds for `cfg`;
/// returns the answers that showed it, or nullopt once `limit` has passed.
std::optional<std::vector<admin::NodeStatus>>
await_settled(client::session& s, const config::cluster_config& cfg,
              std::chrono::steady_clock::duration limit);

} // namespace keel::bench
