#include "actors/storage/core/engine.hpp"

#include "actors/security/core/crypto.hpp"
#include "actors/storage/core/key_layout.hpp"
#include "actors/storage/core/store_records.hpp"

namespace keel::storage {

namespace {

bool holds_any_record(const kv_store& store) {
  // Every key outside the identity family starts with a shard number.
  auto end = key_layout::shard_end(UINT32_MAX);
  bool found = false;
  for (auto f : {family::data, family::log, family::meta})
    store.scan(f, "", end, nullptr, [&](std::string_view, std::string_view) {
      found = true;
      return false;
    });
  return found;
}

result<void> write_identity(kv_store& store, const NodeIdentity& identity) {
  auto batch = store.make_batch();
  batch->put(family::identity, key_layout::identity_key, identity.SerializeAsString());
  auto written = store.commit(*batch, true);
  if (!written)
    return storage_error{written.error().code, "cannot write the node identity to " + store.name()
                                                 + ": " + written.error().detail};
  return {};
}

/// Writes the identity of a new store, or checks the one found (§ the
/// NodeIdentity comment in storage.proto). Returns the store's incarnation.
result<uint64_t> check_identity(kv_store& store, const std::string& node_id, uint32_t shards) {
  const auto& dir = store.name();
  auto found
    = records::find<NodeIdentity>(store, family::identity, key_layout::identity_key, nullptr);
  auto foreign = [](std::string why) { return storage_error{errc::foreign, std::move(why)}; };
  if (!found) {
    // A crash between creating the database and writing its identity leaves
    // an empty database: finish creating it. Data without identity is foreign.
    if (holds_any_record(store))
      return foreign("not a keel data directory: " + dir
                     + " holds a database with data but no node identity record");
    NodeIdentity identity;
    identity.set_node_id(node_id);
    identity.set_shards(shards);
    identity.set_format(key_layout::format_version);
    identity.set_incarnation(security::random_nonzero_u64());
    if (auto written = write_identity(store, identity); !written)
      return std::move(written).error();
    return identity.incarnation();
  }
  if (found->format() != key_layout::format_version)
    return foreign("data directory " + dir + " has on-disk format "
                   + std::to_string(found->format()) + "; this keel-node reads format "
                   + std::to_string(key_layout::format_version));
  if (found->node_id() != node_id)
    return foreign("data directory " + dir + " belongs to node '" + found->node_id()
                   + "', not to node '" + node_id + "' (check --node and data_dir)");
  if (found->shards() != shards)
    return foreign("data directory " + dir + " was created with " + std::to_string(found->shards())
                   + " shards, but the configuration says " + std::to_string(shards)
                   + " (the shard count of a cluster cannot change)");
  if (found->incarnation() == 0) {
    // Written before incarnations existed: this directory's history is
    // intact, so it may name one now (its peers have none on record yet).
    found->set_incarnation(security::random_nonzero_u64());
    if (auto written = write_identity(store, *found); !written)
      return std::move(written).error();
  }
  return found->incarnation();
}

// Throws engine_error (corrupt) for a record that does not match its key.
std::map<std::string, uint64_t> read_peer_incarnations(const kv_store& store) {
  std::map<std::string, uint64_t> out;
  for (auto& key : records::keys_in(store, family::identity, key_layout::peer_incarnation_prefix,
                                    key_layout::peer_incarnation_end, nullptr)) {
    auto rec = records::read<PeerIncarnation>(store, family::identity, key, nullptr);
    if (rec.node_id().empty() || rec.incarnation() == 0
        || key != key_layout::peer_incarnation_key(rec.node_id()))
      throw engine_error{storage_error{errc::corrupt, "the peer incarnation record '" + key
                                                        + "' does not match its key"}};
    out[rec.node_id()] = rec.incarnation();
  }
  return out;
}

} // namespace

engine::open_result engine::open(std::shared_ptr<kv_store> store, const std::string& node_id,
                                 uint32_t shards) {
  KEEL_ASSERT(store, "engine::open without a store");
  if (shards == 0)
    return storage_error{errc::invalid, "cannot open data directory " + store->name()
                                          + ": shards must be at least 1"};
  // The one place besides the storage actor that catches a read's failure
  // (storage_error.hpp): no actor runs yet to end, and the node must say why
  // it cannot start.
  try {
    auto checked = check_identity(*store, node_id, shards);
    if (!checked)
      return std::move(checked).error();
    // Read once here so that a corrupt record stops the node at open, with a
    // clear error, instead of failing a handshake later.
    read_peer_incarnations(*store);
    return std::unique_ptr<engine>{new engine(std::move(store), node_id, shards, *checked)};
  } catch (const engine_error& e) {
    return storage_error{e.error().code, "cannot read the node identity of " + store->name() + ": "
                                           + e.error().detail};
  }
}

engine::engine(std::shared_ptr<kv_store> store, std::string node_id, uint32_t shards,
               uint64_t incarnation)
  : store_(std::move(store)),
    node_id_(std::move(node_id)),
    shards_(shards),
    incarnation_(incarnation),
    rewrite_locks_(std::make_unique<std::mutex[]>(shards)) {}

std::mutex& engine::shard_rewrite_lock(uint32_t shard) const {
  check_shard(shard);
  return rewrite_locks_[shard];
}

std::map<std::string, uint64_t> engine::peer_incarnations() const {
  return read_peer_incarnations(*store_);
}

result<void> engine::remember_peer_incarnation(const std::string& peer, uint64_t incarnation) {
  PeerIncarnation rec;
  rec.set_node_id(peer);
  rec.set_incarnation(incarnation);
  auto batch = store_->make_batch();
  batch->put(family::identity, key_layout::peer_incarnation_key(peer), rec.SerializeAsString());
  return store_->commit(*batch, true);
}

engine::~engine() = default;

void engine::check_shard(uint32_t shard) const { records::check_shard(shard, shards_); }

std::optional<std::string> engine::get(uint32_t shard, std::string_view key) const {
  check_shard(shard);
  return store_->get(family::data, key_layout::data_key(shard, key), nullptr);
}

AppliedState engine::applied(uint32_t shard) const {
  check_shard(shard);
  return records::read<AppliedState>(*store_, family::meta, key_layout::applied_key(shard),
                                     nullptr);
}

std::optional<ClientSession> engine::session(uint32_t shard, uint64_t client_id) const {
  check_shard(shard);
  return records::find<ClientSession>(*store_, family::meta,
                                      key_layout::session_key(shard, client_id), nullptr);
}

raft::HardState engine::hard_state(uint32_t shard) const {
  check_shard(shard);
  return records::read<raft::HardState>(*store_, family::meta, key_layout::hard_state_key(shard),
                                        nullptr);
}

LogState engine::log_state(uint32_t shard) const {
  check_shard(shard);
  return records::log_state(*store_, shard, nullptr);
}

uint64_t engine::first_index(uint32_t shard) const { return log_state(shard).snapshot_index() + 1; }

uint64_t engine::last_index(uint32_t shard) const {
  check_shard(shard);
  return records::last_index(*store_, shard, nullptr);
}

result<std::vector<raft::Entry>> engine::entries(uint32_t shard, uint64_t lo, uint64_t hi,
                                                 uint64_t max_bytes) const {
  check_shard(shard);
  KEEL_ASSERT(lo <= hi, "entries of an empty-or-reversed range: lo > hi");
  if (lo < first_index(shard))
    return log_error(errc::compacted, shard, lo);
  if (hi > last_index(shard) + 1)
    return log_error(errc::unavailable, shard, hi - 1);
  std::vector<raft::Entry> out;
  if (lo == hi)
    return out;
  // One scan, which sees one state: a concurrent append or compaction cannot
  // tear it.
  uint64_t bytes = 0;
  store_->scan(family::log, key_layout::log_key(shard, lo), key_layout::log_key(shard, hi), nullptr,
               [&](std::string_view, std::string_view value) {
                 raft::Entry entry;
                 records::parse(value, entry);
                 bytes += entry.ByteSizeLong();
                 if (!out.empty() && bytes > max_bytes)
                   return false;
                 out.push_back(std::move(entry));
                 return true;
               });
  // A hole inside [first_index, last_index] is damage found by a read.
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].index() != lo + i)
      throw engine_error(log_error(errc::corrupt, shard, lo + i));
  if (out.empty())
    throw engine_error(log_error(errc::corrupt, shard, lo));
  return out;
}

