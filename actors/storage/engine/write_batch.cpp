#include "actors/storage/engine/write_batch.hpp"

#include <stdexcept>

#include <rocksdb/comparator.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "actors/storage/engine/key_layout.hpp"
#include "actors/storage/engine/rocks_store.hpp"

namespace keel::storage {

namespace {

rocksdb::Slice slice(std::string_view bytes) {
  return {bytes.data(), bytes.size()};
}

} // namespace

write_batch::write_batch(const rocks_store& store)
  : store_(&store),
    // overwrite_key: the index keeps only the latest write per key, which is
    // what GetFromBatchAndDB and the batch iterators must see.
    pending_(std::make_unique<rocksdb::WriteBatchWithIndex>(
      rocksdb::BytewiseComparator(), 0, true)) {
}

write_batch::write_batch(write_batch&&) noexcept = default;
write_batch& write_batch::operator=(write_batch&&) noexcept = default;
write_batch::~write_batch() = default;

std::optional<std::string> write_batch::get(uint32_t shard, std::string_view key) const {
  store_->check_shard(shard);
  return store_->read(store_->data_family(), key_layout::data_key(shard, key),
                      pending_.get());
}

void write_batch::put(uint32_t shard, std::string_view key, std::string_view value) {
  store_->check_shard(shard);
  check(pending_->Put(store_->data_family(), key_layout::data_key(shard, key),
                      slice(value)),
        "batch put");
}

void write_batch::del(uint32_t shard, std::string_view key) {
  store_->check_shard(shard);
  check(pending_->Delete(store_->data_family(), key_layout::data_key(shard, key)),
        "batch delete");
}

AppliedState write_batch::applied(uint32_t shard) const {
  store_->check_shard(shard);
  return store_->read_record<AppliedState>(store_->meta_family(),
                                           key_layout::applied_key(shard),
                                           pending_.get());
}

void write_batch::set_applied(uint32_t shard, const AppliedState& state) {
  store_->check_shard(shard);
  check(pending_->Put(store_->meta_family(), key_layout::applied_key(shard),
                      state.SerializeAsString()),
        "batch put applied state");
}

std::optional<ClientSession> write_batch::session(uint32_t shard,
                                                  uint64_t client_id) const {
  store_->check_shard(shard);
  return store_->find_record<ClientSession>(
    store_->meta_family(), key_layout::session_key(shard, client_id), pending_.get());
}

void write_batch::set_session(uint32_t shard, uint64_t client_id,
                              const ClientSession& session) {
  store_->check_shard(shard);
  check(pending_->Put(store_->meta_family(), key_layout::session_key(shard, client_id),
                      session.SerializeAsString()),
        "batch put session");
}

void write_batch::del_session(uint32_t shard, uint64_t client_id) {
  store_->check_shard(shard);
  check(pending_->Delete(store_->meta_family(), key_layout::session_key(shard, client_id)),
        "batch delete session");
}

void write_batch::replace_shard(const ShardSnapshot& snapshot) {
  auto shard = snapshot.shard();
  store_->check_shard(shard);
  // WriteBatchWithIndex cannot hold range deletions, so every key the shard
  // has now (committed or pending) gets its own tombstone.
  for (const auto& key : store_->keys_in(store_->data_family(),
                                         key_layout::shard_prefix(shard),
                                         key_layout::shard_end(shard), pending_.get()))
    check(pending_->Delete(store_->data_family(), key), "batch delete");
  for (const auto& key : store_->keys_in(store_->meta_family(),
                                         key_layout::session_prefix(shard),
                                         key_layout::session_end(shard), pending_.get()))
    check(pending_->Delete(store_->meta_family(), key), "batch delete");
  for (const auto& kv : snapshot.data())
    put(shard, kv.key(), kv.value());
  for (const auto& entry : snapshot.sessions())
    set_session(shard, entry.client_id(), entry.session());
  AppliedState applied;
  applied.set_applied_index(snapshot.applied_index());
  applied.set_applied_term(snapshot.applied_term());
  applied.set_log_time_ms(snapshot.log_time_ms());
  set_applied(shard, applied);
}

void write_batch::append(uint32_t shard, const std::vector<raft::Entry>& entries) {
  store_->check_shard(shard);
  if (entries.empty())
    return;
  for (size_t i = 1; i < entries.size(); ++i)
    if (entries[i].index() != entries[i - 1].index() + 1)
      throw std::invalid_argument("append: entry indexes not consecutive at "
                                  + std::to_string(entries[i].index()));
  auto first = entries.front().index();
  auto snapshot_index = store_->log_state(shard, pending_.get()).snapshot_index();
  auto last = store_->last_index(shard, pending_.get());
  if (first <= snapshot_index)
    throw std::invalid_argument("append at index " + std::to_string(first)
                                + ": the log is compacted up to "
                                + std::to_string(snapshot_index));
  if (first > last + 1)
    throw std::invalid_argument("append at index " + std::to_string(first)
                                + " leaves a gap after the last index "
                                + std::to_string(last));
  truncate_suffix(shard, entries.back().index() + 1);
  for (const auto& entry : entries)
    check(pending_->Put(store_->log_family(), key_layout::log_key(shard, entry.index()),
                        entry.SerializeAsString()),
          "batch append");
}

void write_batch::truncate_suffix(uint32_t shard, uint64_t from_index) {
  store_->check_shard(shard);
  for (const auto& key : store_->keys_in(store_->log_family(),
                                         key_layout::log_key(shard, from_index),
                                         key_layout::shard_end(shard), pending_.get()))
    check(pending_->Delete(store_->log_family(), key), "batch truncate");
}

void write_batch::set_hard_state(uint32_t shard, const raft::HardState& state) {
  store_->check_shard(shard);
  check(pending_->Put(store_->meta_family(), key_layout::hard_state_key(shard),
                      state.SerializeAsString()),
        "batch put hard state");
}

LogState write_batch::log_state(uint32_t shard) const {
  store_->check_shard(shard);
  return store_->log_state(shard, pending_.get());
}

void write_batch::compact(uint32_t shard, const LogState& state) {
  store_->check_shard(shard);
  auto current = store_->log_state(shard, pending_.get());
  if (state.snapshot_index() < current.snapshot_index())
    throw std::invalid_argument("compact to index " + std::to_string(state.snapshot_index())
                                + ": already compacted up to "
                                + std::to_string(current.snapshot_index()));
  auto end = state.snapshot_index() == UINT64_MAX
               ? key_layout::shard_end(shard)
               : key_layout::log_key(shard, state.snapshot_index() + 1);
  // Entries up to the current compaction point are gone already: start after
  // it instead of walking their tombstones again.
  for (const auto& key : store_->keys_in(store_->log_family(),
                                         key_layout::log_key(shard, current.snapshot_index() + 1),
                                         end, pending_.get()))
    check(pending_->Delete(store_->log_family(), key), "batch compact");
  check(pending_->Put(store_->meta_family(), key_layout::log_state_key(shard),
                      state.SerializeAsString()),
        "batch put log state");
}

uint32_t write_batch::count() const {
  return pending_->GetWriteBatch()->Count();
}

} // namespace keel::storage
