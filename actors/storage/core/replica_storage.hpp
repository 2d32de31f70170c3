// replica_storage: what one shard's Raft replica keeps on disk, in the terms of
// the replica <-> storage protocol (storage.proto, bottom): load the state a
// replica restarts from, persist one ready's durable part, apply committed
// entries to the key-value state machine, compact the log. Each write is staged
// into a write_batch that the caller (the shard's storage actor) commits: a
// ready's persist and apply in one batch, synced if must_sync says so;
// compact unsynced (see the storage actor for why that is safe). The log's
// bounds are kept in memory here, and the applied state and a summary of the
// session records in the state machine, so that the hot path reads the store
// only where it must: a staged persist or apply whose batch is not committed,
// or a write to the shard that bypasses this object (engine::import_shard),
// therefore requires a new replica_storage. Pure: no CAF, no logging, no
// clock. Broken invariants are KEEL_ASSERTs; reads of a failing store throw
// engine_error (storage_error.hpp).
#pragma once

#include <cstdint>

#include "actors/storage/core/engine.hpp"
#include "actors/storage/core/kv_state_machine.hpp"
#include "messages/storage.pb.h"

namespace keel::storage {

/// Entries as the storage protocol carries them (PersistRequest).
using entry_list = google::protobuf::RepeatedPtrField<raft::Entry>;

/// Whether a ready's write must be on disk before it is answered (Figure 2):
/// a snapshot, entries, or a new term or vote. A ready whose only durable
/// change is the commit index is written without an fsync
/// (raft::ready::must_sync) and answered at once. The one rule for both ends:
/// the storage actor syncs exactly these, and the replica's messages wait for
/// exactly these.
bool must_sync(const PersistRequest& ready);

/// The Raft-facing half of one shard's storage over the node's engine.
class replica_storage {
public:
  /// REQUIRES: shard < db.shards(); db outlives this object.
  replica_storage(const engine& db, uint32_t shard, session_limits sessions = {});

  uint32_t shard() const { return shard_; }

  /// Everything a replica needs to restart (§5.1, Figure 2), from committed
  /// state: hard state, compaction point, applied state, every stored entry
  /// after the compaction point in index order. Not the shard's data: the
  /// store at the applied index is the snapshot behind the compaction point,
  /// read out (engine::export_shard) only for a follower that needs it (§7).
  /// Stored state that
  /// disagrees with itself (applied before the compaction point or beyond
  /// the commit index, a commit index outside the log, a hole in the log)
  /// throws engine_error (errc::corrupt), like any damaged read.
  ReplicaState load() const;

  /// Stages one Raft ready's durable part into `batch`, in the order ready.hpp
  /// prescribes:
  /// 1. snapshot, if present (InstallSnapshot, §7): the ShardSnapshot in
  ///    snapshot.data replaces the shard's data, sessions and applied state;
  ///    the whole stored log is discarded and the compaction point becomes
  ///    (metadata.index, metadata.term).
  /// 2. entries are appended; a stored suffix they replace is dropped (§5.3).
  ///    Entries at or before the compaction point are already covered by it
  ///    and skipped (as raft::memory_storage does).
  /// 3. hard_state, if present.
  /// KEEL_ASSERTs (the replica and the Raft core check these first) that the
  /// snapshot passes check_snapshot_data and does not lie before the
  /// compaction point, and that the entries are consecutive and leave no gap
  /// after the last index.
  void persist(const PersistRequest& request, write_batch& batch);

  /// Stages the application of `committed` entries into `batch`, in order,
  /// and returns what each applied entry produced:
  /// - index <= the applied index: skipped, no result (already applied before
  ///   a restart; the applied index is committed with the data it describes,
  ///   so nothing is applied twice);
  /// - ENTRY_NOOP: advances the applied index and term, no result;
  /// - ENTRY_NORMAL: its data, a serialized command::CommandBatch, goes
  ///   through the kv_state_machine (sessions deduplicate retries, thesis
  ///   §6.3): one EntryResult{index, term, responses}.
  /// The storage actor stages a ready's persist first, in the same batch
  /// (PersistRequest.committed): so the commit index that lets entries be
  /// applied, and entries not yet stored that the same ready appends, are
  /// kept or lost with the applies.
  /// errc::corrupt for an entry whose data does not parse (a committed log
  /// entry that a peer's bytes put there; the batch must then be discarded).
  /// KEEL_ASSERTs that no entry has another type (raft::check_message refuses
  /// it) and that none skips past the applied index (a gap would lose a
  /// command).
  result<ApplyResult> apply(const entry_list& committed, write_batch& batch);

  /// Stages the compaction of the stored log up to and including `index`
  /// (§7): the entries are discarded and the compaction point becomes
  /// (index, term of the entry at index). An index at or before the current
  /// compaction point changes nothing.
  /// REQUIRES (KEEL_ASSERT): index <= the applied index (only applied entries
  /// are in the data a snapshot is exported from).
  /// REQUIRES: `batch` holds no log writes (the term is read from committed state).
  void compact(uint64_t index, write_batch& batch);

  /// Answers a read from the committed data (kv_state_machine::read).
  kv::Response read(const kv::Get& get) const { return machine_.read(get); }

private:
  void check_indexes(const raft::HardState& hard_state, uint64_t compacted, uint64_t applied) const;
  void install_snapshot(const raft::Snapshot& snapshot, write_batch& batch);

  const engine* db_;
  uint32_t shard_;
  write_batch::log_bounds log_; // as the committed state plus the staged batches leave it
  kv_state_machine machine_;
};

} // namespace keel::storage
