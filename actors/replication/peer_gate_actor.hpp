// The peer gate: the one actor a node publishes on its peer port, and the only
// way Raft traffic enters a node. It answers the peer handshake
// (messages/peer.proto, actors/security/core/peer_handshake.hpp), keeps one
// session per peer node, and accepts a frame only with a good MAC and a fresh
// sequence number of a live session. It hands each authenticated batch to the
// transport together with the sender's PROVEN node id; the transport checks
// every message against it (raft::check_inbound) before any replica sees it.
//
// Messages:
//   (peer_atom, pb<peer::PeerHello>)   -> pb<peer::PeerChallenge>
//   (peer_atom, pb<peer::PeerConfirm>) -> pb<peer::PeerAccepted>
//   (raft_atom, pb<peer::PeerFrame>)       one-way, from another node's transport
// Sends to the local transport (found by path):
//   (raft_atom, std::string from, pb<raft::MessageBatch>)  authenticated traffic
//   (peer_atom, uint64_t unauthenticated, uint64_t refused) counts of what it threw away
// Anything else is dropped without an answer or a log line per message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

namespace keel::sup {
class directory;
}
namespace keel::security {
class trust;
}

namespace keel::transport {

struct peer_gate_config {
  std::string node_id;                 // this node
  std::string root_path;               // e.g. "/n1": finds the transport
  std::string host;                    // bind address
  uint16_t peer_port = 0;              // published here
  std::vector<std::string> members;    // the other nodes of cluster.conf
  std::shared_ptr<const security::trust> trust;
  std::shared_ptr<sup::directory> dir;
  bool publish = true;                 // false in tests that talk to it in-process
};

caf::actor spawn_peer_gate(caf::actor_system& sys, peer_gate_config cfg);

} // namespace keel::transport
