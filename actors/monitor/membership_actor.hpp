// membership_actor: the node's watcher of its peers, at <root>/monitor/membership.
// The transport feeds a phi-accrual failure detector per peer with every frame
// it receives; this actor samples those verdicts every heartbeat interval,
// logs each transition (alive -> suspect -> alive) for operators, counts
// suspicions, and answers `keelctl members` with the transport's view plus
// that history.
//
// Messages:
//   (members_atom) -> pb<admin::Members>   the latest view (at most one interval old)
//   (tick_atom)                            its own sampling timer
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "caf/fwd.hpp"

namespace keel::sup {
class directory;
}

namespace keel::monitor {

struct membership_config {
  std::string node_id;
  std::string root_path;         // e.g. "/n1"
  uint32_t sample_interval_ms = 100;
  std::shared_ptr<sup::directory> dir;
};

caf::actor spawn_membership(caf::actor_system& sys, membership_config cfg);

} // namespace keel::monitor
