#include "actors/storage/core/session_index.hpp"

#include "actors/base/core/errors.hpp"

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

// Every applied write puts its client's session again: the known client's
// entries are updated where they are, and its node in the order moves from
// one set to the other (or within one) without a new allocation.
void session_index::put(uint64_t client_id, const session_summary& session) {
  auto [it, added] = by_client_.try_emplace(client_id, session);
  auto& to = session.expired ? expired_ : live_;
  if (added) {
    to.emplace(session.last_used_ms, client_id);
    return;
  }
  auto& from = it->second.expired ? expired_ : live_;
  auto node = from.extract({it->second.last_used_ms, client_id});
  KEEL_ASSERT(!node.empty(), "session_index: a known client missing from its order");
  node.value() = {session.last_used_ms, client_id};
  to.insert(std::move(node));
  it->second = session;
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
