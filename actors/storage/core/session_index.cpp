#include "actors/storage/core/session_index.hpp"

namespace keel::storage {

session_summary session_summary::of(const ClientSession& record) {
  return {.last_seq = record.last_seq(),
          .last_used_ms = record.last_used_ms(),
          .digest = record.digest(),
          .expired = record.expired()};
}

void session_index::clear() {
  by_client_.clear();
  live_.clear();
  expired_.clear();
}

void session_index::put(uint64_t client_id, const session_summary& session) {
  erase(client_id);
  by_client_.emplace(client_id, session);
  (session.expired ? expired_ : live_).emplace(session.last_used_ms, client_id);
}

void session_index::erase(uint64_t client_id) {
  auto i = by_client_.find(client_id);
  if (i == by_client_.end())
    return;
  (i->second.expired ? expired_ : live_).erase({i->second.last_used_ms, client_id});
  by_client_.erase(i);
}

const session_summary* session_index::find(uint64_t client_id) const {
  auto i = by_client_.find(client_id);
  return i == by_client_.end() ? nullptr : &i->second;
}

std::optional<session_index::entry> session_index::first(const order& o) const {
  if (o.empty())
    return std::nullopt;
  auto client_id = o.begin()->second;
  return entry{client_id, by_client_.at(client_id)};
}

} // namespace keel::storage
