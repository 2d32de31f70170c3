// Names of the Raft core's error codes.
#include "actors/replication/core/errc.hpp"

namespace keel::raft {

const char* to_string(errc code) {
  switch (code) {
    case errc::not_leader: return "not_leader";
    case errc::proposal_dropped: return "proposal_dropped";
    case errc::uncommitted_limit: return "uncommitted_limit";
    case errc::unknown_peer: return "unknown_peer";
    case errc::compacted: return "compacted";
    case errc::unavailable: return "unavailable";
    case errc::snapshot_out_of_date: return "snapshot_out_of_date";
    case errc::snapshot_temporarily_unavailable: return "snapshot_temporarily_unavailable";
    case errc::invalid_message: return "invalid_message";
    case errc::invalid_config: return "invalid_config";
  }
  return "unknown";
}

} // namespace keel::raft
