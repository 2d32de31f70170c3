#include "actors/replication/transport_peers.hpp"

namespace keel::transport {

peer_set::peer_set(const std::vector<peer_address>& peers, monitor::phi_accrual_config fd) {
  peers_.reserve(peers.size());
  for (auto& p : peers)
    peers_.emplace_back(p, fd);
}

peer* peer_set::find(const std::string& id) {
  for (auto& p : peers_)
    if (p.addr.id == id)
      return &p;
  return nullptr;
}

peer* peer_set::find_by_dialer(const caf::actor_addr& addr) {
  for (auto& p : peers_)
    if (p.dialer && p.dialer.address() == addr)
      return &p;
  return nullptr;
}

} // namespace keel::transport
