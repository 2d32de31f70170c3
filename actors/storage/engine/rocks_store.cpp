#include "actors/storage/engine/rocks_store.hpp"

#include <filesystem>
#include <memory>

#include <rocksdb/comparator.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include "actors/storage/engine/rocks_options.hpp"

namespace keel::storage {

namespace {

rocksdb::Slice slice(std::string_view bytes) { return {bytes.data(), bytes.size()}; }

storage_error error_of(const rocksdb::Status& status) {
  return {status.IsCorruption() ? errc::corrupt : errc::io, status.ToString()};
}

/// A read's check (the let-it-crash rule of storage_error.hpp).
void check(const rocksdb::Status& status, std::string_view what) {
  if (status.ok())
    return;
  auto error = error_of(status);
  error.detail = std::string{what} + ": " + error.detail;
  throw engine_error(std::move(error));
}

// Writes go to a plain WriteBatch, an append to one buffer. Only a read
// through the batch needs an index over them (a Delete or a Cas testing a key
// an earlier command of the same batch wrote, a retry's session record, a
// suffix or a shard being replaced), so the first such read replays the
// writes into a WriteBatchWithIndex, which takes every later write. Most
// batches on the write path are never read through: they skip the index's
// skip list and its arena, which cost as much as the writes themselves.
class rocks_batch final : public kv_store::batch {
public:
  rocks_batch(const kv_store* owner, const std::vector<rocksdb::ColumnFamilyHandle*>& families)
    : batch(owner),
      families_(&families) {}

  void put(family f, std::string_view key, std::string_view value) override {
    // Staging fails only for a record over 4 GiB, which the input limits exclude.
    auto staged = indexed_ ? indexed_->Put(handle(f), slice(key), slice(value))
                           : plain_.Put(handle(f), slice(key), slice(value));
    KEEL_ASSERT(staged.ok(), "staging a put failed");
  }
  void del(family f, std::string_view key) override {
    auto staged
      = indexed_ ? indexed_->Delete(handle(f), slice(key)) : plain_.Delete(handle(f), slice(key));
    KEEL_ASSERT(staged.ok(), "staging a delete failed");
  }
  uint32_t count() const override { return writes().Count(); }
  void clear() override {
    plain_.Clear();
    indexed_.reset();
  }

  /// Every write staged so far, in order: what a commit hands to RocksDB.
  rocksdb::WriteBatch& writes() const { return indexed_ ? *indexed_->GetWriteBatch() : plain_; }

  /// The writes with an index for reads through the batch, built on the
  /// first call. RocksDB's read API takes it non-const although it only reads.
  rocksdb::WriteBatchWithIndex& index() const {
    if (!indexed_) {
      // overwrite_key: the index keeps only the latest write per key, which
      // is what GetFromBatchAndDB and the batch iterators must see.
      indexed_
        = std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0, true);
      replay into{*indexed_, *families_};
      auto replayed = plain_.Iterate(&into);
      KEEL_ASSERT(replayed.ok(), "indexing a staged batch failed");
      plain_.Clear();
    }
    return *indexed_;
  }

private:
  // Re-stages a plain batch's writes into an indexed one, in order.
  struct replay final : rocksdb::WriteBatch::Handler {
    replay(rocksdb::WriteBatchWithIndex& to,
           const std::vector<rocksdb::ColumnFamilyHandle*>& families)
      : to(to),
        families(families) {}
    rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
      return to.Put(family_of(id), key, value);
    }
    rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
      return to.Delete(family_of(id), key);
    }
    rocksdb::ColumnFamilyHandle* family_of(uint32_t id) const {
      for (auto* h : families)
        if (h->GetID() == id)
          return h;
      KEEL_ASSERT(false, "a staged write to a column family the store does not have");
      return nullptr;
    }
    rocksdb::WriteBatchWithIndex& to;
    const std::vector<rocksdb::ColumnFamilyHandle*>& families;
  };

  rocksdb::ColumnFamilyHandle* handle(family f) const {
    return (*families_)[static_cast<size_t>(f)];
  }

  const std::vector<rocksdb::ColumnFamilyHandle*>* families_;
  mutable rocksdb::WriteBatch plain_;
  mutable std::unique_ptr<rocksdb::WriteBatchWithIndex> indexed_;
};

} // namespace

rocks_store::rocks_store(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> families,
                         std::string dir)
  : db_(db),
    families_(std::move(families)),
    dir_(std::move(dir)) {
  KEEL_ASSERT(families_.size() == family_count,
              "rocks_store needs one column family per storage family");
}

