// (tree_atom): a supervisor describes itself and its children; child
// supervisors describe their own subtrees, asked asynchronously with a budget
// that shrinks at each level, so that a deeper level always answers (or gives
// up on its own children) before its parent stops waiting for it. A child
// that does not answer in time appears with what its parent knows.
#include <chrono>
#include <memory>

#include "caf/event_based_actor.hpp"

#include "messages/type_ids.hpp"
#include "supervisors/supervisor_state.hpp"

namespace keel::sup {

namespace {

admin::ActorKind to_proto(child_kind k) {
  return k == child_kind::supervisor ? admin::ACTOR_KIND_SUPERVISOR : admin::ACTOR_KIND_WORKER;
}

// The answer under construction, shared by the response callbacks.
struct tree_gather {
  admin::ActorInfo info;
  size_t pending = 0;
  caf::typed_response_promise<pb<admin::ActorInfo>> promise;

  void one_done() {
    if (--pending == 0)
      promise.deliver(make_pb(info));
  }
};

} // namespace

admin::ActorInfo supervisor_state::describe_self() const {
  admin::ActorInfo info;
  info.set_path(path_);
  info.set_kind(admin::ACTOR_KIND_SUPERVISOR);
  info.set_strategy(to_string(policy_.config().strat));
  info.set_actor_id(self_->id());
  info.set_uptime_ms(now_ms() - started_at_ms_);
  info.set_running(true);
  return info;
}

admin::ActorInfo supervisor_state::describe_child(const child_record& rec, uint64_t now) const {
  admin::ActorInfo info;
  info.set_path(rec.path);
  info.set_kind(to_proto(rec.spec.kind));
  info.set_restart_type(to_string(rec.spec.restart));
  info.set_actor_id(rec.handle ? rec.handle.id() : 0);
  info.set_restart_count(rec.restart_count);
  info.set_last_exit_reason(rec.last_exit_reason);
  info.set_uptime_ms(rec.handle ? now - rec.started_at_ms : 0);
  info.set_running(static_cast<bool>(rec.handle));
  return info;
}

caf::typed_response_promise<pb<admin::ActorInfo>> supervisor_state::query_tree(uint32_t budget_ms) {
  auto g = std::make_shared<tree_gather>();
  g->promise = self_->make_response_promise<pb<admin::ActorInfo>>();
  g->info = describe_self();
  auto now = now_ms();
  std::vector<std::pair<int, caf::actor>> asks;
  for (const auto& rec : children_) {
    *g->info.add_children() = describe_child(rec, now);
    if (rec.spec.kind == child_kind::supervisor && rec.handle)
      asks.emplace_back(g->info.children_size() - 1, rec.handle);
  }
  if (asks.empty()) {
    g->promise.deliver(make_pb(g->info));
    return g->promise;
  }
  g->pending = asks.size();
  uint32_t sub_budget = std::max<uint32_t>(1, budget_ms - budget_ms / 4);
  for (auto& [index, hdl] : asks) {
    self_->request(hdl, std::chrono::milliseconds(budget_ms), tree_atom_v, sub_budget)
      .then(
        [g, index = index](pb<admin::ActorInfo>& sub) {
          // The parent's view of the child wins; the child adds its subtree.
          auto* mine = g->info.mutable_children(index);
          mine->set_strategy(sub->strategy());
          *mine->mutable_children() = sub->children();
          g->one_done();
        },
        [g](caf::error&) { g->one_done(); });
  }
  return g->promise;
}

} // namespace keel::sup
