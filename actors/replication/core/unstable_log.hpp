// The part of a replica's log that ready() has handed out (or will) but whose
// persistence advance() has not yet confirmed: an incoming snapshot and/or a
// run of entries. Owned by raft_log; modeled on etcd raft's `unstable`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "messages/raft.pb.h"

namespace keel::raft {

/// Entries and snapshot not yet known to be durable.
class unstable_log {
public:
  /// An empty unstable log whose first entry, when one comes, has index `offset`.
  explicit unstable_log(uint64_t offset)
    : offset_(offset) {}

  /// The first index of the log if the unstable snapshot decides it.
  std::optional<uint64_t> maybe_first_index() const;

  /// The last index of the log if the unstable part decides it.
  std::optional<uint64_t> maybe_last_index() const;

  /// The term of entry i if the unstable part holds it (or i is the snapshot's index).
  std::optional<uint64_t> maybe_term(uint64_t i) const;

  /// Forgets the entries up to i: they are durable now. Ignored if entry i
  /// is no longer (i, t), because a newer append replaced it meanwhile.
  void stable_to(uint64_t i, uint64_t t);

  /// Forgets the unstable snapshot if its index is i: it is durable now.
  void stable_snap_to(uint64_t i);

  /// Replaces everything by `snap` (InstallSnapshot, §7).
  void restore(const Snapshot& snap);

  /// Appends `ents`, first dropping any unstable entry at or after ents.front().index().
  /// REQUIRES: !ents.empty(), and the entries are contiguous.
  void truncate_and_append(std::span<const Entry> ents);

  /// The unstable entries with indexes in [lo, hi).
  /// REQUIRES: offset() <= lo <= hi <= offset() + entries().size().
  std::vector<Entry> slice(uint64_t lo, uint64_t hi) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }
  /// The index of entries().front(), or of the next entry to come if there is none.
  uint64_t offset() const { return offset_; }

private:
  std::optional<Snapshot> snapshot_; // an incoming snapshot, not yet durable
  std::vector<Entry> entries_;       // invariant: entries_[k].index() == offset_ + k
  uint64_t offset_;
};

} // namespace keel::raft
