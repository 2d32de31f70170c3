// The public face of the supervision library: child specs with their start
// functions, supervisor specs, and spawning a supervision tree. Follows OTP's
// supervisor; knows nothing about what its children do. The node application
// builds its tree with these; other actors find their siblings through the
// directory.
//
// A supervisor actor answers:
//   (tree_atom)                  -> keel::pb<keel::admin::ActorInfo>, itself and its subtree,
//                                   within default_tree_budget_ms (give the request more)
//   (tree_atom, uint32_t budget) -> the same, answered within `budget` ms
//   (which_atom)                 -> which_result: (id, actor) of running children, start order
//                                   (in-process only: which_result has no CAF type ID)
//   (start_atom, std::string id) -> caf::actor; simple_one_for_one only: starts a dynamic
//                                   child at <path>/<id>, or answers an error
// (restart_atom, id) and (shutdown_atom, ticket) are its own timers.
// An exit_msg with a non-normal reason (from its parent, or from the owner of
// a root) makes it stop its children in reverse order, honouring their
// shutdown specs, then exit with that reason. If it dies any other way (kill),
// its children are killed with it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "caf/actor.hpp"
#include "caf/expected.hpp"
#include "caf/fwd.hpp"

#include "supervisors/core/child_spec.hpp"
#include "supervisors/directory.hpp"

namespace keel::metrics {
class node_metrics;
}

namespace keel::sup {

/// What a start function gets to know.
struct start_context {
  /// The supervisor calling the start function; spawn with it (e.g.
  /// `supervisor->spawn(f)`, or `supervisor->system().spawn<caf::detached>(f)`
  /// for blocking actors). The supervisor monitors and links the result.
  caf::local_actor* supervisor = nullptr;
  std::string path;               ///< the child's stable path: <supervisor path>/<id>
  std::string id;                 ///< the child's id
  std::shared_ptr<directory> dir; ///< where the child finds its siblings
  /// Where supervisors count restarts (keel_supervisor_*); a child supervisor
  /// inherits its parent's. May be null: nothing is counted.
  std::shared_ptr<metrics::node_metrics> metrics;
};

/// Starts one incarnation of a child. Returns the new actor, or an error:
/// the supervisor then retries later by messaging itself (never in a loop).
/// Called on the supervisor's thread: it must not block.
using start_fn = std::function<caf::expected<caf::actor>(const start_context&)>;

/// One child of a supervisor (OTP child_spec).
struct child_spec {
  std::string id; ///< unique among its siblings; no '/'
  start_fn start;
  restart_type restart = restart_type::permanent;
  shutdown_spec shutdown;
  child_kind kind = child_kind::worker;
};

/// A supervisor's flags and its children in start order. A
/// simple_one_for_one supervisor has exactly one child spec: the template of
/// its dynamic children, none of which runs at first.
struct supervisor_spec {
  flags f;
  std::vector<child_spec> children;
};

/// The answer to (which_atom).
using which_result = std::vector<std::pair<std::string, caf::actor>>;

/// Default time a supervisor gives its subtree to answer (tree_atom).
constexpr uint32_t default_tree_budget_ms = 1000;

/// A child that is itself a supervisor (kind = supervisor, shutdown infinity,
/// as in OTP). Throws std::invalid_argument if `spec` is not valid (see
/// check_spec), so a bad tree is refused before anything starts.
child_spec supervisor_child(std::string id, supervisor_spec spec,
                            restart_type restart = restart_type::permanent);

/// Spawns a top-level supervisor at `path` (e.g. "/n1") and puts it in `dir`.
/// Its children start in order before it handles any other message. The
/// caller must keep the returned handle: an actor without strong references
/// dies (exit_reason::unreachable). Stop it with
/// `anon_send_exit(h, caf::exit_reason::user_shutdown)`.
/// Throws std::invalid_argument if `spec` is not valid.
/// Its subtree counts restarts into `metrics` (if set).
caf::actor spawn_supervisor(caf::actor_system& sys, std::string path, supervisor_spec spec,
                            std::shared_ptr<directory> dir,
                            std::shared_ptr<metrics::node_metrics> metrics = nullptr);

} // namespace keel::sup
