// write_batch: one atomic group of writes to the node's storage engine, built by
// the state machine (data, sessions, applied index) and by the Raft shell (log
// entries, hard state, compaction) and made durable by engine::commit. Reads
// through a batch see its own pending writes on top of the database, so the
// commands of one batch observe each other in order (a Put then a Cas of the
// same key). Owned by one actor at a time; not thread-safe. Pure: the writes
// are staged in a kv_store::batch of the engine's store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/storage/core/kv_store.hpp"
#include "messages/raft.pb.h"
#include "messages/storage.pb.h"

namespace keel::storage {

class engine;

/// Pending writes; nothing is visible to the engine's plain reads, nor durable,
/// until engine::commit(batch). Obtain one from engine::make_batch().
class write_batch {
public:
  write_batch(write_batch&&) noexcept;
  write_batch& operator=(write_batch&&) noexcept;
  ~write_batch();

  // --- key-value data -------------------------------------------------------

  /// The value of `key` in `shard` as this batch would leave it.
  std::optional<std::string> get(uint32_t shard, std::string_view key) const;

  void put(uint32_t shard, std::string_view key, std::string_view value);
  void del(uint32_t shard, std::string_view key);

  // --- state machine records ------------------------------------------------

  /// How far `shard` has applied the log, as this batch would leave it.
  AppliedState applied(uint32_t shard) const;

  /// Records the last applied entry. Write it in the same batch as the data
  /// it describes: after a crash, data and applied index then agree.
  void set_applied(uint32_t shard, const AppliedState& state);

  /// The deduplication record of `client_id` (Raft thesis §6.3), or nullopt.
  std::optional<ClientSession> session(uint32_t shard, uint64_t client_id) const;

  void set_session(uint32_t shard, uint64_t client_id, const ClientSession& session);

  /// Removes the deduplication record of `client_id` (expired or evicted).
  void del_session(uint32_t shard, uint64_t client_id);

  /// Replaces the whole state machine of `snapshot.shard()` (data, sessions,
  /// applied index and term) by the snapshot's. The shard's log, hard state
  /// and every other shard are untouched.
  void replace_shard(const ShardSnapshot& snapshot);

  // --- Raft log and hard state ----------------------------------------------

  /// Where the log of a shard begins and ends, as the committed state plus
  /// this batch leave it.
  struct log_bounds {
    uint64_t snapshot_index = 0; // the compaction point
    uint64_t last_index = 0;     // the last entry's index, or the compaction point if none
  };

  /// The bounds of the log of `shard`, read from the store and this batch.
  log_bounds bounds(uint32_t shard) const;

  /// Appends `entries` to the log of `shard`, whose bounds are `known`.
  /// Entries already stored at their indexes are overwritten and every stored
  /// entry after the last appended one is deleted, so a follower's
  /// conflicting suffix disappears (§5.3: "if an existing entry conflicts
  /// with a new one, delete the existing entry and all that follow it"). A
  /// caller that keeps the bounds in memory (replica_storage) spares the
  /// reads; the store is scanned only when there is a suffix to delete.
  /// REQUIRES: `known` is what bounds(shard) returns; indexes consecutive;
  /// snapshot_index < entries[0].index <= last_index + 1 (no gap);
  /// KEEL_ASSERTed: the Raft core hands out only such.
  void append(uint32_t shard, const std::vector<raft::Entry>& entries, const log_bounds& known);

  /// append() with the bounds read from the store.
  void append(uint32_t shard, const std::vector<raft::Entry>& entries) {
    append(shard, entries, bounds(shard));
  }

  /// Deletes every entry of `shard` with index >= from_index.
  void truncate_suffix(uint32_t shard, uint64_t from_index);

  void set_hard_state(uint32_t shard, const raft::HardState& state);

  /// The compaction point of the log of `shard`, as this batch would leave it.
  LogState log_state(uint32_t shard) const;

  /// Discards every entry with index <= state.snapshot_index (now covered by
  /// a snapshot, §7) and records the new compaction point.
  /// REQUIRES: state.snapshot_index >= the current one (KEEL_ASSERT).
  void compact(uint32_t shard, const LogState& state);

  // --- the batch itself -----------------------------------------------------

  /// The number of write operations recorded.
  uint32_t count() const { return pending_->count(); }
  bool empty() const { return count() == 0; }

private:
  friend class engine;
  write_batch(const kv_store& store, uint32_t shards);

  void check_shard(uint32_t shard) const;

  const kv_store* store_;
  uint32_t shards_;
  std::unique_ptr<kv_store::batch> pending_;
};

} // namespace keel::storage
