// peer_incarnations: which incarnation of each peer's data directory this node
// has believed, so that a peer which lost its data is refused.
//
// Why: Raft's safety rests on every node keeping what it promised: the entries
// it acknowledged (they count toward a commit) and the vote it gave in each
// term. A node whose data directory was lost while it was down comes back with
// an empty log and no vote. Let it rejoin as a voter and it can elect a leader
// that lacks a committed entry (the majority that held the entry shrank by
// one), or vote twice in one term. Its peers must tell it apart from a node
// that merely restarted. Each data directory draws a random incarnation when
// it is created (storage.proto NodeIdentity); each node remembers, durably,
// the incarnation of every peer it ever completed a handshake with; a known
// peer that presents another incarnation is refused, with a message that says
// its data was lost. (A peer never met before is admitted at whatever
// incarnation it has: nothing this node holds depends on it yet.)
//
// Recording comes before believing: admit() persists a first-seen incarnation,
// synced, before it returns, and the handshake admits before a single message
// of the peer is read. That synced write blocks the gate or dialer actor that
// calls admit(), once per peer for the life of a data directory; every later
// handshake compares in memory. So every node that ever counted on a peer's log or vote
// has that peer's incarnation on disk.
//
// Thread-safe (the gate and the dialers of one node share it). Pure: storage
// is reached through the function it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "actors/security/core/errc.hpp"

namespace keel::security {

class peer_incarnations {
public:
  /// Makes `peer`'s `incarnation` durable; an error refuses the handshake.
  using persist_fn = std::function<result<void>(const std::string& peer, uint64_t incarnation)>;

  /// `self`: this node's own incarnation (non-zero); `known`: what was
  /// persisted before; `persist`: unset keeps the book in memory only (tests).
  explicit peer_incarnations(uint64_t self, std::map<std::string, uint64_t> known = {},
                             persist_fn persist = {});

  uint64_t self() const { return self_; }

  /// Admits `peer` presenting `incarnation`: the one believed before, or a
  /// first one (persisted before returning). errc::lost_data for a known peer
  /// with another incarnation, errc::malformed for zero, errc::io if the first
  /// one could not be persisted (the next handshake tries again).
  result<void> admit(const std::string& peer, uint64_t incarnation);

  /// The incarnation believed for `peer`, or 0 if it was never met.
  uint64_t known(const std::string& peer) const;

  /// Why `peer` was last refused for lost data (empty if it never was, or
  /// was admitted since): what keelctl members shows beside it.
  std::string refusal(const std::string& peer) const;

private:
  const uint64_t self_;
  persist_fn persist_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> known_;
  std::map<std::string, std::string> refused_;
};

/// "0x" and 16 hex digits: how incarnations are shown to operators.
std::string incarnation_text(uint64_t incarnation);

} // namespace keel::security
