#include "actors/storage/core/engine.hpp"

#include <stdexcept>

#include "actors/storage/core/key_layout.hpp"
#include "actors/storage/core/store_records.hpp"

namespace keel::storage {

namespace {

bool holds_any_record(const kv_store& store) {
  // Every key outside the identity family starts with a shard number.
  auto end = key_layout::shard_end(UINT32_MAX);
  bool found = false;
  for (auto f : {family::data, family::log, family::meta})
    store.scan(f, "", end, nullptr, nullptr, [&](std::string_view, std::string_view) {
      found = true;
      return false;
    });
  return found;
}

/// Writes the identity of a new store, or checks the one found (§ the
/// NodeIdentity comment in storage.proto).
std::optional<std::string> check_identity(kv_store& store, const std::string& node_id,
                                          uint32_t shards) {
  const auto& dir = store.name();
  auto found
      = records::find<NodeIdentity>(store, family::identity, key_layout::identity_key, nullptr);
  if (!found) {
    // A crash between creating the database and writing its identity leaves
    // an empty database: finish creating it. Data without identity is foreign.
    if (holds_any_record(store))
      return "not a keel data directory: " + dir
             + " holds a database with data but no node identity record";
    NodeIdentity identity;
    identity.set_node_id(node_id);
    identity.set_shards(shards);
    identity.set_format(key_layout::format_version);
    auto batch = store.make_batch();
    batch->put(family::identity, key_layout::identity_key, identity.SerializeAsString());
    if (auto error = store.commit(*batch, true))
      return "cannot write the node identity to " + dir + ": " + *error;
    return std::nullopt;
  }
  if (found->format() != key_layout::format_version)
    return "data directory " + dir + " has on-disk format " + std::to_string(found->format())
           + "; this keel-node reads format " + std::to_string(key_layout::format_version);
  if (found->node_id() != node_id)
    return "data directory " + dir + " belongs to node '" + found->node_id() + "', not to node '"
           + node_id + "' (check --node and data_dir)";
  if (found->shards() != shards)
    return "data directory " + dir + " was created with " + std::to_string(found->shards())
           + " shards, but the configuration says " + std::to_string(shards)
           + " (the shard count of a cluster cannot change)";
  return std::nullopt;
}

} // namespace

engine::open_result engine::open(std::shared_ptr<kv_store> store, const std::string& node_id,
                                 uint32_t shards) {
  if (!store)
    throw std::invalid_argument("engine::open without a store");
  if (shards == 0)
    return "cannot open data directory " + store->name() + ": shards must be at least 1";
  try {
    if (auto problem = check_identity(*store, node_id, shards))
      return *problem;
  } catch (const engine_error& e) {
    return "cannot read the node identity of " + store->name() + ": " + e.what();
  }
  return std::unique_ptr<engine>{new engine(std::move(store), node_id, shards)};
}

engine::engine(std::shared_ptr<kv_store> store, std::string node_id, uint32_t shards)
  : store_(std::move(store)),
    node_id_(std::move(node_id)),
    shards_(shards) {}

engine::~engine() = default;

void engine::check_shard(uint32_t shard) const { records::check_shard(shard, shards_); }

std::optional<std::string> engine::get(uint32_t shard, std::string_view key) const {
  check_shard(shard);
  return store_->get(family::data, key_layout::data_key(shard, key), nullptr, nullptr);
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

std::variant<std::vector<raft::Entry>, log_errc>
engine::entries(uint32_t shard, uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  check_shard(shard);
  if (lo > hi)
    throw std::invalid_argument("entries: lo " + std::to_string(lo) + " > hi "
                                + std::to_string(hi));
  if (lo < first_index(shard))
    return log_errc::compacted;
  if (hi > last_index(shard) + 1)
    return log_errc::unavailable;
  std::vector<raft::Entry> out;
  if (lo == hi)
    return out;
  // One view: a concurrent append or compaction cannot tear it.
  auto view = store_->snapshot();
  uint64_t bytes = 0;
  store_->scan(family::log, key_layout::log_key(shard, lo), key_layout::log_key(shard, hi), nullptr,
               view.get(), [&](std::string_view, std::string_view value) {
                 raft::Entry entry;
                 records::parse(value, entry);
                 bytes += entry.ByteSizeLong();
                 if (!out.empty() && bytes > max_bytes)
                   return false;
                 out.push_back(std::move(entry));
                 return true;
               });
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].index() != lo + i)
      throw engine_error("the log of shard " + std::to_string(shard) + " in " + dir()
                         + " has no entry at index " + std::to_string(lo + i));
  if (out.empty())
    throw engine_error("the log of shard " + std::to_string(shard) + " in " + dir()
                       + " has no entry at index " + std::to_string(lo));
  return out;
}

std::variant<uint64_t, log_errc> engine::term(uint32_t shard, uint64_t index) const {
  auto compaction = log_state(shard);
  if (index < compaction.snapshot_index())
    return log_errc::compacted;
  if (index == compaction.snapshot_index())
    return compaction.snapshot_term();
  auto entry = records::find<raft::Entry>(*store_, family::log, key_layout::log_key(shard, index),
                                          nullptr);
  if (entry)
    return entry->term();
  if (index > last_index(shard))
    return log_errc::unavailable;
  throw engine_error("the log of shard " + std::to_string(shard) + " in " + dir()
                     + " has no entry at index " + std::to_string(index));
}

write_batch engine::make_batch() const { return write_batch{*store_, shards_}; }

std::optional<std::string> engine::commit(write_batch& batch, bool sync) {
  if (batch.store_ != store_.get())
    throw std::logic_error("commit of a batch made by another engine");
  if (batch.empty())
    return std::nullopt;
  if (auto error = store_->commit(*batch.pending_, sync))
    return "commit to " + dir() + " failed: " + *error;
  commits_.fetch_add(1, std::memory_order_relaxed);
  if (sync)
    synced_commits_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

ShardSnapshot engine::export_shard(uint32_t shard) const {
  check_shard(shard);
  auto view = store_->snapshot();
  auto applied = records::read<AppliedState>(*store_, family::meta, key_layout::applied_key(shard),
                                             nullptr, view.get());
  ShardSnapshot out;
  out.set_shard(shard);
  out.set_applied_index(applied.applied_index());
  out.set_applied_term(applied.applied_term());
  out.set_log_time_ms(applied.log_time_ms());
  store_->scan(family::data, key_layout::shard_prefix(shard), key_layout::shard_end(shard), nullptr,
               view.get(), [&](std::string_view key, std::string_view value) {
                 auto* kv = out.add_data();
                 kv->set_key(std::string{key_layout::user_key_of(key)});
                 kv->set_value(std::string{value});
                 return true;
               });
  store_->scan(family::meta, key_layout::session_prefix(shard), key_layout::session_end(shard),
               nullptr, view.get(), [&](std::string_view key, std::string_view value) {
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
               nullptr, nullptr, [&](std::string_view key, std::string_view value) {
                 auto& entry = out.emplace_back();
                 entry.set_client_id(key_layout::client_id_of(key));
                 records::parse(value, *entry.mutable_session());
                 return true;
               });
  return out;
}

std::optional<std::string> engine::import_shard(const ShardSnapshot& snapshot) {
  auto batch = make_batch();
  batch.replace_shard(snapshot);
  return commit(batch, true);
}

} // namespace keel::storage
