// replica_actor: one replica of one shard's Raft group on this node, a thin
// shell around the pure raft::node (actors/replication/core). It turns its one
// timer into ticks, persists through the shard's storage actor (each ready's
// entries and hard state in one synced write before any of its messages leave),
// sends through the node's transport, applies committed entries through the
// storage actor, and answers clients: writes once their entry is applied,
// reads by ReadIndex (thesis §6.4).
//
// Supervision: lives at <root>/shards/shard-<s>/replica, after its storage
// actor under the shard's rest_for_one supervisor, which restarts the replica
// whenever the storage actor restarts (actors/node/node_tree.cpp). It is given
// its storage actor's handle at start; every start reloads the durable state
// through it (in mailbox order, after anything its predecessor still had in
// flight). A failed load or storage request ends the replica with the error:
// its supervisor decides what follows.
//
// replica_api below is what the rest of the node may send it: client requests
// from the service, peer traffic from the transport (messages of its shard
// only), status, and leadership transfer (leaders only; an empty node means
// the best caught-up follower, for a graceful shutdown). Its timers (tick,
// flush) are not in it: see replica_actor.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "actors/metrics/core/node_metrics.hpp"
#include "actors/storage/storage_actor.hpp"
#include "messages/type_ids.hpp"

namespace keel::config {
struct cluster_config;
}
namespace keel::sup {
class directory;
}

namespace keel::replication {

/// The replica's protocol, checked by the compiler at both ends.
using replica_api
  = caf::typed_actor<caf::replies_to<kv_atom, pb<kv::Request>>::with<pb<kv::Response>>,
                     caf::reacts_to<raft_atom, pb<raft::MessageBatch>>,
                     // From the transport: its connection to this node closed
                     // (raft::node::peer_unreachable).
                     caf::reacts_to<peer_atom, std::string>,
                     caf::replies_to<status_atom>::with<pb<admin::ShardStatus>>,
                     caf::replies_to<transfer_atom, std::string>::with<caf::ok_atom>>;

/// What one replica needs; make_replica_config() builds it from cluster.conf.
struct replica_config {
  std::string node_id;   // this node
  std::string root_path; // this node's supervision root, e.g. "/n1"
  uint32_t shard = 0;
  std::vector<std::string> voters; // the shard's replicas; voters[0] is the preferred leader
  uint32_t tick_ms = 10;
  int heartbeat_ticks = 5;
  int election_ticks = 30;
  uint32_t snapshot_entries = 10000; // compact the log after this many applied entries
  /// Every this many ticks a leader that is not the preferred leader hands
  /// leadership to it if it is caught up ([cluster] leader_placement).
  int balance_ticks = 200;
  uint32_t storage_timeout_ms = 30000; // a persist or apply slower than this crashes the replica
  /// At most this many entries of this leader's wait to be committed; writes
  /// that come meanwhile are batched into the next entry (may_propose), ...
  uint32_t max_entries_in_flight = 2;
  /// ... unless the writes queued meanwhile reach this many bytes.
  uint32_t max_batch_bytes = 256 * 1024;
  uint64_t seed = 0;
  /// TEST ONLY (unsafe_switches::read_without_read_index): every replica
  /// answers linearizable gets from what it has applied, with no ReadIndex
  /// round, as it answers serializable ones.
  bool read_without_read_index = false;
  std::shared_ptr<sup::directory> dir; // finds the transport
  std::shared_ptr<metrics::node_metrics> metrics = std::make_shared<metrics::node_metrics>();
  ::keel::storage::storage_api storage; // the shard's storage actor; set at each start
};

replica_config make_replica_config(const config::cluster_config& cfg, const std::string& node_id,
                                   uint32_t shard, std::shared_ptr<sup::directory> dir);

/// Spawns the replica, which loads its durable state through cfg.storage
/// before it handles anything else. An error if cfg.storage is invalid. A
/// supervisor's start function converts with caf::actor_cast<caf::actor>.
caf::expected<replica_api> spawn_replica(caf::actor_system& sys, replica_config cfg);

} // namespace keel::replication
