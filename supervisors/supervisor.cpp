// The supervisor actor (a thin shell over supervisor_state) and the public
// functions that spawn supervision trees.
#include "supervisors/supervisor.hpp"

#include <stdexcept>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "messages/type_ids.hpp"
#include "supervisors/core/spec_check.hpp"
#include "supervisors/supervisor_state.hpp"

namespace keel::sup {

namespace {

using supervisor_actor_t = caf::stateful_actor<supervisor_state>;

caf::behavior supervisor_actor(supervisor_actor_t* self, std::string path, supervisor_spec spec,
                               std::shared_ptr<directory> dir,
                               std::shared_ptr<metrics::node_metrics> metrics) {
  // Trap exits (OTP: process_flag(trap_exit, true)): a stop request from the
  // parent becomes an orderly shutdown of the children.
  self->set_exit_handler([self](caf::exit_msg& msg) { self->state.on_exit(msg); });
  self->set_down_handler([self](caf::down_msg& msg) { self->state.on_down(msg); });
  self->state.init(std::move(path), std::move(spec), std::move(dir), std::move(metrics));
  return {
    [self](tree_atom) { return self->state.query_tree(default_tree_budget_ms); },
    [self](tree_atom, uint32_t budget_ms) { return self->state.query_tree(budget_ms); },
    [self](which_atom) { return self->state.which(); },
    [self](start_atom, const std::string& id) -> caf::result<caf::actor> {
      auto started = self->state.start_dynamic(id);
      if (!started)
        return std::move(started.error());
      return std::move(*started);
    },
    [self](restart_atom, const std::string& id) { self->state.on_retry(id); },
    [self](shutdown_atom, uint64_t ticket) { self->state.on_stop_deadline(ticket); },
  };
}

void validate(const supervisor_spec& spec) {
  std::vector<std::string> ids;
  for (const auto& cs : spec.children) {
    ids.push_back(cs.id);
    if (!cs.start)
      throw std::invalid_argument("child '" + cs.id + "' has no start function");
  }
  if (auto checked = check_spec(spec.f, ids); !checked.ok())
    throw std::invalid_argument(checked.error().detail);
}

} // namespace

child_spec supervisor_child(std::string id, supervisor_spec spec, restart_type restart) {
  validate(spec);
  child_spec result;
  result.id = std::move(id);
  result.restart = restart;
  result.kind = child_kind::supervisor;
  result.shutdown = shutdown_spec::infinity();
  result.start = [spec = std::move(spec)](const start_context& ctx) -> caf::expected<caf::actor> {
    return ctx.supervisor->spawn(supervisor_actor, ctx.path, spec, ctx.dir, ctx.metrics);
  };
  return result;
}

caf::actor spawn_supervisor(caf::actor_system& sys, std::string path, supervisor_spec spec,
                            std::shared_ptr<directory> dir,
                            std::shared_ptr<metrics::node_metrics> metrics) {
  validate(spec);
  auto hdl = sys.spawn(supervisor_actor, path, std::move(spec), dir, std::move(metrics));
  dir->put(path, hdl);
  return hdl;
}

} // namespace keel::sup
