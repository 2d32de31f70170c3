// monotonic_clock: the one clock keel-bench measures with and stamps history
// events with (steady_clock, in nanoseconds), so that latencies, failover times
// and history times are on one scale.
#pragma once

#include <chrono>
#include <cstdint>

namespace keel::bench {

/// Nanoseconds of std::chrono::steady_clock since its epoch (boot).
inline uint64_t monotonic_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count());
}

} // namespace keel::bench
