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
// Messages:
//   (kv_atom, pb<kv::Request>) -> pb<kv::Response>   validated client request
//   (raft_atom, pb<raft::MessageBatch>)             peer traffic, from the transport
//   (status_atom) -> pb<admin::ShardStatus>
//   (transfer_atom, std::string node) -> caf::ok_atom or an error; leaders only.
//        An empty node means the best caught-up follower (graceful shutdown).
//   (tick_atom), (flush_atom)                       its own timers
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "actors/storage/storage_actor.hpp"

namespace keel::config {
struct cluster_config;
}
namespace keel::sup {
class directory;
}

namespace keel::replication {

/// What one replica needs; make_replica_config() builds it from cluster.conf.
struct replica_config {
  std::string node_id;              // this node
  std::string root_path;            // this node's supervision root, e.g. "/n1"
  uint32_t shard = 0;
  std::vector<std::string> voters;  // the shard's replicas; voters[0] is the preferred leader
  uint32_t tick_ms = 10;
  int heartbeat_ticks = 5;
  int election_ticks = 30;
  uint32_t snapshot_entries = 10000; // compact the log after this many applied entries
  /// Every this many ticks a leader that is not the preferred leader hands
  /// leadership to it if it is caught up, spreading shards over the nodes.
  int balance_ticks = 200;
  uint32_t storage_timeout_ms = 30000; // a persist or apply slower than this crashes the replica
  uint64_t seed = 0;
  std::shared_ptr<sup::directory> dir; // finds the transport
  ::keel::storage::storage_api storage; // the shard's storage actor; set at each start
};

replica_config make_replica_config(const config::cluster_config& cfg,
                                   const std::string& node_id, uint32_t shard,
                                   std::shared_ptr<sup::directory> dir);

/// Spawns the replica, which loads its durable state through cfg.storage
/// before it handles anything else. An error if cfg.storage is invalid.
caf::expected<caf::actor> spawn_replica(caf::actor_system& sys, replica_config cfg);

} // namespace keel::replication
