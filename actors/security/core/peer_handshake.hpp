// peer_handshake: how two nodes prove their ids to each other before either
// believes a Raft message of the other (the protocol is drawn in
// messages/peer.proto). The dialer is the node that connects; the gate is the
// node whose peer port it connects to. Traffic flows dialer -> gate only: each
// direction between two nodes is its own connection and session.
//
// What it guarantees, given a trust (see trust.hpp):
// - the gate accepts a session only from a member that proved its id over the
//   gate's fresh nonce (no replayed handshake opens a session);
// - the dialer sends only to a gate that proved the id it dialed;
// - both derive the session key from an X25519 exchange, so neither an
//   eavesdropper nor a relay in the middle can authenticate a frame;
// - neither side completes a handshake with a known node that comes back
//   with another data directory (peer_incarnations.hpp): both name their
//   incarnation under their proofs, and each admits the other's only once
//   the other proved its id.
// Pure: no CAF, no clock (certificate validity is checked at the time passed in).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "actors/security/core/crypto.hpp"
#include "actors/security/core/peer_incarnations.hpp"
#include "actors/security/core/trust.hpp"
#include "messages/peer.pb.h"

namespace keel::security {

inline constexpr uint32_t peer_protocol_version = 1;

/// What a completed handshake yields on both ends.
struct session_keys {
  uint64_t session = 0;
  std::string key;  // 32 bytes: authenticates the frames of this session
  std::string peer; // the other node's proven id
};

/// The dialing side of one handshake.
class dialer_handshake {
public:
  /// REQUIRES: self != peer. `book` names this node's incarnation and
  /// admits the gate's; it must outlive the handshake.
  dialer_handshake(const trust& t, peer_incarnations& book, std::string self, std::string peer);

  /// The first message, to send to the peer's gate.
  const peer::PeerHello& hello() const { return hello_; }

  /// Checks the gate's challenge. On success: the confirm to send, and the
  /// keys to seal frames with once the gate accepted it.
  result<std::pair<peer::PeerConfirm, session_keys>> on_challenge(const peer::PeerChallenge& c,
                                                                  int64_t now_s) const;

private:
  const trust* trust_;
  peer_incarnations* book_;
  std::string self_;
  std::string peer_;
  x25519_key ephemeral_;
  peer::PeerHello hello_;
};

/// The gate's side: answers hellos with challenges and keeps each challenge
/// until its confirm arrives. The table of open challenges is bounded
/// (oldest dropped first), so hellos that are never confirmed, replayed or
/// forged, cost a fixed amount of memory.
class gate_handshakes {
public:
  /// `is_member(id)`: whether `id` is another node of the cluster. `book`
  /// names this node's incarnation and admits the dialers'; it must outlive
  /// this.
  gate_handshakes(const trust& t, peer_incarnations& book, std::string self,
                  std::function<bool(std::string_view)> is_member, std::size_t max_open = 64);

  /// Answers a hello: a challenge, or one with only `error` set.
  peer::PeerChallenge on_hello(const peer::PeerHello& h, int64_t now_s);

  /// Completes a handshake: the new session's keys, or why not. A confirm is
  /// good once: the challenge is forgotten whatever the outcome.
  result<session_keys> on_confirm(const peer::PeerConfirm& c, int64_t now_s);

  std::size_t open_challenges() const { return open_.size(); }

private:
  struct open_challenge {
    peer::PeerHello hello;
    peer::PeerChallenge challenge;
    x25519_key ephemeral;
  };

  const trust* trust_;
  peer_incarnations* book_;
  std::string self_;
  std::function<bool(std::string_view)> is_member_;
  std::size_t max_open_;
  std::deque<open_challenge> open_;
};

} // namespace keel::security
