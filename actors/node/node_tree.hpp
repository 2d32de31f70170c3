// The supervision tree of one keel-node, built from cluster.conf. keel-node
// spawns it; so does the whole-node simulation (tests), which is why it lives
// in the actor layer and takes the options below.
//
//   /<node>                 root        rest_for_one: replication -> log-syncer -> shards ->
//   │                                   monitor -> service
//   ├── replication         supervisor  one_for_one: transport, then gate (published on the
//   │                                   peer port)
//   ├── log-syncer          worker      the group commit: one fsync for the log writes of
//   │                                   every shard (detached: blocks on fsync)
//   ├── shards              supervisor  one_for_one: one supervisor per shard with a replica here
//   │   └── shard-<s>       supervisor  rest_for_one: storage, then replica
//   │       ├── storage     worker      the shard's storage actor (on the scheduler; its
//   │                                   fsyncs are the log syncer's, whole-shard work
//   │                                   runs on a thread of its own)
//   │       └── replica     worker      the shard's Raft replica; gets its storage actor's
//   │                                   handle from the directory when it starts
//   ├── monitor             supervisor  one_for_one: membership (watches the failure detectors)
//   └── service             worker      the published client service
//
// docs/supervision.md gives each supervisor's strategy and intensity and why,
// and what happens step by step when each kind of actor crashes.
//
// FOR THE SIMULATION (and any other in-process harness): spawn_node_tree with
// node_tree_options gives THE SAME tree as keel-node with
//   - storage_mode = storage::spawn_mode::scheduler, so the storage
//     actors and the log syncer run under CAF's deterministic test coordinator
//     (threads of their own would not);
//   - connector: a fake network in place of CAF's middleman (see
//     transport::transport_config::connector);
//   - publish = false: neither the gate nor the service opens a port; peers
//     reach a node's gate through the connector, clients its service through
//     the directory (paths::service(paths::root(node))).
// A whole node "dies" by killing its root (anon_send_exit(root, kill)) and
// "restarts" by calling spawn_node_tree again with the same engines and a
// fresh directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "actors/base/core/unsafe_switches.hpp"
#include "actors/config/core/cluster_config.hpp"
#include "actors/storage/storage_actor.hpp"
#include "supervisors/supervisor.hpp"

namespace keel::storage {
class engine;
}
namespace keel::security {
class trust;
}
namespace keel::metrics {
class node_metrics;
}

namespace keel::node {

/// What differs between a production node and an in-process one.
struct node_tree_options {
  storage::spawn_mode storage_mode = storage::spawn_mode::threads;
  /// Invalid: CAF's middleman (real TCP or TLS).
  caf::actor connector;
  /// False: no port is opened (gate and service are reached in-process).
  bool publish = true;
  /// TEST ONLY: safety broken on purpose (actors/base/core/unsafe_switches.hpp),
  /// for the whole-node simulation's planted bug and keel-jepsen's proof that
  /// it catches broken builds. No config file sets them. (skip_fsync is the
  /// storage engine's: open_rocks_engine.)
  unsafe_switches unsafe;
  /// The data of one piece of a snapshot between transports
  /// (replication/core/snapshot_chunks.hpp); 0: the transport's default. The
  /// simulation cuts its small snapshots into many pieces with it.
  std::size_t snapshot_chunk_bytes = 0;
  /// Where the node's actors count (actors/metrics/core/node_metrics.hpp);
  /// unset: a registry of the tree's own, which only its service reads.
  std::shared_ptr<metrics::node_metrics> metrics;
};

/// The root's spec: its children in start order. For a harness that puts the
/// node under its own supervisor; most callers want spawn_node_tree.
sup::supervisor_spec node_tree_spec(const config::cluster_config& cfg,
                                    const config::node_config& self,
                                    const std::shared_ptr<storage::engine>& engine,
                                    const std::shared_ptr<sup::directory>& dir,
                                    const std::shared_ptr<const security::trust>& trust,
                                    const node_tree_options& opts = {});

/// Spawns the node's root supervisor at paths::root(self.id); its children
/// start in order. `trust` is what the node proves its id with and checks
/// peers and operators against. Keep the returned handle (see spawn_supervisor).
caf::actor spawn_node_tree(caf::actor_system& sys, const config::cluster_config& cfg,
                           const config::node_config& self,
                           const std::shared_ptr<storage::engine>& engine,
                           std::shared_ptr<sup::directory> dir,
                           const std::shared_ptr<const security::trust>& trust,
                           const node_tree_options& opts = {});

} // namespace keel::node
