// The client's one retry policy: where the next attempt of an operation goes
// (the leader a node hinted at, the shard's cached leader, or the next endpoint
// in rotation) and how long to wait before it (exponential backoff with full
// jitter, capped, never past the operation's deadline). Pure: time comes in as
// elapsed milliseconds, randomness from an injected seed. Owned by one client
// session (actors/client/client.cpp), which runs one or more operations on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "actors/client/core/outcome.hpp"

namespace keel::client {

/// Backoff bounds. A bound of 0 is taken as 1, and a cap below the first
/// bound as that bound.
struct retry_settings {
  uint32_t initial_backoff_ms = 10; // bound of the first wait
  uint32_t max_backoff_ms = 500;    // cap of every wait
};

/// One operation's way through the endpoints. Created by retry_policy::begin.
struct retry_state {
  uint32_t shard = 0;      // the key's shard (0 when the client knows no shards)
  size_t endpoint = 0;     // target of the current attempt
  uint32_t backoffs = 0;   // how often this operation has waited so far
  std::vector<bool> tried; // tried[i]: this operation has tried endpoint i
};

/// Where the next attempt goes, and how long to wait before it.
struct next_attempt {
  size_t endpoint = 0;
  uint32_t delay_ms = 0;
};

/// Routes and paces the attempts of a client's operations.
///
/// Routing (Raft paper §8: a client that reaches a non-leader is told the
/// leader): each shard's leader, once it answered, is cached and receives the
/// shard's next operations; a NOT_LEADER answer with a hint sends the next
/// attempt to the hinted node; any other failure rotates to the next endpoint.
///
/// Pacing: an attempt at an endpoint the operation has not tried yet goes out
/// at once (a refused connection or a redirect costs no wait); once the
/// operation comes back to an endpoint, it waits a full-jitter backoff,
/// uniform in [0, min(max_backoff_ms, initial_backoff_ms * 2^n)] for the n-th
/// wait, so that clients retrying through an election do not stampede.
class retry_policy {
public:
  /// `endpoint_ids[i]` is the node id of endpoint i ("" when unknown): hints
  /// name nodes, and only endpoints with an id can be hinted at.
  // REQUIRES: !endpoint_ids.empty()
  retry_policy(std::vector<std::string> endpoint_ids, retry_settings settings, uint64_t seed);

  /// Starts an operation on `shard`. Its first attempt goes to the shard's
  /// cached leader or, with none cached, to the endpoint the rotation is at.
  retry_state begin(uint32_t shard);

  /// Starts an operation that any replica of the shard can serve (a
  /// serializable read): its first attempt goes to the endpoint the rotation
  /// is at, and the rotation moves on, so that such reads spread over the
  /// nodes instead of all going to the leader. Its answers must not be taken
  /// for the leader's (no leader_answered).
  retry_state begin_any(uint32_t shard);

  /// Plans the attempt after a failed one, or returns nullopt when waiting for
  /// it would reach the deadline (`elapsed_ms` since the operation began,
  /// `timeout_ms` its whole budget): the operation is then over.
  /// `leader_hint` is the node id a NOT_LEADER answer named ("" if none).
  std::optional<next_attempt> after(retry_state& s, failure why, std::string_view leader_hint,
                                    uint64_t elapsed_ms, uint64_t timeout_ms);

  /// Records that the shard's leader answered the attempt at s.endpoint:
  /// the shard's next operations go there first.
  void leader_answered(const retry_state& s);

  /// The endpoint cached as the leader of `shard`, if any.
  std::optional<size_t> cached_leader(uint32_t shard) const;

  /// The n-th backoff (n = 0 for the first), drawn with full jitter.
  uint32_t backoff_ms(uint32_t n);

  size_t endpoint_count() const { return ids_.size(); }

private:
  std::optional<size_t> endpoint_of(std::string_view node_id) const;

  std::vector<std::string> ids_;
  retry_settings settings_;
  std::mt19937_64 prng_;
  std::map<uint32_t, size_t> leaders_; // shard -> endpoint that last led it
  size_t cursor_ = 0;                  // rotation position; invariant: < ids_.size()
};

} // namespace keel::client
