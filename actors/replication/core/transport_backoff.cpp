#include "actors/replication/core/transport_backoff.hpp"

#include <algorithm>

#include "actors/base/core/errors.hpp"

namespace keel::transport {

reconnect_backoff::reconnect_backoff(backoff_bounds bounds, uint64_t seed)
  : bounds_(bounds),
    prng_(seed) {
  KEEL_ASSERT(bounds_.min_ms >= 1 && bounds_.min_ms <= bounds_.max_ms,
              "backoff bounds must satisfy 1 <= min <= max");
}

uint32_t reconnect_backoff::ceiling_ms(uint32_t attempt) const {
  KEEL_ASSERT(attempt >= 1, "attempts count from 1");
  // Doubling a 32-bit minimum more than 32 times passes any 32-bit maximum;
  // stop shifting there instead of overflowing.
  auto doublings = std::min<uint32_t>(attempt - 1, 32);
  auto ceiling = static_cast<uint64_t>(bounds_.min_ms) << doublings;
  return static_cast<uint32_t>(std::min<uint64_t>(ceiling, bounds_.max_ms));
}

uint32_t reconnect_backoff::delay_ms(uint32_t attempt) {
  auto ceiling = ceiling_ms(attempt);
  std::uniform_int_distribution<uint32_t> jitter(ceiling / 2, ceiling);
  return jitter(prng_);
}

} // namespace keel::transport
