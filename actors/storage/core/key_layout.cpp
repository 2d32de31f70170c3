#include "actors/storage/core/key_layout.hpp"

namespace keel::storage::key_layout {

namespace {

constexpr char applied_tag = 'A';
constexpr char hard_state_tag = 'H';
constexpr char log_state_tag = 'L';
constexpr char session_tag = 'S';
constexpr size_t shard_bytes = 4;

void append_be32(std::string& out, uint32_t x) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((x >> shift) & 0xff));
}

void append_be64(std::string& out, uint64_t x) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((x >> shift) & 0xff));
}

uint64_t read_be64(std::string_view bytes) {
  uint64_t x = 0;
  for (size_t i = 0; i < 8; ++i)
    x = (x << 8) | static_cast<uint8_t>(bytes[i]);
  return x;
}

std::string meta_key(uint32_t shard, char tag) {
  auto key = shard_prefix(shard);
  key.push_back(tag);
  return key;
}

} // namespace

std::string shard_prefix(uint32_t shard) {
  std::string key;
  key.reserve(shard_bytes);
  append_be32(key, shard);
  return key;
}

std::string peer_incarnation_key(std::string_view node_id) {
  std::string key{peer_incarnation_prefix};
  key += node_id;
  return key;
}

std::string shard_end(uint32_t shard) {
  if (shard == UINT32_MAX)
    return std::string(shard_bytes + 1, '\xff');
  return shard_prefix(shard + 1);
}

std::string data_key(uint32_t shard, std::string_view user_key) {
  auto key = shard_prefix(shard);
  key.append(user_key);
  return key;
}

std::string_view user_key_of(std::string_view data_key) { return data_key.substr(shard_bytes); }

std::string log_key(uint32_t shard, uint64_t index) {
  auto key = shard_prefix(shard);
  append_be64(key, index);
  return key;
}

uint64_t index_of(std::string_view log_key) { return read_be64(log_key.substr(shard_bytes)); }

std::string applied_key(uint32_t shard) { return meta_key(shard, applied_tag); }

std::string hard_state_key(uint32_t shard) { return meta_key(shard, hard_state_tag); }

std::string log_state_key(uint32_t shard) { return meta_key(shard, log_state_tag); }

std::string session_prefix(uint32_t shard) { return meta_key(shard, session_tag); }

std::string session_end(uint32_t shard) { return meta_key(shard, session_tag + 1); }

std::string session_key(uint32_t shard, uint64_t client_id) {
  auto key = session_prefix(shard);
  append_be64(key, client_id);
  return key;
}

uint64_t client_id_of(std::string_view session_key) {
  return read_be64(session_key.substr(shard_bytes + 1));
}

} // namespace keel::storage::key_layout