rocks_store::~rocks_store() {
  for (auto* family : families_)
    db_->DestroyColumnFamilyHandle(family);
  // Close() waits for background flushes and compactions; its status cannot
  // change anything anymore (every acknowledged write was already synced).
  db_->Close().PermitUncheckedError();
  delete db_;
  if (is_view_) {
    // Best effort: open_rocks_store removes what is left at the next start.
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::shared_ptr<const kv_store> rocks_store::read_view() const {
  namespace fs = std::filesystem;
  auto root = views_dir(dir_);
  auto at = root + "/" + std::to_string(views_taken_.fetch_add(1) + 1);
  auto check_step = [&](const rocksdb::Status& status, const std::string& what) {
    if (status.ok())
      return;
    std::error_code ignored;
    fs::remove_all(at, ignored); // a checkpoint half made
    check(status, what);
  };
  std::error_code made;
  fs::create_directories(root, made);
  if (made)
    throw engine_error({errc::io, "cannot create " + root + " for a read view: " + made.message()});
  rocksdb::Checkpoint* raw = nullptr;
  check(rocksdb::Checkpoint::Create(db_, &raw), "a read view of " + dir_);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint{raw};
  // A log size of 0 flushes the memtables first: in-place updates leave no
  // versions a view could keep, so a view is table files, which later
  // writes never change, plus the log written since the flush.
  check_step(checkpoint->CreateCheckpoint(at, /*log_size_for_flush=*/0),
             "a checkpoint of " + dir_ + " in " + at);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  check_step(
    rocksdb::DB::OpenForReadOnly(rocks_db_options(false), at, rocks_families(), &handles, &db),
    "opening the read view " + at);
  auto view = std::make_shared<rocks_store>(db, std::move(handles), at);
  view->is_view_ = true;
  return view;
}

std::unique_ptr<kv_store::batch> rocks_store::make_batch() const {
  return std::make_unique<rocks_batch>(this, families_);
}

namespace {

const rocks_batch* own(const kv_store& store, const kv_store::batch* b) {
  KEEL_ASSERT(!b || b->owner() == &store, "a batch of another store used with this store");
  return static_cast<const rocks_batch*>(b);
}

} // namespace

result<void> rocks_store::commit(batch& pending, bool sync) {
  auto& mine = const_cast<rocks_batch&>(*own(*this, &pending));
  rocksdb::WriteOptions options;
  options.sync = sync && !without_wal_; // RocksDB refuses a synced write without its log
  options.disableWAL = without_wal_;
  auto status = db_->Write(options, &mine.writes());
  if (!status.ok())
    return error_of(status);
  mine.clear();
  return {};
}

result<void> rocks_store::sync() {
  if (without_wal_) // nothing was logged to sync (unsafe_switches::skip_fsync)
    return {};
  // SyncWAL fsyncs every live log file: all that Write() put there before.
  if (auto status = db_->SyncWAL(); !status.ok())
    return error_of(status);
  return {};
}

std::optional<std::string> rocks_store::get(family f, std::string_view key,
                                            const batch* through) const {
  rocksdb::ReadOptions options;
  std::string value;
  auto status = through ? own(*this, through)
                            ->index()
                            .GetFromBatchAndDB(db_, options, handle(f), slice(key), &value)
                        : db_->Get(options, handle(f), slice(key), &value);
  if (status.IsNotFound())
    return std::nullopt;
  check(status, "read from " + dir_);
  return value;
}

std::unique_ptr<rocksdb::Iterator> rocks_store::iterate(family f, const batch* through,
                                                        const rocksdb::Slice* lower,
                                                        const rocksdb::Slice* upper) const {
  rocksdb::ReadOptions options;
  // Bounds keep a seek from walking through deleted keys outside the range:
  // a compacted log leaves thousands of tombstones at the head of each
  // shard's range, right after the previous shard's live entries. The
  // slices must outlive the iterator (callers keep them on their stack).
  options.iterate_lower_bound = lower;
  options.iterate_upper_bound = upper;
  // Data and meta have a prefix extractor (the whole key, for their hashed
  // memtables, rocks_options.cpp): without total order a seek there would see one
  // key's versions, not the range.
  options.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> base{db_->NewIterator(options, handle(f))};
  if (!through)
    return base;
  // The batch iterator takes ownership of the base iterator.
  return std::unique_ptr<rocksdb::Iterator>{
    own(*this, through)->index().NewIteratorWithBase(handle(f), base.release())};
}

void rocks_store::scan(family f, std::string_view lo, std::string_view hi, const batch* through,
                       const visitor& visit) const {
  auto lower = slice(lo), upper = slice(hi);
  auto it = iterate(f, through, &lower, &upper);
  for (it->Seek(lower); it->Valid() && it->key().compare(upper) < 0; it->Next())
    if (!visit(it->key().ToStringView(), it->value().ToStringView()))
      return;
  check(it->status(), "scan of " + dir_);
}

std::optional<std::string> rocks_store::last_key(family f, std::string_view lo, std::string_view hi,
                                                 const batch* through) const {
  check_backward_read(f);
  auto lower = slice(lo), upper = slice(hi);
  auto it = iterate(f, through, &lower, &upper);
  it->SeekForPrev(upper);
  // The bounds hold for the database only, not for the batch's own keys.
  if (it->Valid() && it->key().compare(upper) >= 0)
    it->Prev();
  if (it->Valid() && it->key().compare(lower) >= 0)
    return it->key().ToString();
  check(it->status(), "scan of " + dir_);
  return std::nullopt;
}

} // namespace keel::storage
