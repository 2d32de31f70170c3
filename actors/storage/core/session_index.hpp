// session_index: what the state machine needs to know of each of a shard's
// client sessions to decide a command, kept in memory, and which session
// expires or is evicted next. The session records themselves live in the
// engine (in the same atomic batch as the data); this index mirrors every
// field of them but the cached response, so that a new write, a stale retry
// or a reused seq is decided without a read of the store: only a retry of the
// last seq reads its record, for the answer it must repeat. Every replica
// builds it from the same records and updates it by the same commands, so
// every replica decides alike and picks the same victim; a replica restarted
// from disk builds the same index again. Ties in last-used time go to the
// smaller client id. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "messages/storage.pb.h"

namespace keel::storage {

/// A session record without its cached response.
struct session_summary {
  uint64_t last_seq = 0;
  uint64_t last_used_ms = 0;
  uint64_t digest = 0;  // of the command applied as last_seq; 0 = unknown
  bool expired = false; // a tombstone that only remembers the last seq
  friend bool operator==(const session_summary&, const session_summary&) = default;

  static session_summary of(const ClientSession& record);
};

class session_index {
public:
  struct entry {
    uint64_t client_id = 0;
    session_summary session;
    friend bool operator==(const entry&, const entry&) = default;
  };

  void clear();

  /// Adds or replaces the summary of `client_id`'s record.
  void put(uint64_t client_id, const session_summary& session);

  void erase(uint64_t client_id);

  /// The summary of `client_id`'s record, or null. Valid until the next put
  /// or erase.
  const session_summary* find(uint64_t client_id) const;

  bool contains(uint64_t client_id) const { return by_client_.contains(client_id); }

  /// Live and expired records together: what the session bound counts.
  size_t size() const { return by_client_.size(); }

  /// The least recently used live session, if any.
  std::optional<entry> oldest_live() const { return first(live_); }

  /// The least recently used expired session, if any.
  std::optional<entry> oldest_expired() const { return first(expired_); }

private:
  using order = std::set<std::pair<uint64_t, uint64_t>>; // (last_used_ms, client_id)

  std::optional<entry> first(const order& o) const;

  std::unordered_map<uint64_t, session_summary> by_client_;
  order live_;
  order expired_;
};

} // namespace keel::storage
