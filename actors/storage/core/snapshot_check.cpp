// check_snapshot_data: the same conditions replica_storage::install_snapshot
// enforces when it persists a snapshot, checked before anything is persisted.
#include "actors/storage/core/snapshot_check.hpp"

#include "messages/storage.pb.h"

namespace keel::storage {

result<void> check_snapshot_data(const raft::Snapshot& snap, uint32_t shard) {
  const auto& meta = snap.metadata();
  auto refuse = [](std::string why) { return storage_error{errc::invalid, std::move(why)}; };
  ShardSnapshot data;
  if (snap.data().empty() || !data.ParseFromString(snap.data()))
    return refuse("the data of the snapshot at index " + std::to_string(meta.index())
                  + " is not a ShardSnapshot");
  if (data.shard() != shard)
    return refuse("a snapshot of shard " + std::to_string(data.shard())
                  + " cannot be installed into shard " + std::to_string(shard));
  if (data.applied_index() != meta.index() || data.applied_term() != meta.term())
    return refuse("snapshot metadata says index " + std::to_string(meta.index()) + " term "
                  + std::to_string(meta.term()) + ", its data was taken at index "
                  + std::to_string(data.applied_index()) + " term "
                  + std::to_string(data.applied_term()));
  return {};
}

} // namespace keel::storage
