#include "actors/replication/peer_gate_actor.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "caf/all.hpp"

#include "actors/log/logger.hpp"
#include "actors/lookup.hpp"
#include "actors/network/log_rate.hpp"
#include "actors/network/publish_self.hpp"
#include "actors/network/wall_clock.hpp"
#include "actors/security/core/frame_seal.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "messages/type_ids.hpp"

namespace keel::transport {

namespace {

using network::time_to_log;
using network::wall_seconds;

struct gate_state {
  static inline const char* name = "keel.peer_gate";
  peer_gate_config cfg;
  std::unique_ptr<security::gate_handshakes> handshakes;
  std::map<std::string, security::frame_opener> sessions; // by peer node id: its latest
  std::map<uint64_t, std::string> peer_of_session;
  uint64_t unauthenticated = 0; // frames refused (no session, bad MAC, replayed, malformed)
  uint64_t refused = 0;         // handshakes refused
  uint64_t unexpected = 0;      // messages no handler matches
  std::map<uint64_t, peer_gate_api> offered_by_session; // gates offered with open hellos
  std::map<std::string, peer_gate_api> offers;          // by authenticated peer: its gate
  std::shared_ptr<spdlog::logger> log = component_logger("transport");
};

using gate_actor = peer_gate_api::stateful_base<gate_state>;

void report_drops(gate_actor* self, uint64_t unauthenticated, uint64_t refused) {
  auto& st = self->state;
  if (auto t = lookup::transport(*st.cfg.dir, st.cfg.root_path))
    self->send(t, peer_atom_v, unauthenticated, refused);
}

pb<::keel::peer::PeerChallenge> on_hello(gate_actor* self, const ::keel::peer::PeerHello& h,
                                         peer_gate_api offer) {
  auto& st = self->state;
  auto c = st.handshakes->on_hello(h, wall_seconds());
  // The offer counts only once the dialer proved its id (on_confirm).
  if (c.error().empty() && offer) {
    if (st.offered_by_session.size() >= 64)
      st.offered_by_session.erase(st.offered_by_session.begin());
    st.offered_by_session[c.session()] = std::move(offer);
  }
  if (!c.error().empty()) {
    if (time_to_log(++st.refused))
      st.log->warn("peer handshake refused (claimed from={}): {} ({} refused so far)",
                   h.from().substr(0, 64), c.error(), st.refused);
    report_drops(self, 0, 1);
  }
  return make_pb(std::move(c));
}

pb<::keel::peer::PeerAccepted> on_confirm(gate_actor* self, const ::keel::peer::PeerConfirm& c) {
  auto& st = self->state;
  ::keel::peer::PeerAccepted out;
  out.set_session(c.session());
  auto keys = st.handshakes->on_confirm(c, wall_seconds());
  peer_gate_api offer;
  if (auto o = st.offered_by_session.find(c.session()); o != st.offered_by_session.end()) {
    offer = std::move(o->second);
    st.offered_by_session.erase(o);
  }
  if (!keys) {
    const auto& why = keys.error().detail;
    if (time_to_log(++st.refused))
      st.log->warn("peer handshake refused: {} ({} refused so far)", why, st.refused);
    report_drops(self, 0, 1);
    out.set_error(why);
    return make_pb(std::move(out));
  }
  auto& k = *keys;
  auto peer = k.peer;
  // A node that reconnects replaces its old session: frames still in flight
  // on the old one are lost, which Raft tolerates.
  if (auto old = st.sessions.find(peer); old != st.sessions.end()) {
    st.peer_of_session.erase(old->second.session());
    st.sessions.erase(old);
  }
  st.peer_of_session[k.session] = peer;
  st.sessions.emplace(peer, security::frame_opener{std::move(k)});
  st.log->info("peer {} authenticated (session {:016x})", peer, c.session());
  if (offer) {
    st.offers[peer] = offer;
    if (auto t = lookup::transport(*st.cfg.dir, st.cfg.root_path))
      self->send(t, connect_atom_v, peer, offer);
  }
  return make_pb(std::move(out));
}

void on_frame(gate_actor* self, const ::keel::peer::PeerFrame& f) {
  auto& st = self->state;
  auto refuse = [&](const std::string& why) {
    if (time_to_log(++st.unauthenticated))
      st.log->warn("dropping a peer frame: {} ({} such drops so far)", why, st.unauthenticated);
    report_drops(self, 1, 0);
  };
  auto s = st.peer_of_session.find(f.session());
  if (s == st.peer_of_session.end())
    return refuse("no session " + std::to_string(f.session()));
  auto& opener = st.sessions.at(s->second);
  if (auto opened = opener.open(f); !opened)
    return refuse(std::string{security::to_string(opened.error())} + " on the session of "
                  + s->second);
  raft::MessageBatch batch;
  if (!batch.ParseFromString(f.batch()))
    return refuse("an authenticated frame of " + s->second + " is not a MessageBatch");
  auto t = lookup::transport(*st.cfg.dir, st.cfg.root_path);
  if (!t)
    return; // the transport is restarting; Raft retries
  self->send(t, raft_atom_v, s->second, make_pb(std::move(batch)));
}

peer_gate_api::behavior_type gate(gate_actor* self, peer_gate_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  auto members = st.cfg.members;
  st.handshakes = std::make_unique<security::gate_handshakes>(
    *st.cfg.trust, *st.cfg.incarnations, st.cfg.node_id, [members](std::string_view id) {
      return std::find(members.begin(), members.end(), id) != members.end();
    });
  network::drop_unexpected(self, &st.unexpected);
  if (st.cfg.publish)
    network::publish_any(self, st.cfg.host, st.cfg.peer_port, "peer gate");
  return {
    [self](peer_atom, pb<::keel::peer::PeerHello>& h) { return on_hello(self, h.msg, {}); },
    [self](peer_atom, pb<::keel::peer::PeerHello>& h, caf::actor& offer) {
      // An offer is a remote front door whose type nothing proves: it becomes
      // typed here, once, and is used only if the hello's sender proves its id.
      return on_hello(self, h.msg, caf::actor_cast<peer_gate_api>(std::move(offer)));
    },
    // A (re)started transport asks for the gates that peers offered.
    [self](connect_atom) {
      auto& st = self->state;
      auto& sender = self->current_sender();
      if (!sender || sender->node() != self->node())
        return;
      auto transport = caf::actor_cast<transport_api>(sender);
      for (auto& [peer, gate] : st.offers)
        self->send(transport, connect_atom_v, peer, gate);
    },
    [self](peer_atom, pb<::keel::peer::PeerConfirm>& c) { return on_confirm(self, c.msg); },
    [self](raft_atom, pb<::keel::peer::PeerFrame>& f) { on_frame(self, f.msg); },
  };
}

} // namespace

peer_gate_api spawn_peer_gate(caf::actor_system& sys, peer_gate_config cfg) {
  return sys.spawn(gate, std::move(cfg));
}

} // namespace keel::transport
