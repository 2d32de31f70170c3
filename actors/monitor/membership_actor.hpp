// membership_actor: the node's watcher of its peers, at <root>/monitor/membership.
// The transport feeds a phi-accrual failure detector per peer with every frame
// it receives; this actor samples those verdicts every heartbeat interval,
// logs each transition (alive -> suspect -> alive) for operators, counts
// suspicions, and answers `keelctl members` with the transport's view plus
// that history.
//
// membership_api below is its protocol: the latest view, at most one
// interval old. Its sampling timer is not in it (membership_actor.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/type_ids.hpp"

namespace keel::sup {
class directory;
}

namespace keel::monitor {

using membership_api = caf::typed_actor<caf::replies_to<members_atom>::with<pb<admin::Members>>>;

struct membership_config {
  std::string node_id;
  std::string root_path; // e.g. "/n1"
  uint32_t sample_interval_ms = 100;
  std::shared_ptr<sup::directory> dir;
};

membership_api spawn_membership(caf::actor_system& sys, membership_config cfg);

} // namespace keel::monitor
