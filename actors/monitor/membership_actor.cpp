#include "actors/monitor/membership_actor.hpp"

#include <chrono>
#include <map>

#include "caf/all.hpp"

#include "actors/log/logger.hpp"
#include "actors/lookup.hpp"
#include "messages/type_ids.hpp"

namespace keel::monitor {

namespace {

using std::chrono::milliseconds;

// What the monitor remembers of one peer between samples.
struct peer_history {
  std::string verdict = "unknown";
  caf::actor_clock::time_point since;
  uint32_t times_suspected = 0;
};

struct membership_state {
  static inline const char* name = "keel.membership";
  membership_config cfg;
  std::shared_ptr<spdlog::logger> log = component_logger("monitor");
  std::map<std::string, peer_history> peers;
  admin::Members latest;
  bool sampled = false;
};

// Its sampling timer is not part of membership_api: spawned with this private
// extension and handed out as membership_api, so no other actor can hurry it.
using membership_impl = membership_api::extend<caf::reacts_to<tick_atom>>;

using membership_actor = membership_impl::stateful_base<membership_state>;

// Folds one sample of the transport's view into the history, logging every
// change of verdict.
void observe(membership_actor* self, admin::Members view) {
  auto& st = self->state;
  auto now = self->clock().now();
  for (auto& p : *view.mutable_nodes()) {
    if (p.self())
      continue;
    auto [it, fresh] = st.peers.try_emplace(p.node_id());
    auto& h = it->second;
    if (fresh)
      h.since = now;
    if (p.verdict() != h.verdict) {
      if (p.verdict() == "suspect") {
        ++h.times_suspected;
        st.log->warn("peer {} suspected: phi={:.1f} >= {:.1f} (was {})", p.node_id(), p.phi(),
                     view.phi_threshold(), h.verdict);
      } else {
        st.log->info("peer {} is {} (was {}), phi={:.1f}", p.node_id(), p.verdict(), h.verdict,
                     p.phi());
      }
      h.verdict = p.verdict();
      h.since = now;
    }
    p.set_times_suspected(h.times_suspected);
    p.set_verdict_age_ms(
      static_cast<uint64_t>(std::chrono::duration_cast<milliseconds>(now - h.since).count()));
  }
  st.latest = std::move(view);
  st.sampled = true;
}

void sample(membership_actor* self) {
  auto& st = self->state;
  self->delayed_send(self, milliseconds(st.cfg.sample_interval_ms), tick_atom_v);
  auto transport = lookup::transport(*st.cfg.dir, st.cfg.root_path);
  if (!transport)
    return; // restarting: the next sample will see it again
  self->request(transport, milliseconds(st.cfg.sample_interval_ms), members_atom_v)
    .then([self](pb<admin::Members>& view) { observe(self, std::move(view.msg)); },
          [](caf::error&) { /* a late or lost sample: the next one replaces it */ });
}

membership_impl::behavior_type membership(membership_actor* self, membership_config cfg) {
  self->state.cfg = std::move(cfg);
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) { sample(self); },
    [self](members_atom) -> caf::result<pb<admin::Members>> {
      if (!self->state.sampled)
        return caf::make_error(caf::sec::runtime_error,
                               "no membership sample yet; retry in a moment");
      return make_pb(self->state.latest);
    },
  };
}

} // namespace

membership_api spawn_membership(caf::actor_system& sys, membership_config cfg) {
  return sys.spawn(membership, std::move(cfg));
}

} // namespace keel::monitor
