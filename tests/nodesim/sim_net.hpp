// sim_net: the simulated network between the node trees of the whole-node
// simulation. It plugs in where CAF's middleman would be
// (transport_config::connector): a node's connector answers
// (connect_atom, host, port) with a LINK actor in front of the peer's gate,
// and every message over a link may be dropped, delayed (order kept, as TCP
// keeps it), duplicated, or cut by a partition, all decided by one seeded
// random source. An actor handle that crosses a link (the front door a dialer
// offers with its hello) is replaced by a link the other way, so traffic back
// suffers the same faults. A link dies with the actor behind it, as a
// connection does with its node.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "../sim/sim_random.hpp"

namespace keel::nodesim {

/// Fault rates of every link (permille) and the longest extra delay.
struct link_faults {
  uint32_t drop_permille = 0;
  uint32_t duplicate_permille = 0;
  uint32_t delay_permille = 0;
  uint32_t max_delay_ms = 0;
};

/// Shared by every connector and link of one run. Single-threaded: the test
/// coordinator runs everything on the test's thread.
class sim_net {
public:
  explicit sim_net(uint64_t seed)
    : rng(seed) {}

  sim::sim_random rng;
  link_faults faults;

  /// Which node listens on a peer port.
  std::map<uint16_t, std::string> node_of_port;
  /// The gate a node runs now (invalid while the node is down).
  std::function<caf::actor(const std::string& node)> gate_of;

  /// Cuts every link between the two sides, both ways.
  void partition(const std::set<std::string>& a, const std::set<std::string>& b);
  /// Cuts nothing and stops dropping, duplicating and delaying.
  void heal();
  bool reachable(const std::string& from, const std::string& to) const;

  // What happened, for the report.
  uint64_t delivered = 0, dropped = 0, duplicated = 0, delayed = 0, refused = 0;

  /// The per-link "not before" time that keeps delayed messages in order.
  std::map<std::pair<std::string, std::string>, int64_t> busy_until_ns;

private:
  std::set<std::pair<std::string, std::string>> cut_;
};

/// The connector node `from` dials with.
caf::actor spawn_connector(caf::actor_system& sys, std::shared_ptr<sim_net> net, std::string from);

} // namespace keel::nodesim
