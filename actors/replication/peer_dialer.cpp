#include "actors/replication/peer_dialer.hpp"

#include <chrono>
#include <set>

#include "caf/all.hpp"

#include "actors/network/endpoint.hpp"
#include "actors/network/front_door.hpp"
#include "actors/network/wall_clock.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "messages/type_ids.hpp"

namespace keel::transport {

namespace {

using network::wall_seconds;

struct dialer_state {
  static inline const char* name = "keel.peer_dialer";
  dialer_config cfg;
  std::unique_ptr<security::dialer_handshake> handshake;
  peer_gate_api gate;
  bool up = false;
};

using dialer_actor = caf::stateful_actor<dialer_state>;

void fail(dialer_actor* self, const std::string& why) {
  auto& st = self->state;
  self->send(st.cfg.transport, peer_atom_v, st.cfg.peer, why);
  self->quit();
}

std::chrono::milliseconds step_timeout(dialer_actor* self) {
  return std::chrono::milliseconds(self->state.cfg.timeout_ms);
}

void confirm(dialer_actor* self, const ::keel::peer::PeerChallenge& c) {
  auto& st = self->state;
  auto outcome = st.handshake->on_challenge(c, wall_seconds());
  if (!outcome)
    return fail(self, outcome.error().detail);
  auto& [msg, k] = *outcome;
  security::session_keys keys = std::move(k);
  self->request(st.gate, step_timeout(self), peer_atom_v, make_pb(std::move(msg)))
    .then(
      [self, keys = std::move(keys)](pb<::keel::peer::PeerAccepted>& a) mutable {
        auto& st = self->state;
        if (!a->error().empty() || a->session() != keys.session)
          return fail(self, "the peer refused the handshake: " + a->error().substr(0, 600));
        st.up = true;
        self->monitor(st.gate);
        self->send(st.cfg.transport, peer_atom_v, st.cfg.peer, st.gate, keys.session,
                   std::move(keys.key));
      },
      [self](caf::error& err) { fail(self, "handshake: " + self->system().render(err)); });
}

// The node that dials is the one whose gate the peer sends back to; a
// dialer that answers an offer rides the peer's connection and offers nothing.
bool dials(const dialer_actor* self) { return !self->state.cfg.gate; }

void hello(dialer_actor* self) {
  auto& st = self->state;
  // The offer goes out before the peer proved anything: offer a front door,
  // never the gate itself, so that whoever answers at that address cannot
  // kill the gate with an exit message (see front_door.hpp).
  auto offer = dials(self) ? network::make_front_door(self->system(),
                                                      caf::actor_cast<caf::actor>(st.cfg.own_gate))
                           : caf::actor{};
  self->request(st.gate, step_timeout(self), peer_atom_v, make_pb(st.handshake->hello()), offer)
    .then([self](pb<::keel::peer::PeerChallenge>& c) { confirm(self, c.msg); },
          [self](caf::error& err) { fail(self, "handshake: " + self->system().render(err)); });
}

caf::behavior dialer(dialer_actor* self, dialer_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.handshake = std::make_unique<security::dialer_handshake>(*st.cfg.trust, *st.cfg.incarnations,
                                                              st.cfg.self, st.cfg.peer);
  network::drop_unexpected(self);
  self->monitor(st.cfg.transport);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.cfg.transport.address())
      return self->quit(); // nobody left to report to
    if (dm.source == st.gate.address())
      return fail(self, "connection lost: " + self->system().render(dm.reason));
    // The front door we offered closed with our gate, and the peer's way back
    // with it: only a new handshake carries an offer of the gate's successor.
    if (st.cfg.own_gate && dm.source == st.cfg.own_gate.address())
      fail(self, "our gate restarted: redial to offer its successor");
  });
  if (dials(self)) {
    // Without an offer the peer could never send back over this connection
    // (and would wait for one forever): wait for the gate, through a retry.
    if (!st.cfg.own_gate) {
      fail(self, "no gate of our own to offer yet");
      return {}; // no behavior: the dialer ends here
    }
    self->monitor(st.cfg.own_gate);
  }
  if (st.cfg.gate) { // offered over an existing connection
    st.gate = st.cfg.gate;
    hello(self);
    return {[](ping_atom) {}};
  }
  // Asynchronous: io::remote_actor() would block this scheduler thread, and
  // forever on a frozen peer without middleman heartbeats (field guide §0.7).
  self
    ->request(st.cfg.connector, step_timeout(self), caf::connect_atom::value, st.cfg.host,
              st.cfg.port)
    .then(
      [self](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        if (!ptr)
          return fail(self, "no actor is published on that port");
        // The one cast of the peer's gate: CAF hands back an untyped
        // pointer, whatever was published (it is a front door, untyped).
        self->state.gate = caf::actor_cast<peer_gate_api>(std::move(ptr));
        hello(self);
      },
      [self](caf::error& err) { fail(self, self->system().render(err)); });
  // Only responses and down messages matter; a no-op keeps the actor alive.
  return {[](ping_atom) {}};
}

} // namespace

caf::actor spawn_dialer(caf::actor_system& sys, dialer_config cfg) {
  return sys.spawn(dialer, std::move(cfg));
}

} // namespace keel::transport
