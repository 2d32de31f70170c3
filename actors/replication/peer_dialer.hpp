// The peer dialer: one short-lived actor per connection from this node's
// transport to one peer's gate. It connects to the peer port, runs the
// handshake (actors/security/core/peer_handshake.hpp) and, once the gate
// accepted it, tells the transport the gate's handle and the session keys;
// then it watches the connection and reports its loss.
//
// One connection per pair of nodes: the node with the smaller id dials, and
// offers its own gate with the hello; the other node's dialer then runs its
// handshake against that gate over the same connection (CAF's TLS layer does
// not keep two connections between the same two nodes apart). The offer is a
// front door, which closes with the gate behind it: when this node's gate
// restarts, the dialer that offered it reports the connection lost, so that
// the transport dials again and offers the new gate (a dialer with no gate to
// offer fails at once, for the same retry).
//
// Why a separate actor: whatever the transport sent or monitored over the
// network would reveal its address to the other side, and the transport takes
// orders from local actors only. The dialer is the one that requests and
// monitors; the transport itself only sends frames anonymously.
//
// To the transport (the one that spawned it; it monitors the transport and
// exits with it), two messages of transport_api: connected and authenticated
// (with the gate's handle and the session keys), or failed / lost (why; the
// dialer then exits).
//
// The gate it dials comes back from the connector as an untyped pointer
// (CAF's middleman answers connect_atom so); the dialer makes it a
// peer_gate_api once, there, and holds nothing untyped after.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "actors/replication/peer_gate_actor.hpp"
#include "actors/replication/transport_actor.hpp"

namespace keel::security {
class trust;
class peer_incarnations;
} // namespace keel::security

namespace keel::transport {

struct dialer_config {
  transport_api transport; // gets the outcome
  caf::actor connector;    // answers (connect_atom, host, port) like CAF's middleman actor
  std::shared_ptr<const security::trust> trust;
  std::shared_ptr<security::peer_incarnations> incarnations; // ours, and the peers' we believed
  std::string self;                                          // this node's id
  std::string peer;                                          // the node it dials
  std::string host;
  uint16_t port = 0;          // the peer's peer_port
  uint32_t timeout_ms = 2000; // per step
  peer_gate_api gate;         // set: the peer's gate is already known (it offered it over
                              // the connection it dialed), so no new connection is made
  peer_gate_api own_gate;     // this node's gate, offered to the peer with the hello when
                              // dialing (gate unset), so that it can send its traffic
                              // back over this same connection; its exit ends the dialer
};

caf::actor spawn_dialer(caf::actor_system& sys, dialer_config cfg);

} // namespace keel::transport
