// endpoint: the one way Keel listens and dials. A node that loaded CAF's
// openssl module (a TLS cluster) publishes and connects only through it, so
// that no listener of a TLS node ever speaks plaintext; otherwise through the
// middleman. Both answer the same protocol (publish_atom, connect_atom,
// close_atom), so the actors that use this never branch on TLS.
#pragma once

#include <cstdint>
#include <string>

#include "caf/fwd.hpp"

namespace keel::network {

/// The actor that publishes and connects: the openssl manager's if the system
/// loaded that module, else the middleman's.
caf::actor endpoint(caf::actor_system& sys);

/// Publishes a front door to `self` (front_door.hpp) on host:port without blocking (closing first
/// whatever a previous incarnation left published there). Logs success as "<what> published on port
/// N"; on failure logs and quits `self` with the error, so that its supervisor retries and, if it
/// keeps failing, the node stops.
void publish_self(caf::event_based_actor* self, const std::string& host, uint16_t port,
                  const std::string& what);

/// Makes `self` drop (and count into `*counter`, if given) any message no
/// handler matches, instead of CAF's default of printing it: peers and
/// clients are untrusted, and must not be able to flood the log.
void drop_unexpected(caf::event_based_actor* self, uint64_t* counter = nullptr);

} // namespace keel::network
