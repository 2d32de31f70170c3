// rocks_store: the opened RocksDB instance with its column families, and the
// reads that both the engine and a write_batch need. A read takes an optional
// pending batch: with one it sees the batch's own uncommitted writes on top of
// the database (WriteBatchWithIndex::GetFromBatchAndDB / NewIteratorWithBase),
// which is how the state machine applies several commands to one key inside
// one atomic batch. Internal to actors/storage/engine; see key_layout.hpp for
// what lives where.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "messages/raft.pb.h"
#include "messages/storage.pb.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Iterator;
class Snapshot;
class Status;
class Slice;
class WriteBatchWithIndex;
} // namespace rocksdb

namespace keel::storage {

/// A RocksDB read or write failed (I/O error, corruption) or a stored record
/// does not parse. The storage actor lets it crash the actor: its supervisor
/// restarts it from durable state, and nothing unconfirmed is acknowledged.
class engine_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The open database. Owns the DB and its column family handles.
class rocks_store {
public:
  /// Takes ownership of an open DB and its handles (in key_layout order:
  /// identity, data, log, meta).
  rocks_store(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> families,
              uint32_t shards, std::string dir);
  ~rocks_store();

  rocks_store(const rocks_store&) = delete;
  rocks_store& operator=(const rocks_store&) = delete;

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* identity_family() const { return families_[0]; }
  rocksdb::ColumnFamilyHandle* data_family() const { return families_[1]; }
  rocksdb::ColumnFamilyHandle* log_family() const { return families_[2]; }
  rocksdb::ColumnFamilyHandle* meta_family() const { return families_[3]; }
  uint32_t shards() const { return shards_; }
  const std::string& dir() const { return dir_; }

  /// Throws std::out_of_range unless shard < shards(): a caller naming a
  /// shard this node does not have is a bug.
  void check_shard(uint32_t shard) const;

  /// The value at `key` in `family`, seen through `pending` if given, at
  /// `snapshot` if given. Throws engine_error on a RocksDB error.
  std::optional<std::string> read(rocksdb::ColumnFamilyHandle* family,
                                  std::string_view key,
                                  const rocksdb::WriteBatchWithIndex* pending,
                                  const rocksdb::Snapshot* snapshot = nullptr) const;

  /// Like read(), parsed as a protobuf record, or nullopt if there is none.
  /// Throws engine_error if the stored bytes do not parse.
  template <class T>
  std::optional<T> find_record(rocksdb::ColumnFamilyHandle* family, std::string_view key,
                               const rocksdb::WriteBatchWithIndex* pending,
                               const rocksdb::Snapshot* snapshot = nullptr) const {
    auto bytes = read(family, key, pending, snapshot);
    if (!bytes)
      return std::nullopt;
    T record;
    parse(*bytes, record);
    return record;
  }

  /// Like find_record(), but a missing record reads as T{} (all zero).
  template <class T>
  T read_record(rocksdb::ColumnFamilyHandle* family, std::string_view key,
                const rocksdb::WriteBatchWithIndex* pending,
                const rocksdb::Snapshot* snapshot = nullptr) const {
    return find_record<T>(family, key, pending, snapshot).value_or(T{});
  }

  /// Calls `visit(key, value)` for every key of `family` in [lo, hi), in key
  /// order, seen through `pending` if given, at `snapshot` if given, until
  /// `visit` returns false.
  void scan(rocksdb::ColumnFamilyHandle* family, const std::string& lo,
            const std::string& hi, const rocksdb::WriteBatchWithIndex* pending,
            const rocksdb::Snapshot* snapshot,
            const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

  /// Whether `family` holds no key at all (committed state).
  bool empty(rocksdb::ColumnFamilyHandle* family) const;

  /// The log's compaction point of `shard`.
  LogState log_state(uint32_t shard, const rocksdb::WriteBatchWithIndex* pending) const;

  /// The index of the last log entry of `shard`, or the compaction point if
  /// the log holds no entry (etcd raft's Storage.LastIndex).
  uint64_t last_index(uint32_t shard, const rocksdb::WriteBatchWithIndex* pending) const;

  /// The keys in `family` in [lo, hi), through `pending`.
  std::vector<std::string> keys_in(rocksdb::ColumnFamilyHandle* family,
                                   const std::string& lo, const std::string& hi,
                                   const rocksdb::WriteBatchWithIndex* pending) const;

  /// Parses a stored record; throws engine_error if it does not parse.
  static void parse(std::string_view bytes, google::protobuf::MessageLite& record);

private:
  std::unique_ptr<rocksdb::Iterator> iterate(rocksdb::ColumnFamilyHandle* family,
                                             const rocksdb::WriteBatchWithIndex* pending,
                                             const rocksdb::Snapshot* snapshot,
                                             const rocksdb::Slice* lower = nullptr,
                                             const rocksdb::Slice* upper = nullptr) const;


  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  uint32_t shards_;
  std::string dir_;
};

/// Throws engine_error unless `status` is OK; `what` names the operation.
void check(const rocksdb::Status& status, std::string_view what);

} // namespace keel::storage
