// poses_as_peer: an actor-test fixture (CAF's test coordinator) talking to a
// node's peer gate the way another node's transport would, or an attacker:
// the two handshake requests, a whole handshake, and sealed frames. Shared by
// the peer gate's and the transport's tests, which both pose as peers.
//
// Mix it into a fixture that has `self`, `sched`, `sys` (test_coordinator_fixture)
// and `gate`, the gate under test:
//   struct MyTest : ::testing::Test, test_coordinator_fixture<...>,
//                   keel::test::poses_as_peer<MyTest> { caf::actor gate; ... };
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "actors/security/core/frame_seal.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "messages/type_ids.hpp"

namespace keel::test {

/// The handshake's clock: seconds since the epoch.
inline int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

template <class Fixture>
class poses_as_peer {
public:
  /// Sends a hello and runs the gate; its challenge (empty, with a failure
  /// recorded, when the gate answers with an error instead).
  peer::PeerChallenge hello(const peer::PeerHello& h) { return ask<peer::PeerChallenge>(h); }

  /// Sends a confirm and runs the gate; its verdict.
  peer::PeerAccepted confirm(const peer::PeerConfirm& c) { return ask<peer::PeerAccepted>(c); }

  /// The whole handshake of `hs`: the sealer of the new session, or nullopt
  /// with a failure recorded that says which step went wrong.
  std::optional<security::frame_sealer> handshake(security::dialer_handshake& hs) {
    auto c = hello(hs.hello());
    auto outcome = hs.on_challenge(c, wall_seconds());
    if (!outcome) {
      ADD_FAILURE() << "the gate's challenge does not check out: " << outcome.error().detail;
      return std::nullopt;
    }
    auto& [conf, keys] = *outcome;
    auto accepted = confirm(conf);
    if (!accepted.error().empty()) {
      ADD_FAILURE() << "the gate refused the handshake: " << accepted.error();
      return std::nullopt;
    }
    return security::frame_sealer{keys};
  }

  /// Hands the gate one frame and runs everything that follows.
  void send_frame(const peer::PeerFrame& f) {
    fixture().self->send(fixture().gate, raft_atom_v, make_pb(f));
    fixture().sched.run();
  }

private:
  template <class Reply, class Request>
  Reply ask(const Request& request) {
    Reply out;
    auto r = fixture().self->request(fixture().gate, caf::infinite, peer_atom_v, make_pb(request));
    fixture().sched.run();
    r.receive([&](pb<Reply>& reply) { out = reply.msg; },
              [&](caf::error& e) { ADD_FAILURE() << fixture().sys.render(e); });
    return out;
  }

  Fixture& fixture() { return static_cast<Fixture&>(*this); }
};

} // namespace keel::test
