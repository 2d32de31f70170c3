#include "actors/storage/engine/rocks_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "actors/storage/engine/key_layout.hpp"

namespace keel::storage {

void check(const rocksdb::Status& status, std::string_view what) {
  if (!status.ok())
    throw engine_error(std::string{what} + ": " + status.ToString());
}

rocks_store::rocks_store(rocksdb::DB* db,
                         std::vector<rocksdb::ColumnFamilyHandle*> families,
                         uint32_t shards, std::string dir)
  : db_(db), families_(std::move(families)), shards_(shards), dir_(std::move(dir)) {
  // invariant: one handle per family of key_layout, in its order.
  if (families_.size() != 4)
    throw std::logic_error("rocks_store needs exactly 4 column families");
}

rocks_store::~rocks_store() {
  for (auto* family : families_)
    db_->DestroyColumnFamilyHandle(family);
  // Close() waits for background flushes and compactions; its status cannot
  // change anything anymore (every acknowledged write was already synced).
  db_->Close().PermitUncheckedError();
  delete db_;
}

void rocks_store::check_shard(uint32_t shard) const {
  if (shard >= shards_)
    throw std::out_of_range("shard " + std::to_string(shard)
                            + " out of range: this node has "
                            + std::to_string(shards_) + " shards");
}

std::optional<std::string>
rocks_store::read(rocksdb::ColumnFamilyHandle* family, std::string_view key,
                  const rocksdb::WriteBatchWithIndex* pending,
                  const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  std::string value;
  rocksdb::Slice slice{key.data(), key.size()};
  // GetFromBatchAndDB is not const in RocksDB's API although it only reads.
  auto status = pending
                  ? const_cast<rocksdb::WriteBatchWithIndex*>(pending)
                      ->GetFromBatchAndDB(db_, options, family, slice, &value)
                  : db_->Get(options, family, slice, &value);
  if (status.IsNotFound())
    return std::nullopt;
  check(status, "read from " + dir_);
  return value;
}

void rocks_store::parse(std::string_view bytes, google::protobuf::MessageLite& record) {
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw engine_error("a stored " + record.GetTypeName() + " record does not parse");
}

std::unique_ptr<rocksdb::Iterator>
rocks_store::iterate(rocksdb::ColumnFamilyHandle* family,
                     const rocksdb::WriteBatchWithIndex* pending,
                     const rocksdb::Snapshot* snapshot, const rocksdb::Slice* lower,
                     const rocksdb::Slice* upper) const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  // Bounds keep a seek from walking through deleted keys outside the range:
  // a compacted log leaves thousands of tombstones at the head of each
  // shard's range, right after the previous shard's live entries. The
  // slices must outlive the iterator (callers keep them on their stack).
  options.iterate_lower_bound = lower;
  options.iterate_upper_bound = upper;
  std::unique_ptr<rocksdb::Iterator> base{db_->NewIterator(options, family)};
  if (!pending)
    return base;
  // The batch iterator takes ownership of the base iterator.
  return std::unique_ptr<rocksdb::Iterator>{
    const_cast<rocksdb::WriteBatchWithIndex*>(pending)->NewIteratorWithBase(
      family, base.release())};
}

LogState rocks_store::log_state(uint32_t shard,
                                const rocksdb::WriteBatchWithIndex* pending) const {
  return read_record<LogState>(meta_family(), key_layout::log_state_key(shard), pending);
}

uint64_t rocks_store::last_index(uint32_t shard,
                                 const rocksdb::WriteBatchWithIndex* pending) const {
  auto prefix = key_layout::shard_prefix(shard);
  auto end = key_layout::shard_end(shard);
  rocksdb::Slice lower{prefix}, upper{end};
  auto it = iterate(log_family(), pending, nullptr, &lower, &upper);
  it->SeekForPrev(key_layout::log_key(shard, UINT64_MAX));
  if (it->Valid() && it->key().starts_with(prefix))
    return key_layout::index_of(it->key().ToStringView());
  check(it->status(), "scan of the log in " + dir_);
  return log_state(shard, pending).snapshot_index();
}

void rocks_store::scan(
  rocksdb::ColumnFamilyHandle* family, const std::string& lo, const std::string& hi,
  const rocksdb::WriteBatchWithIndex* pending, const rocksdb::Snapshot* snapshot,
  const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
  rocksdb::Slice lower{lo}, upper{hi};
  auto it = iterate(family, pending, snapshot, &lower, &upper);
  for (it->Seek(lo); it->Valid() && it->key().compare(hi) < 0; it->Next())
    if (!visit(it->key().ToStringView(), it->value().ToStringView()))
      return;
  check(it->status(), "scan of " + dir_);
}

bool rocks_store::empty(rocksdb::ColumnFamilyHandle* family) const {
  auto it = iterate(family, nullptr, nullptr);
  it->SeekToFirst();
  check(it->status(), "scan of " + dir_);
  return !it->Valid();
}

std::vector<std::string>
rocks_store::keys_in(rocksdb::ColumnFamilyHandle* family, const std::string& lo,
                     const std::string& hi,
                     const rocksdb::WriteBatchWithIndex* pending) const {
  std::vector<std::string> keys;
  scan(family, lo, hi, pending, nullptr,
       [&](std::string_view key, std::string_view) {
         keys.emplace_back(key);
         return true;
       });
  return keys;
}

} // namespace keel::storage
