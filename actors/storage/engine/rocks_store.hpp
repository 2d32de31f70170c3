// rocks_store: the kv_store of a node on disk, one RocksDB instance with one
// column family per storage family (key_layout.hpp). Batches are RocksDB
// WriteBatches, indexed (WriteBatchWithIndex) at the first read through one:
// such reads see the batch's own uncommitted writes on top of the database
// (GetFromBatchAndDB / NewIteratorWithBase), which is how the state machine
// applies several commands to one key inside one atomic batch.
// Opened by open_rocks_engine (engine.hpp), which checks the directory first.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/storage/core/kv_store.hpp"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Iterator;
class Snapshot;
class Slice;
} // namespace rocksdb

namespace keel::storage {

class rocks_store final : public kv_store {
public:
  /// Takes ownership of an open DB and its handles, one per family in the
  /// order of enum class family (key_layout's family names).
  rocks_store(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> families, std::string dir);

  /// TEST ONLY (unsafe_switches::skip_fsync): from now on commits bypass the
  /// write-ahead log, so a kill -9 loses what no table file holds yet.
  void bypass_write_ahead_log() { without_wal_ = true; }
  ~rocks_store() override;

  rocks_store(const rocks_store&) = delete;
  rocks_store& operator=(const rocks_store&) = delete;

  const std::string& name() const override { return dir_; }
  std::unique_ptr<batch> make_batch() const override;
  result<void> commit(batch& pending, bool sync) override;
  result<void> sync() override;
  std::optional<std::string> get(family f, std::string_view key,
                                 const batch* through) const override;
  void scan(family f, std::string_view lo, std::string_view hi, const batch* through,
            const visitor& visit) const override;
  std::optional<std::string> last_key(family f, std::string_view lo, std::string_view hi,
                                      const batch* through) const override;

  /// A RocksDB checkpoint of the whole database (its memtables flushed first,
  /// its table files hard-linked, the log written since copied), opened read
  /// only in views_dir(dir) and removed again when the view is dropped.
  /// Taking one costs a flush; reading it holds no writer.
  std::shared_ptr<const kv_store> read_view() const override;

  /// Where the read views of the store in `dir` live: beside it, so that the
  /// store's own directory holds only RocksDB's files. open_rocks_store
  /// removes what a crash left there.
  static std::string views_dir(const std::string& dir) { return dir + ".views"; }

private:
  rocksdb::ColumnFamilyHandle* handle(family f) const { return families_[static_cast<size_t>(f)]; }
  std::unique_ptr<rocksdb::Iterator> iterate(family f, const batch* through,
                                             const rocksdb::Slice* lower,
                                             const rocksdb::Slice* upper) const;

  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  std::string dir_;
  bool without_wal_ = false;
  bool is_view_ = false;                         // a read view: its directory goes with it
  mutable std::atomic<uint64_t> views_taken_{0}; // names the views' directories
};

} // namespace keel::storage
