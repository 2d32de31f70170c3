// store_records: the typed reads that the engine and a write_batch share over a
// kv_store: protobuf records by key, the log's compaction point and last index,
// the keys of a range. Internal to the storage core; see key_layout.hpp for what
// lives where. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/storage/core/kv_store.hpp"
#include "messages/storage.pb.h"

namespace keel::storage::records {

/// KEEL_ASSERTs shard < shards: a caller naming a shard the node does not
/// have is a bug.
void check_shard(uint32_t shard, uint32_t shards);

/// Parses a stored record; throws engine_error (errc::corrupt) if it does not
/// parse: a read's failure (storage_error.hpp).
void parse(std::string_view bytes, google::protobuf::MessageLite& record);

/// The record at `key` in `f`, or nullopt if there is none. Throws
/// engine_error if the stored bytes do not parse.
template <class T>
std::optional<T> find(const kv_store& store, family f, std::string_view key,
                      const kv_store::batch* through) {
  auto bytes = store.get(f, key, through);
  if (!bytes)
    return std::nullopt;
  T record;
  parse(*bytes, record);
  return record;
}

/// Like find(), but a missing record reads as T{} (all zero).
template <class T>
T read(const kv_store& store, family f, std::string_view key, const kv_store::batch* through) {
  return find<T>(store, f, key, through).value_or(T{});
}

/// The compaction point of the log of `shard`.
LogState log_state(const kv_store& store, uint32_t shard, const kv_store::batch* through);

/// The index of the last log entry of `shard`, or the compaction point if the
/// log holds no entry (etcd raft's Storage.LastIndex).
uint64_t last_index(const kv_store& store, uint32_t shard, const kv_store::batch* through);

/// The keys of `f` in [lo, hi), in order.
std::vector<std::string> keys_in(const kv_store& store, family f, std::string_view lo,
                                 std::string_view hi, const kv_store::batch* through);

} // namespace keel::storage::records
