// config validation.
#include "actors/replication/core/config.hpp"

#include <algorithm>
#include <set>

namespace keel::raft {

namespace {

error invalid(std::string why) { return error{errc::invalid_config, {}, std::move(why)}; }

} // namespace

result<void> validate(const config& cfg) {
  if (cfg.id.empty())
    return invalid("id must not be empty");
  if (std::find(cfg.voters.begin(), cfg.voters.end(), cfg.id) == cfg.voters.end())
    return invalid("voters must include the node's own id " + cfg.id);
  if (std::set<std::string>(cfg.voters.begin(), cfg.voters.end()).size() != cfg.voters.size())
    return invalid("voters must not repeat an id");
  if (std::any_of(cfg.voters.begin(), cfg.voters.end(), [](auto& v) { return v.empty(); }))
    return invalid("voter ids must not be empty");
  if (cfg.heartbeat_ticks < 1)
    return invalid("heartbeat_ticks must be at least 1");
  if (cfg.election_ticks <= cfg.heartbeat_ticks)
    return invalid("election_ticks must be greater than heartbeat_ticks");
  if (cfg.max_entries_per_append < 1 || cfg.max_bytes_per_append < 1 || cfg.max_apply_bytes < 1)
    return invalid("append and apply size limits must be at least 1");
  if (cfg.max_inflight_appends < 1)
    return invalid("max_inflight_appends must be at least 1");
  if (cfg.snapshot_timeout_ticks < 1)
    return invalid("snapshot_timeout_ticks must be at least 1");
  if (cfg.storage == nullptr)
    return invalid("storage must be set");
  return {};
}

} // namespace keel::raft