result<uint64_t> engine::term(uint32_t shard, uint64_t index) const {
  auto compaction = log_state(shard);
  if (index < compaction.snapshot_index())
    return log_error(errc::compacted, shard, index);
  if (index == compaction.snapshot_index())
    return compaction.snapshot_term();
  auto entry
    = records::find<raft::Entry>(*store_, family::log, key_layout::log_key(shard, index), nullptr);
  if (entry)
    return entry->term();
  if (index > last_index(shard))
    return log_error(errc::unavailable, shard, index);
  throw engine_error(log_error(errc::corrupt, shard, index));
}

storage_error engine::log_error(errc code, uint32_t shard, uint64_t index) const {
  std::string what = code == errc::compacted     ? " compacted away"
                     : code == errc::unavailable ? " has not yet reached"
                                                 : " has no entry at";
  return {code, "the log of shard " + std::to_string(shard) + " in " + dir() + what + " index "
                  + std::to_string(index)};
}

write_batch engine::make_batch() const { return write_batch{*store_, shards_}; }

result<void> engine::commit(write_batch& batch, bool sync) {
  auto written = commit_and_count(batch, sync);
  if (!written)
    return std::move(written).error();
  return {};
}

result<engine::commit_ticket> engine::commit_for_sync(write_batch& batch) {
  return commit_and_count(batch, false);
}

