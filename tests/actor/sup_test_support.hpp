// Test doubles and a fixture for the supervisor actor tests: workers that
// crash on command in every way an actor can end, a journal of starts and
// stops (to check order), start functions that fail on purpose, and helpers
// over CAF's deterministic test coordinator.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"
#include "messages/type_ids.hpp"
#include "supervisors/exit_reason.hpp"
#include "supervisors/supervisor.hpp"

namespace keel::sup::testing {

/// What happened to the test workers, in order: "start:<id>", "stop:<id>".
struct journal {
  std::vector<std::string> events;
  std::map<std::string, caf::error> last_reason; // by child id
  std::map<std::string, int> start_attempts;     // by child id

  int count(const std::string& event) const {
    int n = 0;
    for (const auto& e : events)
      n += e == event ? 1 : 0;
    return n;
  }
};

/// How a test worker behaves.
struct worker_mode {
  bool trap_exits = false;     // ignore user_shutdown (only kill stops it)
  int crash_on_init_times = 0; // the first n incarnations exit at once with an error
};

/// A worker obeying string commands: "ping" answers its id; "normal",
/// "shutdown" and "error" make it exit with caf::none, user_shutdown or an
/// error; "throw" throws out of the handler.
inline caf::behavior test_worker(caf::event_based_actor* self, std::string id,
                                 std::shared_ptr<journal> j, worker_mode mode, int incarnation) {
  self->attach_functor([j, id](const caf::error& reason) {
    j->events.push_back("stop:" + id);
    j->last_reason[id] = reason;
  });
  if (mode.trap_exits)
    self->set_exit_handler([](caf::exit_msg&) {});
  if (incarnation <= mode.crash_on_init_times) {
    self->quit(caf::make_error(caf::sec::runtime_error, "crashed on init"));
    return {};
  }
  return {
    [self, id](const std::string& cmd) -> caf::result<std::string> {
      if (cmd == "normal")
        self->quit();
      else if (cmd == "shutdown")
        self->quit(caf::exit_reason::user_shutdown);
      else if (cmd == "error")
        self->quit(caf::make_error(caf::sec::invalid_argument, "boom"));
      else if (cmd == "throw")
        throw std::runtime_error("kaboom");
      return id;
    },
  };
}

/// Starts test_worker children; `failures` first attempts per id return an error.
inline start_fn worker_start(std::shared_ptr<journal> j, worker_mode mode = {}, int failures = 0) {
  return [j, mode, failures](const start_context& ctx) -> caf::expected<caf::actor> {
    int attempt = ++j->start_attempts[ctx.id];
    if (attempt <= failures)
      return caf::make_error(caf::sec::runtime_error, "start failed on purpose");
    j->events.push_back("start:" + ctx.id);
    int incarnation = j->count("start:" + ctx.id);
    return ctx.supervisor->spawn(test_worker, ctx.id, j, mode, incarnation);
  };
}

inline child_spec worker(std::string id, std::shared_ptr<journal> j,
                         restart_type r = restart_type::permanent,
                         shutdown_spec sd = shutdown_spec::after_ms(100), worker_mode mode = {}) {
  child_spec cs;
  cs.id = std::move(id);
  cs.start = worker_start(j, mode);
  cs.restart = r;
  cs.shutdown = sd;
  return cs;
}

inline flags make_flags(strategy s, uint32_t intensity = 10, uint32_t period_ms = 5000) {
  flags f;
  f.strat = s;
  f.intensity = intensity;
  f.period_ms = period_ms;
  return f;
}

/// Records the exit reason of the actor it watches.
inline caf::behavior observer(caf::event_based_actor* self, caf::actor target,
                              std::shared_ptr<std::vector<caf::error>> downs) {
  self->set_down_handler([downs](caf::down_msg& msg) { downs->push_back(msg.reason); });
  self->monitor(target);
  return {[](const std::string&) {}};
}

/// Finds the node at `path` in a tree answer, or nullptr.
inline const admin::ActorInfo* find_node(const admin::ActorInfo& node, const std::string& path) {
  if (node.path() == path)
    return &node;
  for (const auto& child : node.children())
    if (auto* hit = find_node(child, path))
      return hit;
  return nullptr;
}

/// The deterministic CAF fixture plus a directory, a journal and helpers.
/// Helpers use sched.run(), which runs messages only: time moves solely
/// through advance() (the fixture's run() would also fire pending timers).
struct sup_fixture : test_coordinator_fixture<keel::test::keel_config> {
  std::shared_ptr<directory> dir = std::make_shared<directory>();
  std::shared_ptr<journal> log = std::make_shared<journal>();
  std::vector<caf::actor> roots;
  std::vector<caf::actor> observers;

  ~sup_fixture() override {
    // Actors alive at the end would keep the actor system from shutting down.
    for (auto& r : roots)
      caf::anon_send_exit(r, caf::exit_reason::kill);
    for (auto& o : observers)
      caf::anon_send_exit(o, caf::exit_reason::kill);
    run();
  }

  caf::actor start_root(const std::string& path, supervisor_spec spec) {
    auto sup = spawn_supervisor(sys, path, std::move(spec), dir);
    roots.push_back(sup);
    sched.run();
    return sup;
  }

  /// The exit reasons `target` will have, once it exits.
  std::shared_ptr<std::vector<caf::error>> watch(const caf::actor& target) {
    auto downs = std::make_shared<std::vector<caf::error>>();
    observers.push_back(sys.spawn(observer, target, downs));
    sched.run();
    return downs;
  }

  void tell(const std::string& path, const std::string& cmd) {
    auto target = dir->get(path);
    ASSERT_TRUE(target) << "nothing runs at " << path;
    caf::anon_send(target, cmd);
    sched.run();
  }

  void kill(const std::string& path) {
    auto target = dir->get(path);
    ASSERT_TRUE(target) << "nothing runs at " << path;
    caf::anon_send_exit(target, caf::exit_reason::kill);
    sched.run();
  }

  std::string ping(const std::string& path) {
    auto answer = try_request<std::string>(dir->get(path), std::string("ping"));
    return answer ? *answer : to_string(answer.error());
  }

  /// A request whose answer may be an error; the answer must come within run().
  template <class T, class... Ts>
  caf::expected<T> try_request(const caf::actor& hdl, Ts... xs) {
    auto answer = self->request(hdl, caf::infinite, std::move(xs)...);
    sched.run();
    caf::expected<T> result{caf::make_error(caf::sec::request_timeout)};
    answer.receive([&](T& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  admin::ActorInfo tree(const caf::actor& sup) {
    auto answer = try_request<pb<admin::ActorInfo>>(sup, tree_atom_v);
    EXPECT_TRUE(answer) << to_string(answer.error());
    return answer ? answer->msg : admin::ActorInfo{};
  }

  which_result which(const caf::actor& sup) {
    auto answer = try_request<which_result>(sup, which_atom_v);
    EXPECT_TRUE(answer) << to_string(answer.error());
    return answer ? *answer : which_result{};
  }

  void advance(std::chrono::milliseconds ms) {
    sched.clock().advance_time(ms);
    sched.run();
  }
};

} // namespace keel::sup::testing
