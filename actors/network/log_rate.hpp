// log_rate: how often a refusal that keeps happening is logged. The 1st,
// 1000th, 2000th, ... occurrence: enough to notice, and a peer or attacker
// that repeats an invalid message cannot flood the log.
#pragma once

#include <cstdint>

namespace keel::network {

inline bool time_to_log(uint64_t count) { return count == 1 || count % 1000 == 0; }

} // namespace keel::network
