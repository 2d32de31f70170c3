#include "actors/storage/core/replica_storage.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "actors/storage/core/snapshot_check.hpp"

namespace keel::storage {

namespace {

std::string shard_name(uint32_t shard) { return "shard " + std::to_string(shard); }

} // namespace

bool must_sync(const PersistRequest& ready) {
  return ready.has_snapshot() || ready.entries_size() > 0 || !ready.may_skip_sync();
}

replica_storage::replica_storage(const engine& db, uint32_t shard, session_limits sessions)
  : db_(&db),
    shard_(shard),
    log_{db.log_state(shard).snapshot_index(), db.last_index(shard)},
    machine_(db, shard, sessions) {}

void replica_storage::check_indexes(const raft::HardState& hard_state, uint64_t compacted,
                                    uint64_t applied) const {
  // Every write keeps compacted <= commit <= last index and applied <= commit
  // (the commit index is stored before, or in the same batch as, what it lets
  // be applied). Records that break this were damaged or mixed from two data
  // directories: Raft would start on a commit index it cannot vouch for, so
  // the shard refuses to load, as for any damaged record, and the other shards
  // of the node keep serving.
  auto last = std::max(compacted, db_->last_index(shard_));
  auto commit = std::max(compacted, hard_state.commit());
  auto refuse = [&](const std::string& what) {
    throw engine_error({errc::corrupt, shard_name(shard_) + " " + what});
  };
  if (hard_state.commit() > last)
    refuse("has a commit index of " + std::to_string(hard_state.commit())
           + " beyond its last log index " + std::to_string(last));
  if (hard_state.commit() != 0 && hard_state.commit() < compacted)
    refuse("has a commit index of " + std::to_string(hard_state.commit())
           + " below its compaction point " + std::to_string(compacted));
  if (applied > commit)
    refuse("applied up to " + std::to_string(applied) + " beyond its commit index "
           + std::to_string(commit));
}

ReplicaState replica_storage::load() const {
  // Separate reads, not one RocksDB snapshot: the caller is this shard's only
  // writer, so nothing changes between them.
  ReplicaState state;
  *state.mutable_hard_state() = db_->hard_state(shard_);
  *state.mutable_log_state() = db_->log_state(shard_);
  *state.mutable_applied() = db_->applied(shard_);
  auto compacted = state.log_state().snapshot_index();
  // Both records were committed in one batch by compact(): disagreeing, they
  // are damage found by a read.
  if (state.applied().applied_index() < compacted)
    throw engine_error({errc::corrupt, shard_name(shard_) + " applied up to "
                                         + std::to_string(state.applied().applied_index())
                                         + " but its log is compacted up to "
                                         + std::to_string(compacted)});
  check_indexes(state.hard_state(), compacted, state.applied().applied_index());
  // The bounds are [first_index, last_index + 1): never compacted nor unavailable.
  auto stored = db_->entries(shard_, compacted + 1, db_->last_index(shard_) + 1,
                             std::numeric_limits<uint64_t>::max());
  for (auto& entry : *stored)
    *state.add_entries() = std::move(entry);
  return state;
}

void replica_storage::persist(const PersistRequest& request, write_batch& batch) {
  if (request.has_snapshot())
    install_snapshot(request.snapshot(), batch);
  std::vector<raft::Entry> entries;
  entries.reserve(static_cast<size_t>(request.entries_size()));
  for (const auto& entry : request.entries())
    if (entry.index() > log_.snapshot_index)
      entries.push_back(entry);
  batch.append(shard_, entries, log_); // §5.3: drops the stored suffix they replace
  if (!entries.empty())
    log_.last_index = entries.back().index();
  if (request.has_hard_state())
    batch.set_hard_state(shard_, request.hard_state());
}

void replica_storage::install_snapshot(const raft::Snapshot& snapshot, write_batch& batch) {
  // The replica refuses such a snapshot before it reaches the Raft core.
  KEEL_ASSERT(check_snapshot_data(snapshot, shard_).ok(),
              "persist of a snapshot check_snapshot_data refuses");
  const auto& meta = snapshot.metadata();
  ShardSnapshot data;
  KEEL_ASSERT(data.ParseFromString(snapshot.data()), "a checked snapshot does not parse");
  batch.replace_shard(data);
  machine_.reset(data);
  // §7: the snapshot replaces the whole log. Entries after it are dropped too
  // (as etcd raft does): the leader sends them again after the snapshot.
  LogState point;
  point.set_snapshot_index(meta.index());
  point.set_snapshot_term(meta.term());
  batch.compact(shard_, point); // asserts that the snapshot is not behind the compaction point
  if (meta.index() < std::numeric_limits<uint64_t>::max())
    batch.truncate_suffix(shard_, meta.index() + 1);
  log_ = {meta.index(), meta.index()};
}

result<ApplyResult> replica_storage::apply(const entry_list& committed, write_batch& batch) {
  ApplyResult out;
  for (const auto& entry : committed) {
    auto applied = machine_.applied().applied_index();
    if (entry.index() <= applied)
      continue;
    KEEL_ASSERT(entry.index() == applied + 1,
                "an apply that would skip entries (a gap loses a command)");
    switch (entry.type()) {
      case raft::ENTRY_NOOP: machine_.apply_noop(entry.index(), entry.term(), batch); break;
      case raft::ENTRY_NORMAL: {
        command::CommandBatch commands;
        if (!commands.ParseFromString(entry.data()))
          return storage_error{errc::corrupt, "the entry at index " + std::to_string(entry.index())
                                                + " of " + shard_name(shard_)
                                                + " is not a CommandBatch"};
        auto* result = out.add_results();
        result->set_index(entry.index());
        result->set_term(entry.term());
        for (auto& response : machine_.apply(commands, entry.index(), entry.term(), batch))
          *result->add_responses() = std::move(response);
        break;
      }
      default:
        // raft::check_message refuses other types before they reach a log.
        KEEL_ASSERT(false, "apply of an entry that is neither NORMAL nor NOOP");
    }
  }
  return out;
}

void replica_storage::compact(uint64_t index, write_batch& batch) {
  KEEL_ASSERT(index <= machine_.applied().applied_index(), "compaction beyond the applied index");
  if (index <= log_.snapshot_index)
    return;
  // Applied entries after the compaction point are stored: a persist came first.
  auto term = db_->term(shard_, index);
  KEEL_ASSERT(term.ok(), "compaction up to an index with no stored entry");
  LogState point;
  point.set_snapshot_index(index);
  point.set_snapshot_term(*term);
  batch.compact(shard_, point);
  log_.snapshot_index = index; // applied entries are stored: last_index >= index already
}

} // namespace keel::storage
