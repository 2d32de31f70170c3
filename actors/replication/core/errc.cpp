// Names of the Raft core's error codes, and the invariant-failure crash.
#include "actors/replication/core/errc.hpp"

#include <cstdio>
#include <cstdlib>

namespace keel::raft {

const char* to_string(errc code) {
  switch (code) {
    case errc::not_leader:
      return "not_leader";
    case errc::proposal_dropped:
      return "proposal_dropped";
    case errc::unknown_peer:
      return "unknown_peer";
    case errc::compacted:
      return "compacted";
    case errc::unavailable:
      return "unavailable";
    case errc::snapshot_out_of_date:
      return "snapshot_out_of_date";
    case errc::snapshot_temporarily_unavailable:
      return "snapshot_temporarily_unavailable";
    case errc::invalid_message:
      return "invalid_message";
  }
  return "unknown";
}

namespace detail {

void invariant_failed(const char* file, int line, const char* condition, const char* what) {
  std::fprintf(stderr, "raft invariant broken at %s:%d: %s (%s)\n", file, line, what, condition);
  std::fflush(stderr);
  std::abort();
}

} // namespace detail

} // namespace keel::raft
