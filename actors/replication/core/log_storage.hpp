// The durable half of one replica's Raft state, as raft::node reads it.
// Modeled on etcd raft's Storage interface. Division of labour:
//   - raft::node only READS through this interface: once at construction (to
//     restart from what survived, §5.1 Figure 2) and whenever it needs log
//     entries, terms or the snapshot that are no longer in memory.
//   - the OWNER of the storage (the replica shell, or a test) does all the
//     writing, driven by ready(): it persists ready::snapshot, ready::entries
//     and ready::hard_state before sending ready::messages, and it creates
//     snapshots and compacts the log when it decides to (§7). The write methods
//     belong to the concrete class (memory_storage, the RocksDB engine), not here.
// Calls come from the node's thread only; implementations need no locking for it.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/replication/core/errc.hpp"
#include "messages/raft.pb.h"

namespace keel::raft {

/// Read access to a replica's persisted hard state, log and latest snapshot.
///
/// The log is the contiguous range [first_index(), last_index()] of entries,
/// preceded by the snapshot that covers everything before first_index().
/// invariant: first_index() >= 1 and last_index() >= first_index() - 1 (an empty log).
/// invariant: snapshot().metadata().index() >= first_index() - 1: the stored
///            snapshot covers every compacted entry, so a follower that installs
///            it can continue from the log (§7). Compact only up to the snapshot.
class log_storage {
public:
  virtual ~log_storage() = default;

  /// The persisted hard state: term, vote and commit. All zero on a fresh replica.
  virtual HardState hard_state() const = 0;

  /// The entries with indexes in [lo, hi), in order. Stops early once the
  /// entries returned exceed `max_bytes` in total (Entry::ByteSizeLong), but
  /// always returns at least one entry when lo < hi.
  /// Errors: errc::compacted if lo < first_index().
  /// REQUIRES: lo <= hi <= last_index() + 1.
  virtual result<std::vector<Entry>> entries(uint64_t lo, uint64_t hi,
                                             uint64_t max_bytes) const = 0;

  /// The term of entry i. For i == first_index() - 1 this is the term of the
  /// last compacted entry (the snapshot's term, or 0 on a fresh log).
  /// Errors: errc::compacted if i < first_index() - 1; errc::unavailable if i > last_index().
  virtual result<uint64_t> term(uint64_t i) const = 0;

  /// The index of the first entry still stored (1 on a fresh log).
  virtual uint64_t first_index() const = 0;

  /// The index of the last entry stored, or first_index() - 1 if none is.
  virtual uint64_t last_index() const = 0;

  /// The most recent snapshot, which the leader sends to followers that need
  /// compacted entries (MSG_SNAPSHOT, §7). An implementation may build it
  /// lazily; if it cannot right now it returns errc::snapshot_temporarily_unavailable
  /// and the node asks again later. Only called after first_index() > 1.
  virtual result<Snapshot> snapshot() const = 0;
};

} // namespace keel::raft
