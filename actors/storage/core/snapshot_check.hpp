// Whether a Raft snapshot from a leader can be installed into a shard: checked
// by the replica before the snapshot reaches the Raft core, so that a snapshot
// that replica_storage::persist must never see (it asserts these conditions:
// a leader's bytes must not reach an invariant) is refused up front and
// answered (raft::node::refuse_snapshot). Pure.
#pragma once

#include <cstdint>

#include "actors/storage/core/storage_error.hpp"
#include "messages/raft.pb.h"

namespace keel::storage {

/// Success if `snap` can be installed into shard `shard`: its data parses as a
/// keel::storage::ShardSnapshot of that shard, taken at the metadata's index
/// and term. Otherwise errc::invalid and what is wrong, for the log.
result<void> check_snapshot_data(const raft::Snapshot& snap, uint32_t shard);

} // namespace keel::storage
