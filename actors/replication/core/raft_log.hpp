// One replica's view of the Raft log: the durable part in log_storage, the
// not-yet-durable part in unstable_log, and the commit and apply cursors.
// Owned by raft::node; modeled on etcd raft's raftLog. Implements the log
// rules of the paper: the consistency check and conflict resolution of
// AppendEntries (§5.3), the up-to-date comparison of elections (§5.4.1) and
// the commit rule (§5.4.2).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "actors/replication/core/log_storage.hpp"
#include "actors/replication/core/unstable_log.hpp"

namespace keel::raft {

/// The log of one replica with its commit index and last applied index.
class raft_log {
public:
  /// Reads the durable log from `storage`, which must outlive this object.
  /// Commit and applied start at the snapshot point (first_index() - 1).
  raft_log(const log_storage& storage, uint64_t max_apply_bytes);

  // -- shape of the log ---------------------------------------------------

  uint64_t first_index() const;
  uint64_t last_index() const;
  uint64_t last_term() const;

  /// The last index the owner has made durable (advance() confirmed it): what
  /// a leader may count as its own acknowledgement (thesis §10.2.1). Nothing
  /// an unstable snapshot brought is durable yet.
  uint64_t last_durable_index() const;

  /// The term of entry i, for i in [first_index() - 1, last_index()].
  /// Errors: errc::compacted below, errc::unavailable above.
  result<uint64_t> term(uint64_t i) const;

  /// True if entry i exists and has term t.
  bool match_term(uint64_t i, uint64_t t) const;

  /// §5.4.1: a log ending in (last_index, last_term) is at least as
  /// up-to-date as this one: its last term is higher, or equal with an index
  /// at least as large.
  bool is_up_to_date(uint64_t last_index, uint64_t last_term) const;

  // -- appending ------------------------------------------------------------

  /// The follower side of AppendEntries (§5.3): if this log holds entry
  /// `index` with term `log_term`, stores `ents` after it (overwriting from the
  /// first conflicting entry on), advances commit to min(leader_commit, index
  /// of the last new entry) and returns that last new index. Otherwise the
  /// consistency check fails and nothing changes.
  std::optional<uint64_t> maybe_append(uint64_t index, uint64_t log_term, uint64_t leader_commit,
                                       std::span<const Entry> ents);

  /// Appends `ents` at their indexes (dropping any entry at or after the
  /// first one) and returns the new last index.
  /// REQUIRES: ents.front().index() > commit index.
  uint64_t append(std::span<const Entry> ents);

  /// The index of the first entry of `ents` that conflicts with this log
  /// (same index, other term) or is new; 0 if every one is already here.
  uint64_t find_conflict(std::span<const Entry> ents) const;

  /// Fast backtracking: the largest index <= `index` whose entry's term is <=
  /// `term`, with that entry's term. A leader and a follower exchange these
  /// to skip a whole term of divergent entries per round trip instead of one
  /// entry (§5.3, the optimization at the end of the section). If the term at
  /// some index cannot be read (compacted), returns (that index, 0).
  std::pair<uint64_t, uint64_t> find_conflict_by_term(uint64_t index, uint64_t term) const;

  // -- reading entries --------------------------------------------------------

  /// The entries from `lo` to the end, at most `max_count` of them and about
  /// `max_bytes` (at least one if any). Errors: errc::compacted if lo < first_index().
  result<std::vector<Entry>> entries(uint64_t lo, uint64_t max_count, uint64_t max_bytes) const;

  /// The entries in [lo, hi), limited as entries() is.
  /// Errors: errc::compacted. REQUIRES: hi <= last_index() + 1.
  result<std::vector<Entry>> slice(uint64_t lo, uint64_t hi, uint64_t max_count,
                                   uint64_t max_bytes) const;

  /// The snapshot that stands for the compacted prefix (the unstable one if any).
  result<Snapshot> snapshot() const;

  // -- commit and apply -------------------------------------------------------

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }

  /// §5.4.2: commits up to `max_index` only if that entry has term `term`
  /// (the leader's current term). Returns whether the commit index moved.
  bool maybe_commit(uint64_t max_index, uint64_t term);

  /// Raises the commit index to `index` (never lowers it).
  /// REQUIRES: index <= last_index().
  void commit_to(uint64_t index);

  /// Records that the state machine applied everything up to `index`.
  /// REQUIRES: applied() <= index <= committed().
  void applied_to(uint64_t index);

  /// True if some committed entries are not applied yet.
  bool has_next_committed_entries() const;

  /// The committed entries not yet applied, at most max_apply_bytes of them (at least one).
  std::vector<Entry> next_committed_entries() const;

  // -- persistence --------------------------------------------------------------

  const std::vector<Entry>& unstable_entries() const { return unstable_.entries(); }
  const std::optional<Snapshot>& unstable_snapshot() const { return unstable_.snapshot(); }

  /// The entries up to (i, t) are durable now.
  void stable_to(uint64_t i, uint64_t t) { unstable_.stable_to(i, t); }
  /// The snapshot with index i is durable now.
  void stable_snap_to(uint64_t i) { unstable_.stable_snap_to(i); }

  /// Replaces the log by `snap` and commits up to it (InstallSnapshot, §7).
  void restore(const Snapshot& snap);

private:
  const log_storage& storage_;
  unstable_log unstable_;
  uint64_t committed_; // invariant: committed_ <= last_index()
  uint64_t applied_;   // invariant: applied_ <= committed_
  uint64_t max_apply_bytes_;
};

} // namespace keel::raft
