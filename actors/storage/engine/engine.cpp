#include "actors/storage/engine/engine.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "actors/storage/engine/data_dir.hpp"
#include "actors/storage/engine/key_layout.hpp"

namespace keel::storage {

namespace {

rocksdb::DBOptions db_options(data_dir::kind kind) {
  rocksdb::DBOptions options;
  bool fresh = kind == data_dir::kind::fresh;
  options.create_if_missing = fresh;
  options.create_missing_column_families = fresh;
  options.error_if_exists = fresh;
  options.paranoid_checks = true;
  // A record torn by a crash mid-write was never acknowledged (acknowledged
  // writes are fsynced first), so dropping it is safe; any other damage
  // refuses to open. wal_check.hpp covers what RocksDB takes for a torn tail.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.db_write_buffer_size = 64 << 20; // memtables of all families together
  options.max_background_jobs = 2;         // the machines have 2 cores
  options.keep_log_file_num = 4;           // RocksDB's own LOG files
  return options;
}

std::vector<rocksdb::ColumnFamilyDescriptor> families() {
  rocksdb::ColumnFamilyOptions options;
  options.write_buffer_size = 16 << 20;
  return {{key_layout::identity_family, options},
          {key_layout::data_family, options},
          {key_layout::log_family, options},
          {key_layout::meta_family, options}};
}

bool holds_any_record(const rocks_store& store) {
  for (auto* family : {store.data_family(), store.log_family(), store.meta_family()})
    if (!store.empty(family))
      return true;
  return false;
}

/// Writes the identity of a new directory, or checks the one found (§ the
/// NodeIdentity comment in storage.proto).
std::optional<std::string> check_identity(rocks_store& store, const std::string& node_id,
                                          uint32_t shards) {
  const auto& dir = store.dir();
  auto found = store.find_record<NodeIdentity>(store.identity_family(),
                                               key_layout::identity_key, nullptr);
  if (!found) {
    // A crash between creating the database and writing its identity leaves
    // an empty database: finish creating it. Data without identity is foreign.
    if (holds_any_record(store))
      return "not a keel data directory: " + dir
             + " holds a RocksDB database with data but no node identity record";
    NodeIdentity identity;
    identity.set_node_id(node_id);
    identity.set_shards(shards);
    identity.set_format(key_layout::format_version);
    rocksdb::WriteOptions options;
    options.sync = true;
    auto status = store.db()->Put(options, store.identity_family(),
                                  std::string{key_layout::identity_key},
                                  identity.SerializeAsString());
    if (!status.ok())
      return "cannot write the node identity to " + dir + ": " + status.ToString();
    return std::nullopt;
  }
  if (found->format() != key_layout::format_version)
    return "data directory " + dir + " has on-disk format "
           + std::to_string(found->format()) + "; this keel-node reads format "
           + std::to_string(key_layout::format_version);
  if (found->node_id() != node_id)
    return "data directory " + dir + " belongs to node '" + found->node_id()
           + "', not to node '" + node_id + "' (check --node and data_dir)";
  if (found->shards() != shards)
    return "data directory " + dir + " was created with " + std::to_string(found->shards())
           + " shards, but the configuration says " + std::to_string(shards)
           + " (the shard count of a cluster cannot change)";
  return std::nullopt;
}

} // namespace

engine::open_result engine::open(const std::string& dir, const std::string& node_id,
                                 uint32_t shards) {
  if (shards == 0)
    return std::string{"cannot open data directory " + dir + ": shards must be at least 1"};
  auto classified = data_dir::classify(dir);
  if (auto* error = std::get_if<std::string>(&classified))
    return *error;
  auto kind = std::get<data_dir::kind>(classified);
  if (kind == data_dir::kind::existing)
    if (auto problem = data_dir::check_write_ahead_logs(dir))
      return *problem;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto status = rocksdb::DB::Open(db_options(kind), dir, families(), &handles, &db);
  if (!status.ok())
    return data_dir::explain_open_failure(dir, status.ToString());
  auto store = std::make_unique<rocks_store>(db, std::move(handles), shards, dir);
  try {
    if (auto problem = check_identity(*store, node_id, shards))
      return *problem;
  } catch (const engine_error& e) {
    return "cannot read the node identity of " + dir + ": " + e.what();
  }
  return std::unique_ptr<engine>{new engine(std::move(store), node_id)};
}

engine::engine(std::unique_ptr<rocks_store> store, std::string node_id)
  : store_(std::move(store)), node_id_(std::move(node_id)) {
}

engine::~engine() = default;

std::optional<std::string> engine::get(uint32_t shard, std::string_view key) const {
  store_->check_shard(shard);
  return store_->read(store_->data_family(), key_layout::data_key(shard, key), nullptr);
}

AppliedState engine::applied(uint32_t shard) const {
  store_->check_shard(shard);
  return store_->read_record<AppliedState>(store_->meta_family(),
                                           key_layout::applied_key(shard), nullptr);
}

std::optional<ClientSession> engine::session(uint32_t shard, uint64_t client_id) const {
  store_->check_shard(shard);
  return store_->find_record<ClientSession>(
    store_->meta_family(), key_layout::session_key(shard, client_id), nullptr);
}

raft::HardState engine::hard_state(uint32_t shard) const {
  store_->check_shard(shard);
  return store_->read_record<raft::HardState>(store_->meta_family(),
                                              key_layout::hard_state_key(shard), nullptr);
}

LogState engine::log_state(uint32_t shard) const {
  store_->check_shard(shard);
  return store_->log_state(shard, nullptr);
}

uint64_t engine::first_index(uint32_t shard) const {
  return log_state(shard).snapshot_index() + 1;
}

uint64_t engine::last_index(uint32_t shard) const {
  store_->check_shard(shard);
  return store_->last_index(shard, nullptr);
}

std::variant<std::vector<raft::Entry>, log_errc>
engine::entries(uint32_t shard, uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  store_->check_shard(shard);
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
  // One RocksDB snapshot: a concurrent append or compaction cannot tear it.
  rocksdb::ManagedSnapshot snapshot{store_->db()};
  uint64_t bytes = 0;
  store_->scan(store_->log_family(), key_layout::log_key(shard, lo),
               key_layout::log_key(shard, hi), nullptr, snapshot.snapshot(),
               [&](std::string_view, std::string_view value) {
                 raft::Entry entry;
                 rocks_store::parse(value, entry);
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
  auto entry = store_->find_record<raft::Entry>(store_->log_family(),
                                                key_layout::log_key(shard, index), nullptr);
  if (entry)
    return entry->term();
  if (index > last_index(shard))
    return log_errc::unavailable;
  throw engine_error("the log of shard " + std::to_string(shard) + " in " + dir()
                     + " has no entry at index " + std::to_string(index));
}

write_batch engine::make_batch() const {
  return write_batch{*store_};
}

std::optional<std::string> engine::commit(write_batch& batch, bool sync) {
  if (batch.store_ != store_.get())
    throw std::logic_error("commit of a batch made by another engine");
  if (batch.empty())
    return std::nullopt;
  rocksdb::WriteOptions options;
  options.sync = sync;
  auto status = store_->db()->Write(options, batch.pending_->GetWriteBatch());
  if (!status.ok())
    return "commit to " + dir() + " failed: " + status.ToString();
  batch.pending_->Clear();
  commits_.fetch_add(1, std::memory_order_relaxed);
  if (sync)
    synced_commits_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

ShardSnapshot engine::export_shard(uint32_t shard) const {
  store_->check_shard(shard);
  rocksdb::ManagedSnapshot snapshot{store_->db()};
  auto applied = store_->read_record<AppliedState>(
    store_->meta_family(), key_layout::applied_key(shard), nullptr, snapshot.snapshot());
  ShardSnapshot out;
  out.set_shard(shard);
  out.set_applied_index(applied.applied_index());
  out.set_applied_term(applied.applied_term());
  out.set_log_time_ms(applied.log_time_ms());
  store_->scan(store_->data_family(), key_layout::shard_prefix(shard),
               key_layout::shard_end(shard), nullptr, snapshot.snapshot(),
               [&](std::string_view key, std::string_view value) {
                 auto* kv = out.add_data();
                 kv->set_key(std::string{key_layout::user_key_of(key)});
                 kv->set_value(std::string{value});
                 return true;
               });
  store_->scan(store_->meta_family(), key_layout::session_prefix(shard),
               key_layout::session_end(shard), nullptr, snapshot.snapshot(),
               [&](std::string_view key, std::string_view value) {
                 auto* entry = out.add_sessions();
                 entry->set_client_id(key_layout::client_id_of(key));
                 rocks_store::parse(value, *entry->mutable_session());
                 return true;
               });
  return out;
}

std::vector<SessionEntry> engine::sessions(uint32_t shard) const {
  store_->check_shard(shard);
  std::vector<SessionEntry> out;
  store_->scan(store_->meta_family(), key_layout::session_prefix(shard),
               key_layout::session_end(shard), nullptr, nullptr,
               [&](std::string_view key, std::string_view value) {
                 auto& entry = out.emplace_back();
                 entry.set_client_id(key_layout::client_id_of(key));
                 rocks_store::parse(value, *entry.mutable_session());
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
