// config validation.
#include "actors/replication/core/config.hpp"

#include <algorithm>
#include <set>

namespace keel::raft {

std::optional<std::string> validate(const config& cfg) {
  if (cfg.id.empty())
    return "id must not be empty";
  if (std::find(cfg.voters.begin(), cfg.voters.end(), cfg.id) == cfg.voters.end())
    return "voters must include the node's own id " + cfg.id;
  if (std::set<std::string>(cfg.voters.begin(), cfg.voters.end()).size() != cfg.voters.size())
    return "voters must not repeat an id";
  if (std::any_of(cfg.voters.begin(), cfg.voters.end(), [](auto& v) { return v.empty(); }))
    return "voter ids must not be empty";
  if (cfg.heartbeat_ticks < 1)
    return "heartbeat_ticks must be at least 1";
  if (cfg.election_ticks <= cfg.heartbeat_ticks)
    return "election_ticks must be greater than heartbeat_ticks";
  if (cfg.max_entries_per_append < 1 || cfg.max_bytes_per_append < 1 || cfg.max_apply_bytes < 1)
    return "append and apply size limits must be at least 1";
  if (cfg.max_inflight_appends < 1)
    return "max_inflight_appends must be at least 1";
  if (cfg.snapshot_timeout_ticks < 1)
    return "snapshot_timeout_ticks must be at least 1";
  if (cfg.storage == nullptr)
    return "storage must be set";
  return std::nullopt;
}

} // namespace keel::raft
