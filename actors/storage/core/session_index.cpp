#include "actors/storage/core/session_index.hpp"

namespace keel::storage {

void session_index::clear() {
  by_client_.clear();
  live_.clear();
  expired_.clear();
}

void session_index::put(uint64_t client_id, uint64_t last_used_ms, bool expired) {
  erase(client_id);
  by_client_.emplace(client_id, slot{last_used_ms, expired});
  (expired ? expired_ : live_).emplace(last_used_ms, client_id);
}

void session_index::erase(uint64_t client_id) {
  auto i = by_client_.find(client_id);
  if (i == by_client_.end())
    return;
  (i->second.expired ? expired_ : live_).erase({i->second.last_used_ms, client_id});
  by_client_.erase(i);
}

std::optional<session_index::entry> session_index::first(const order& o) {
  if (o.empty())
    return std::nullopt;
  return entry{o.begin()->second, o.begin()->first};
}

} // namespace keel::storage
