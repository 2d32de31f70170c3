// wall_clock: the time of day, for the checks that need one (certificate
// validity, the freshness of operator proofs). The pure security core takes
// time as an argument; the shells read it here, in one place.
#pragma once

#include <chrono>
#include <cstdint>

namespace keel::network {

inline uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

inline int64_t wall_seconds() { return static_cast<int64_t>(wall_ms() / 1000); }

} // namespace keel::network
