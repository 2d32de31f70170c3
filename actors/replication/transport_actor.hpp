// The transport: one actor per node (supervision path <root>/replication/
// transport) that carries Raft traffic between the nodes of the cluster.
// Local replicas hand it their outgoing messages; it batches them per peer node
// and sends one authenticated frame (peer.proto, PeerFrame) per peer per turn
// to the peer's gate (actors/replication/peer_gate_actor.hpp), published on
// the peer's peer_port. Each connection is owned by a dialer actor
// (peer_dialer.hpp) that authenticates it first. Inbound traffic arrives from
// the local gate with the sender's proven node id; every message is checked
// against it and against the rules of raft::check_inbound, put through the
// fault rules and handed to the local replica of its shard. It reconnects with
// backoff and runs a phi-accrual failure detector per peer (keelctl members),
// fed by every frame that arrives; a peer that got no frame for a while
// receives a MSG_TRANSPORT_HEARTBEAT, which the receiving transport counts and
// drops. A snapshot travels in acknowledged pieces (core/snapshot_chunks.hpp):
// the receiving transport hands its replica the whole MSG_SNAPSHOT.
//
// It takes orders only from actors of its own node: a message whose sender is
// anonymous or remote is dropped. Its address never leaves the node (frames
// are sent anonymously; the dialers request and monitor).
//
// transport_api below is its protocol: what local replicas, the gate, the
// dialers and the service may send it. Replicas receive (raft_atom,
// pb<raft::MessageBatch>) with messages of their shard only. Its own timers
// and reconnects are not in it (transport_actor.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "actors/metrics/core/node_metrics.hpp"
#include "actors/monitor/core/phi_accrual.hpp"
#include "actors/replication/core/snapshot_chunks.hpp"
#include "actors/replication/core/transport_backoff.hpp"
#include "actors/replication/peer_gate_actor.hpp"
#include "actors/replication/transport_peers.hpp"
#include "messages/type_ids.hpp"

namespace keel::config {
struct cluster_config;
}
namespace keel::security {
class trust;
class peer_incarnations;
} // namespace keel::security
namespace keel::sup {
class directory;
}

namespace keel::transport {

/// The transport's protocol, checked by the compiler at both ends. Every
/// message is refused unless its sender is an actor of this node.
using transport_api = caf::typed_actor<
  // From local replicas: their own messages (from == node_id), to peers or,
  // when to == node_id, delivered locally.
  caf::reacts_to<raft_atom, pb<raft::MessageBatch>>,
  // From the gate: authenticated traffic of node `from`; counts of frames and
  // handshakes it refused; a gate the peer offered with its proven hello.
  caf::reacts_to<raft_atom, std::string, pb<raft::MessageBatch>>,
  caf::reacts_to<peer_atom, uint64_t, uint64_t>,
  caf::reacts_to<connect_atom, std::string, peer_gate_api>,
  // From the dialers (peer_dialer.hpp): connected, or failed / lost.
  caf::reacts_to<peer_atom, std::string, peer_gate_api, uint64_t, std::string>,
  caf::reacts_to<peer_atom, std::string, std::string>,
  // From the service: partition, heal, drop, delay (it checks fault_injection).
  caf::replies_to<fault_atom, pb<admin::FaultRequest>>::with<pb<admin::FaultResponse>>,
  // From the membership monitor.
  caf::replies_to<members_atom>::with<pb<admin::Members>>>;

/// Everything the transport needs; make_transport_config() builds it from
/// cluster.conf.
struct transport_config {
  std::string node_id;                          // this node, e.g. "n1"
  std::string address;                          // this node's host:port (shown by members)
  std::vector<peer_address> peers;              // every other node of cluster.conf, in file order
                                                // (at its peer_port)
  std::vector<uint32_t> local_shards;           // shards with a replica on this node
  std::shared_ptr<const security::trust> trust; // proves this node's id to peers
  std::shared_ptr<security::peer_incarnations> incarnations; // ours, and the peers' we believed
  std::string root_path;                         // this node's supervision root, e.g. "/n1"
  std::shared_ptr<sup::directory> dir;           // finds local replicas by path
  backoff_bounds reconnect{50, 2000};            // delay bounds between connection attempts
  uint32_t connect_timeout_ms = 2000;            // one connection attempt gives up after this
  std::size_t max_pending_per_peer = 4096;       // outbound messages held per peer between flushes
  chunking snapshot_chunks;                      // how a MSG_SNAPSHOT is cut and paced
  monitor::phi_accrual_config failure_detector;  // per peer
  uint32_t idle_heartbeat_ms = 100;              // send MSG_TRANSPORT_HEARTBEAT to a peer that got
                                                 // no frame for this long; 0 = never
  uint64_t seed = 1;                             // seeds reconnect jitter and fault drop decisions
  std::shared_ptr<metrics::node_metrics> metrics // traffic and drops are counted here
    = std::make_shared<metrics::node_metrics>();
  caf::actor connector; // answers (connect_atom, host, port) with
                        // (node_id, strong_actor_ptr, set<string>) like
                        // CAF's middleman actor, which is used when this
                        // is invalid (tests substitute a fake network)
};

/// The transport settings of node `node_id` in a validated cluster.conf
/// (trust is left empty: keel-node loads it):
/// peers, phi threshold (timing.failure_detector_phi), idle heartbeats at
/// timing.transport_heartbeat_ms, and a seed derived from the node id.
// REQUIRES: cfg.find_node(node_id) != nullptr.
transport_config make_transport_config(const config::cluster_config& cfg,
                                       const std::string& node_id,
                                       std::shared_ptr<sup::directory> dir);

/// Spawns the transport; it starts connecting to every peer at once, without
/// blocking. Put it under paths::transport(root_path) (its supervisor does).
transport_api spawn_transport(caf::actor_system& sys, transport_config cfg);

} // namespace keel::transport
