// session_index: which of a shard's client sessions expires or is evicted next.
// The session records themselves live in the engine (in the same atomic batch
// as the data); this in-memory order over them lets the state machine find the
// least recently used one without scanning. Every replica builds it from the
// same records and updates it by the same commands, so every replica picks the
// same victim. Ties in last-used time go to the smaller client id. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

namespace keel::storage {

class session_index {
public:
  struct entry {
    uint64_t client_id = 0;
    uint64_t last_used_ms = 0;
    friend bool operator==(const entry&, const entry&) = default;
  };

  void clear();

  /// Adds or moves `client_id`: a live session, or an expired one (a
  /// tombstone that only remembers the last seq).
  void put(uint64_t client_id, uint64_t last_used_ms, bool expired);

  void erase(uint64_t client_id);

  bool contains(uint64_t client_id) const { return by_client_.contains(client_id); }

  /// Live and expired records together: what the session bound counts.
  size_t size() const { return by_client_.size(); }

  /// The least recently used live session, if any.
  std::optional<entry> oldest_live() const { return first(live_); }

  /// The least recently used expired session, if any.
  std::optional<entry> oldest_expired() const { return first(expired_); }

private:
  using order = std::set<std::pair<uint64_t, uint64_t>>; // (last_used_ms, client_id)

  struct slot {
    uint64_t last_used_ms = 0;
    bool expired = false;
  };

  static std::optional<entry> first(const order& o);

  std::unordered_map<uint64_t, slot> by_client_;
  order live_;
  order expired_;
};

} // namespace keel::storage
