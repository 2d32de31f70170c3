// The transport's table of peer nodes: address, current connection, reconnect
// attempts, traffic counters and the phi-accrual detector of each. Owned by the
// transport actor (one per node); nothing else reads it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"

#include "actors/monitor/core/phi_accrual.hpp"

namespace keel::transport {

/// Where a node of the cluster listens (from cluster.conf).
struct peer_address {
  std::string id;   // node id, e.g. "n2"
  std::string host; // e.g. "127.0.0.1"
  uint16_t port = 0;
};

/// What the transport knows about one peer node.
struct peer {
  explicit peer(peer_address a, monitor::phi_accrual_config fd)
    : addr(std::move(a)), detector(fd) {}

  peer_address addr;
  caf::actor handle;             // the peer's published actor; invalid while down.
                                 // A reconnect stores a new handle: never compare
                                 // it with an old one (field guide, "Reconnecting").
  bool connecting = false;       // a connect request is in flight
  uint64_t state_since_ms = 0;   // when it last became connected or disconnected
  uint32_t reconnect_attempts = 0; // failed attempts since it was last connected
  uint64_t last_sent_ms = 0;     // when a frame last left for it
  uint64_t messages_sent = 0;
  uint64_t batches_sent = 0;
  uint64_t messages_received = 0;
  uint64_t messages_dropped = 0; // to or from it, for any reason
  monitor::phi_accrual detector; // fed by every frame that arrives from it

  bool connected() const { return static_cast<bool>(handle); }
  std::string address() const { return addr.host + ":" + std::to_string(addr.port); }
};

/// The peers in configuration order, found by id or by connection.
class peer_set {
public:
  peer_set() = default;
  peer_set(const std::vector<peer_address>& peers, monitor::phi_accrual_config fd);

  /// The peer with node id `id`, or nullptr if it is not configured.
  peer* find(const std::string& id);

  /// The peer whose current connection is `addr`, or nullptr (e.g. a late
  /// down message of a connection that was already replaced).
  peer* find_by_handle(const caf::actor_addr& addr);

  std::vector<peer>& all() { return peers_; }
  const std::vector<peer>& all() const { return peers_; }

private:
  std::vector<peer> peers_; // configuration order; ids are unique
};

} // namespace keel::transport
