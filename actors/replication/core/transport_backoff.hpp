// Reconnect delays of the transport: capped exponential backoff with "equal
// jitter" (half of the ceiling fixed, half random), so that the nodes of a
// cluster that lost a peer at the same moment do not all redial it in
// lockstep, while a dead peer costs at most one attempt per `max_ms`.
// Pure: the PRNG is seeded by the caller; owned by the transport actor.
#pragma once

#include <cstdint>
#include <random>

namespace keel::transport {

/// Bounds of the reconnect delay.
struct backoff_bounds {
  uint32_t min_ms = 50;   // ceiling of the first retry; invariant: 1 <= min_ms <= max_ms
  uint32_t max_ms = 2000; // no retry waits longer
};

/// Computes the delay before each reconnect attempt.
class reconnect_backoff {
public:
  reconnect_backoff(backoff_bounds bounds, uint64_t seed);

  /// The delay before retry number `attempt` (1 = the first retry after a
  /// loss or a failure): uniform in [ceiling / 2, ceiling], where
  /// ceiling = min(max_ms, min_ms * 2^(attempt - 1)). Draws from the PRNG.
  // REQUIRES: attempt >= 1.
  uint32_t delay_ms(uint32_t attempt);

  /// The ceiling for retry number `attempt`, without jitter.
  uint32_t ceiling_ms(uint32_t attempt) const;

  const backoff_bounds& bounds() const { return bounds_; }

private:
  backoff_bounds bounds_;
  std::mt19937_64 prng_;
};

} // namespace keel::transport
