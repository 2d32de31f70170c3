// An in-memory log_storage, for unit tests and the deterministic simulation.
// It is what the RocksDB-backed storage must behave like, minus durability:
// its write methods show what a replica shell does with each ready().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/replication/core/log_storage.hpp"

namespace keel::raft {

/// A log_storage kept in memory. The owner writes it; raft::node reads it.
class memory_storage final : public log_storage {
public:
  /// An empty log: no entries, no snapshot, zero hard state.
  memory_storage();

  // -- log_storage ---------------------------------------------------------

  HardState hard_state() const override;
  result<std::vector<Entry>> entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override;
  result<uint64_t> term(uint64_t i) const override;
  uint64_t first_index() const override;
  uint64_t last_index() const override;
  result<Snapshot> snapshot() const override;

  // -- writes, by the owner ------------------------------------------------

  /// Stores ready::hard_state.
  void set_hard_state(const HardState& hs);

  /// Stores ready::entries: appends them, first discarding every stored
  /// entry at or after the first new index (a conflicting suffix the leader
  /// overwrote, §5.3). Entries at or before the compacted index are skipped.
  /// REQUIRES: `ents` are contiguous and ents.front().index() <= last_index() + 1.
  void append(const std::vector<Entry>& ents);

  /// Stores ready::snapshot: replaces the whole log by it (§7, InstallSnapshot).
  /// Errors: errc::snapshot_out_of_date if the stored snapshot is not older.
  result<void> apply_snapshot(const Snapshot& snap);

  /// Records a snapshot of the state machine as of entry `index` (already
  /// applied by the owner), with the given configuration and data. It becomes
  /// what snapshot() returns; call compact() afterwards to drop entries.
  /// Returns nothing: `data` is a whole shard, kept here once (a copy for the
  /// caller would be a second whole shard that no caller uses).
  /// Errors: errc::snapshot_out_of_date if index <= the stored snapshot's index.
  /// REQUIRES: index <= last_index().
  result<void> create_snapshot(uint64_t index, std::vector<std::string> voters, std::string data);

  /// Discards the entries before `index`: afterwards first_index() == index + 1.
  /// Errors: errc::compacted if index <= first_index() - 1 (already compacted).
  /// REQUIRES: index <= last_index() and index <= snapshot().metadata().index().
  result<void> compact(uint64_t index);

private:
  /// ents_[0] is a dummy standing for the last compacted entry: its index
  /// and term are the snapshot point, its data is empty.
  /// invariant: ents_[k].index() == ents_[0].index() + k.
  std::vector<Entry> ents_;
  HardState hard_state_;
  Snapshot snapshot_; // invariant: snapshot_.metadata().index() >= ents_[0].index()
};

} // namespace keel::raft
