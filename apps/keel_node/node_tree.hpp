// The supervision tree of one keel-node, built from cluster.conf:
//
//   /<node>               root        rest_for_one (storage -> replication -> monitor -> service)
//   ├── storage           supervisor  one_for_one: shard-<s> storage actors
//   ├── replication       supervisor  one_for_one: transport, gate (published on the
//   │                                 peer port), then shard-<s> Raft replicas
//   ├── monitor           supervisor  one_for_one: membership (watches the failure detectors)
//   └── service           worker      the published client service
//
// rest_for_one at the root is dependency order: if the storage subtree gives up
// (restart intensity exceeded), everything that reads through it restarts too.
#pragma once

#include <memory>

#include "caf/fwd.hpp"

#include "apps/common/cluster_config.hpp"

namespace keel::storage {
class engine;
}
namespace keel::sup {
class directory;
}
namespace keel::security {
class trust;
}

namespace keel::node {

/// Spawns the node's root supervisor; its children start in order. `trust`
/// is what the node proves its id with and checks peers and operators against.
caf::actor spawn_node_tree(caf::actor_system& sys, const config::cluster_config& cfg,
                           const config::node_config& self,
                           std::shared_ptr<storage::engine> engine,
                           std::shared_ptr<sup::directory> dir,
                           std::shared_ptr<const security::trust> trust);

} // namespace keel::node
