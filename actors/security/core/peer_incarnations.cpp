#include "actors/security/core/peer_incarnations.hpp"

#include <cstdio>
#include <utility>

namespace keel::security {

peer_incarnations::peer_incarnations(uint64_t self, std::map<std::string, uint64_t> known,
                                     persist_fn persist)
  : self_(self),
    persist_(std::move(persist)),
    known_(std::move(known)) {
  KEEL_ASSERT(self_ != 0, "a node's incarnation is never zero");
}

result<void> peer_incarnations::admit(const std::string& peer, uint64_t incarnation) {
  if (incarnation == 0)
    return security_error{errc::malformed, "node " + peer + " named no incarnation"};
  std::lock_guard lock{mu_};
  auto it = known_.find(peer);
  if (it != known_.end()) {
    if (it->second == incarnation) {
      refused_.erase(peer);
      return {};
    }
    security_error refused{
      errc::lost_data,
      "node " + peer + " came back with data directory incarnation " + incarnation_text(incarnation)
        + ", but its peers last saw incarnation " + incarnation_text(it->second)
        + ": its data directory was lost or replaced while it was down, and with it the Raft "
          "log entries and votes the other nodes counted on; it is refused so that it cannot "
          "break the cluster's safety. Restore "
        + peer
        + "'s data directory as it was when the node last stopped, or, once membership changes "
          "exist, remove the node and add it back as a new member (docs/design.md, \"A node that "
          "lost its data\")"};
    refused_[peer] = refused.detail;
    return refused;
  }
  if (persist_)
    if (auto stored = persist_(peer, incarnation); !stored)
      return security_error{errc::io, "cannot record the incarnation of node " + peer + ": "
                                        + stored.error().detail};
  known_.emplace(peer, incarnation);
  return {};
}

std::string peer_incarnations::refusal(const std::string& peer) const {
  std::lock_guard lock{mu_};
  auto it = refused_.find(peer);
  return it == refused_.end() ? std::string{} : it->second;
}

uint64_t peer_incarnations::known(const std::string& peer) const {
  std::lock_guard lock{mu_};
  auto it = known_.find(peer);
  return it == known_.end() ? 0 : it->second;
}

std::string incarnation_text(uint64_t incarnation) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(incarnation));
  return buf;
}

} // namespace keel::security
