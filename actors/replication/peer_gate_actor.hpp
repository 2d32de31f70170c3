// The peer gate: the one actor a node publishes on its peer port, and the only
// way Raft traffic enters a node. It answers the peer handshake
// (messages/peer.proto, actors/security/core/peer_handshake.hpp), keeps one
// session per peer node, and accepts a frame only with a good MAC and a fresh
// sequence number of a live session. It hands each authenticated batch to the
// transport together with the sender's PROVEN node id; the transport checks
// every message against it (raft::check_inbound) before any replica sees it.
//
// peer_gate_api below is its protocol: the handshake and frames, which other
// nodes send through its front door, and one local order (connect_atom: a
// (re)started transport asks for the gates peers offered; from a local sender
// only).
// Sends to the local transport (transport_api, found by path):
//   (raft_atom, std::string from, pb<raft::MessageBatch>)  authenticated traffic
//   (peer_atom, uint64_t unauthenticated, uint64_t refused) counts of what it threw away
//   (connect_atom, std::string peer, peer_gate_api gate)   a gate peer offered, once
//        the peer proved its id
// Anything else is dropped without an answer or a log line per message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/type_ids.hpp"

namespace keel::sup {
class directory;
}
namespace keel::security {
class trust;
class peer_incarnations;
} // namespace keel::security

namespace keel::transport {

/// The gate's protocol. On the wire it is what the gate answers, not what a
/// peer may send: its front door is published untyped (publish_self.hpp), and
/// the offer in a hello stays a caf::actor there, since it is a remote handle
/// whose type no peer proves; the gate makes it a peer_gate_api once it keeps it.
using peer_gate_api = caf::typed_actor<
  caf::replies_to<peer_atom, pb<::keel::peer::PeerHello>>::with<pb<::keel::peer::PeerChallenge>>,
  caf::replies_to<peer_atom, pb<::keel::peer::PeerHello>,
                  caf::actor>::with<pb<::keel::peer::PeerChallenge>>,
  caf::replies_to<peer_atom, pb<::keel::peer::PeerConfirm>>::with<pb<::keel::peer::PeerAccepted>>,
  caf::reacts_to<raft_atom, pb<::keel::peer::PeerFrame>>, caf::reacts_to<connect_atom>>;

struct peer_gate_config {
  std::string node_id;              // this node
  std::string root_path;            // e.g. "/n1": finds the transport
  std::string host;                 // bind address
  uint16_t peer_port = 0;           // published here
  std::vector<std::string> members; // the other nodes of cluster.conf
  std::shared_ptr<const security::trust> trust;
  std::shared_ptr<security::peer_incarnations> incarnations; // ours, and the peers' we believed
  std::shared_ptr<sup::directory> dir;
  bool publish = true; // false in tests that talk to it in-process
};

peer_gate_api spawn_peer_gate(caf::actor_system& sys, peer_gate_config cfg);

} // namespace keel::transport
