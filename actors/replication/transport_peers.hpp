// The transport's table of peer nodes: address, current connection, reconnect
// attempts, traffic counters and the phi-accrual detector of each. Owned by the
// transport actor (one per node); nothing else reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"

#include "actors/monitor/core/phi_accrual.hpp"
#include "actors/replication/peer_gate_actor.hpp"
#include "actors/security/core/frame_seal.hpp"

namespace keel::transport {

/// Where a node of the cluster listens (from cluster.conf).
struct peer_address {
  std::string id;    // node id, e.g. "n2"
  std::string host;  // e.g. "127.0.0.1"
  uint16_t port = 0; // its peer port: where its peer gate listens
};

/// What the transport knows about one peer node.
struct peer {
  explicit peer(peer_address a, monitor::phi_accrual_config fd)
    : addr(std::move(a)),
      detector(fd) {}

  peer_address addr;
  peer_gate_api handle;                         // the peer's gate; invalid while down. A reconnect
                                                // stores a new handle: never compare it with an
                                                // old one (field guide, "Reconnecting").
  caf::actor dialer;                            // the local actor that owns the connection
                                                // (connects, authenticates, watches it)
  std::optional<security::frame_sealer> sealer; // the session's keys, once authenticated
  peer_gate_api offered_gate;                   // peers with a larger id: the gate it offered over
                                                // the connection it dialed (none yet: wait)
  bool connecting = false;                      // a dialer is at work
  uint64_t state_since_ms = 0;                  // when it last became connected or disconnected
  uint32_t reconnect_attempts = 0;              // failed attempts since it was last connected
  std::string last_error;                       // why the last attempt failed, either way round
  uint64_t last_sent_ms = 0;                    // when a frame last left for it
  uint64_t messages_sent = 0;
  uint64_t batches_sent = 0;
  uint64_t messages_received = 0;
  uint64_t messages_dropped = 0; // to or from it, for any reason
  uint64_t messages_invalid = 0; // from it, authenticated but refused by raft::check_inbound
  std::map<std::string, uint64_t> invalid_by_rule; // the same, by rule
  monitor::phi_accrual detector;                   // fed by every frame that arrives from it

  bool connected() const { return static_cast<bool>(handle) && sealer.has_value(); }
  std::string address() const { return addr.host + ":" + std::to_string(addr.port); }
};

/// The peers in configuration order, found by id or by connection.
class peer_set {
public:
  peer_set() = default;
  peer_set(const std::vector<peer_address>& peers, monitor::phi_accrual_config fd);

  /// The peer with node id `id`, or nullptr if it is not configured.
  peer* find(const std::string& id);

  /// The peer whose current dialer is `addr`, or nullptr (e.g. a late down
  /// message of a connection that was already replaced).
  peer* find_by_dialer(const caf::actor_addr& addr);

  std::vector<peer>& all() { return peers_; }
  const std::vector<peer>& all() const { return peers_; }

private:
  std::vector<peer> peers_; // configuration order; ids are unique
};

} // namespace keel::transport
