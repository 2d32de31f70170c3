// The state of one supervisor actor: its children and the execution of the
// plans that the pure restart_policy returns. Stopping a child is
// asynchronous (user_shutdown, a deadline message, then kill), so a plan runs
// as a stop job: children are stopped one at a time in the plan's order, and
// the restarts follow once the last one is down. Child exits that the running
// job does not cover wait in a queue until it is done. Owned by the
// supervisor actor (supervisor.cpp); only supervisors/*.cpp include this header.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_addr.hpp"
#include "caf/error.hpp"
#include "caf/expected.hpp"
#include "caf/fwd.hpp"
#include "caf/typed_response_promise.hpp"

#include "messages/admin.pb.h"
#include "messages/pb.hpp"
#include "supervisors/core/restart_policy.hpp"
#include "supervisors/event_log.hpp"
#include "supervisors/supervisor.hpp"

namespace keel::sup {

/// One child, across its incarnations.
struct child_record {
  child_spec spec;
  std::string path;
  caf::actor handle;            // invariant: valid iff the child is running
  uint64_t incarnation = 0;     // successful starts so far
  uint32_t restart_count = 0;   // successful starts after the first
  bool retry_pending = false;   // a restart_atom for this child is on its way
  std::string last_exit_reason; // empty until the first exit
  uint64_t started_at_ms = 0;   // clock time of the current incarnation's start
};

/// A plan being executed: children stopped one by one, then a continuation.
struct stop_job {
  std::deque<std::string> queue; // ids still to stop, in stop order
  std::string current;           // id being stopped; empty between two stops
  uint64_t ticket = 0;           // identifies the current stop's deadline
  std::vector<std::string> then_start;
  std::vector<std::string> then_remove;
  bool then_quit = false;
  caf::error quit_reason;
};

/// A child exit (or a start retry) that arrived while a stop job was running.
struct deferred_event {
  std::string id;
  uint64_t incarnation = 0; // the incarnation that exited
  exit_class why = exit_class::abnormal;
  bool is_retry = false;
};

class supervisor_state {
public:
  static inline const char* name = "keel.supervisor";

  explicit supervisor_state(caf::event_based_actor* self);

  /// Takes the spec and starts the children in order.
  void init(std::string path, supervisor_spec spec, std::shared_ptr<directory> dir,
            std::shared_ptr<metrics::node_metrics> metrics);

  /// A monitored child went down.
  void on_down(const caf::down_msg& msg);

  /// An exit_msg: with a non-normal reason, a request to stop (from the
  /// parent, or the owner of a root supervisor).
  void on_exit(const caf::exit_msg& msg);

  /// (restart_atom, id): try again to start a child whose start failed.
  void on_retry(const std::string& id);

  /// (shutdown_atom, ticket): a stop deadline passed; kill if still waiting.
  void on_stop_deadline(uint64_t ticket);

  /// (start_atom, id): starts a dynamic child (simple_one_for_one only).
  caf::expected<caf::actor> start_dynamic(const std::string& id);

  /// (which_atom): running children in start order.
  which_result which() const;

  /// (tree_atom): this subtree, with child supervisors asked asynchronously.
  caf::typed_response_promise<pb<admin::ActorInfo>> query_tree(uint32_t budget_ms);

private:
  // -- children -------------------------------------------------------------
  child_record* find(const std::string& id);
  child_record* find(const caf::actor_addr& incarnation);
  std::vector<child_view> views() const;
  void remove_stopped(const std::vector<std::string>& ids);
  uint64_t now_ms() const;

  // -- starting -------------------------------------------------------------
  caf::error try_start(child_record& rec);
  void start_in_order(const std::vector<std::string>& ids);
  void on_start_failed(const std::string& id, const caf::error& reason);

  // -- executing plans ------------------------------------------------------
  void decide(const std::string& id, exit_class why);
  void begin_job(stop_job job);
  void advance_job();
  void stop_child(child_record& rec);
  void finish_job();
  void drain_deferred();
  void shut_down(caf::error reason);

  // -- introspection --------------------------------------------------------
  admin::ActorInfo describe_self() const;
  admin::ActorInfo describe_child(const child_record& rec, uint64_t now) const;

  caf::event_based_actor* self_;
  std::string path_;
  std::shared_ptr<directory> dir_;
  std::shared_ptr<metrics::node_metrics> metrics_; // handed to child supervisors
  restart_policy policy_{flags{}};
  std::optional<child_spec> template_; // simple_one_for_one: the dynamic spec
  std::vector<child_record> children_; // start order
  std::optional<stop_job> job_;
  std::deque<deferred_event> deferred_;
  bool draining_ = false;
  bool quitting_ = false; // a job ending in quit is running
  uint64_t next_ticket_ = 0;
  uint64_t started_at_ms_ = 0;
  // The running children by path, as published in the directory. Shared with
  // the hook that runs when this supervisor terminates, however it ends: it
  // kills them and erases their paths (see init()).
  std::shared_ptr<std::map<std::string, caf::actor_addr>> published_;
  std::unique_ptr<event_log> log_;
};

} // namespace keel::sup
