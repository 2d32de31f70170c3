#include "actors/storage/core/store_records.hpp"

#include "actors/storage/core/key_layout.hpp"

namespace keel::storage::records {

void check_shard(uint32_t shard, uint32_t shards) {
  KEEL_ASSERT(shard < shards, "a shard this node does not have");
}

void parse(std::string_view bytes, google::protobuf::MessageLite& record) {
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw engine_error(
      {errc::corrupt, "a stored " + record.GetTypeName() + " record does not parse"});
}

LogState log_state(const kv_store& store, uint32_t shard, const kv_store::batch* through) {
  return read<LogState>(store, family::meta, key_layout::log_state_key(shard), through);
}

uint64_t last_index(const kv_store& store, uint32_t shard, const kv_store::batch* through) {
  auto last = store.last_key(family::log, key_layout::shard_prefix(shard),
                             key_layout::shard_end(shard), through);
  if (last)
    return key_layout::index_of(*last);
  return log_state(store, shard, through).snapshot_index();
}

std::vector<std::string> keys_in(const kv_store& store, family f, std::string_view lo,
                                 std::string_view hi, const kv_store::batch* through) {
  std::vector<std::string> keys;
  store.scan(f, lo, hi, through, [&](std::string_view key, std::string_view) {
    keys.emplace_back(key);
    return true;
  });
  return keys;
}

} // namespace keel::storage::records
