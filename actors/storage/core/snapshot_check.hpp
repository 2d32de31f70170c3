// Whether a Raft snapshot from a leader can be installed into a shard: checked
// by the replica before the snapshot reaches the Raft core, so that a snapshot
// that replica_storage::persist would refuse (by throwing, which restarts the
// storage actor and the replica, and the leader sends the same snapshot again)
// is refused up front and answered (raft::node::refuse_snapshot). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "messages/raft.pb.h"

namespace keel::storage {

/// nullopt if `snap` can be installed into shard `shard`: its data parses as a
/// keel::storage::ShardSnapshot of that shard, taken at the metadata's index
/// and term. Otherwise what is wrong, for the log.
std::optional<std::string> check_snapshot_data(const raft::Snapshot& snap, uint32_t shard);

} // namespace keel::storage