result<engine::commit_ticket> engine::commit_and_count(write_batch& batch, bool sync) {
  KEEL_ASSERT(batch.store_ == store_.get(), "commit of a batch made by another engine");
  if (batch.empty()) // nothing of its own to wait for
    return commits_.load(std::memory_order_acquire);
  auto written = store_->commit(*batch.pending_, sync);
  if (!written)
    return storage_error{written.error().code,
                         "commit to " + dir() + " failed: " + written.error().detail};
  if (sync)
    synced_commits_.fetch_add(1, std::memory_order_relaxed);
  return commits_.fetch_add(1, std::memory_order_release) + 1;
}

result<bool> engine::sync_through(commit_ticket ticket) {
  std::lock_guard lock{sync_mu_};
  if (ticket <= synced_through_)
    return false;
  auto covered = commits_.load(std::memory_order_acquire);
  if (auto synced = store_->sync(); !synced)
    return storage_error{synced.error().code,
                         "sync of " + dir() + " failed: " + synced.error().detail};
  synced_through_ = covered;
  syncs_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

ShardSnapshot engine::export_shard(uint32_t shard) const {
  check_shard(shard);
  std::lock_guard one_at_a_time{export_mu_};
  // One state for the data, the sessions and the applied index, whatever the
  // shard's writers do meanwhile.
  auto view = store_->read_view();
  auto applied
    = records::read<AppliedState>(*view, family::meta, key_layout::applied_key(shard), nullptr);
  ShardSnapshot out;
  out.set_shard(shard);
  out.set_applied_index(applied.applied_index());
  out.set_applied_term(applied.applied_term());
  out.set_log_time_ms(applied.log_time_ms());
  view->scan(family::data, key_layout::shard_prefix(shard), key_layout::shard_end(shard), nullptr,
             [&](std::string_view key, std::string_view value) {
               auto* kv = out.add_data();
               kv->set_key(std::string{key_layout::user_key_of(key)});
               kv->set_value(std::string{value});
               return true;
             });
  view->scan(family::meta, key_layout::session_prefix(shard), key_layout::session_end(shard),
             nullptr, [&](std::string_view key, std::string_view value) {
               auto* entry = out.add_sessions();
               entry->set_client_id(key_layout::client_id_of(key));
               records::parse(value, *entry->mutable_session());
               return true;
             });
  return out;
}

std::vector<SessionEntry> engine::sessions(uint32_t shard) const {
  check_shard(shard);
  std::vector<SessionEntry> out;
  store_->scan(family::meta, key_layout::session_prefix(shard), key_layout::session_end(shard),
               nullptr, [&](std::string_view key, std::string_view value) {
                 auto& entry = out.emplace_back();
                 entry.set_client_id(key_layout::client_id_of(key));
                 records::parse(value, *entry.mutable_session());
                 return true;
               });
  return out;
}

result<void> engine::import_shard(const ShardSnapshot& snapshot) {
  auto batch = make_batch();
  batch.replace_shard(snapshot);
  return commit(batch, true);
}

} // namespace keel::storage
