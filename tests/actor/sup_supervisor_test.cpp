// The supervisor actor under CAF's deterministic test coordinator: start and
// stop order, stable paths, shutdown timeouts, failed starts, intensity and
// escalation, the tree query, dynamic children. Every strategy x restart type
// x exit reason is in sup_strategy_matrix_test.cpp.
#include "sup_test_support.hpp"

namespace {

using namespace keel;
using namespace keel::sup;
using namespace keel::sup::testing;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

struct SupSupervisor : ::testing::Test, sup_fixture {
  supervisor_spec abc(strategy s, uint32_t intensity = 10) {
    supervisor_spec spec;
    spec.f = make_flags(s, intensity);
    for (auto id : {"a", "b", "c"})
      spec.children.push_back(worker(id, log));
    return spec;
  }

  // Journal events after the first `skip`.
  strings events_after(size_t skip) {
    return strings(log->events.begin() + static_cast<long>(skip), log->events.end());
  }
};

TEST_F(SupSupervisor, StartsChildrenInOrderAndPublishesTheirPaths) {
  auto sup = start_root("/t", abc(strategy::one_for_one));
  EXPECT_EQ(log->events, (strings{"start:a", "start:b", "start:c"}));
  EXPECT_EQ(dir->paths(), (strings{"/t", "/t/a", "/t/b", "/t/c"}));
  EXPECT_EQ(dir->get("/t"), sup);
  EXPECT_EQ(ping("/t/b"), "b");
  auto running = which(sup);
  ASSERT_EQ(running.size(), 3u);
  EXPECT_EQ(running[0].first, "a");
  EXPECT_EQ(running[0].second, dir->get("/t/a"));
  EXPECT_EQ(running[2].first, "c");
}

TEST_F(SupSupervisor, RestartedChildIsFoundAgainUnderItsPath) {
  auto sup = start_root("/t", abc(strategy::one_for_one));
  auto old_b = dir->get("/t/b");
  tell("/t/b", "throw");
  auto new_b = dir->get("/t/b");
  ASSERT_TRUE(new_b);
  EXPECT_NE(new_b, old_b);
  EXPECT_NE(new_b.id(), old_b.id());
  EXPECT_EQ(ping("/t/b"), "b");
  auto running = which(sup);
  ASSERT_EQ(running.size(), 3u);
  EXPECT_EQ(running[1].second, new_b);
}

TEST_F(SupSupervisor, OrderlyShutdownStopsChildrenInReverseOrder) {
  auto sup = start_root("/t", abc(strategy::one_for_one));
  auto downs = watch(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  EXPECT_EQ(events_after(3), (strings{"stop:c", "stop:b", "stop:a"}));
  for (auto id : {"a", "b", "c"})
    EXPECT_EQ(log->last_reason[id], caf::exit_reason::user_shutdown) << id;
  ASSERT_EQ(downs->size(), 1u);
  EXPECT_EQ(downs->front(), caf::exit_reason::user_shutdown);
  EXPECT_TRUE(dir->paths().empty());
}

TEST_F(SupSupervisor, OneForAllStopsInReverseOrderThenStartsInOrder) {
  start_root("/t", abc(strategy::one_for_all));
  tell("/t/a", "error");
  EXPECT_EQ(events_after(3),
            (strings{"stop:a", "stop:c", "stop:b", "start:a", "start:b", "start:c"}));
}

TEST_F(SupSupervisor, RestForOneRestartsTheFailedChildAndThoseAfterIt) {
  start_root("/t", abc(strategy::rest_for_one));
  tell("/t/b", "error");
  EXPECT_EQ(events_after(3), (strings{"stop:b", "stop:c", "start:b", "start:c"}));
}

TEST_F(SupSupervisor, ChildIgnoringShutdownIsKilledAfterItsTimeout) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_one);
  spec.children.push_back(worker("calm", log));
  spec.children.push_back(worker("stubborn", log, restart_type::permanent,
                                 shutdown_spec::after_ms(500), {.trap_exits = true}));
  auto sup = start_root("/t", spec);
  auto downs = watch(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  EXPECT_EQ(log->count("stop:stubborn"), 0);
  EXPECT_EQ(log->count("stop:calm"), 0) << "stops run in reverse order, one at a time";
  advance(499ms);
  EXPECT_EQ(log->count("stop:stubborn"), 0);
  EXPECT_TRUE(downs->empty());
  advance(1ms);
  EXPECT_EQ(events_after(2), (strings{"stop:stubborn", "stop:calm"}));
  EXPECT_EQ(log->last_reason["stubborn"], caf::exit_reason::kill);
  EXPECT_EQ(log->last_reason["calm"], caf::exit_reason::user_shutdown);
  ASSERT_EQ(downs->size(), 1u);
  EXPECT_EQ(downs->front(), caf::exit_reason::user_shutdown);
}

TEST_F(SupSupervisor, BrutalKillStopsATrappingChildAtOnce) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_one);
  spec.children.push_back(worker("stubborn", log, restart_type::permanent,
                                 shutdown_spec::brutal_kill(), {.trap_exits = true}));
  auto sup = start_root("/t", spec);
  auto downs = watch(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  EXPECT_EQ(log->count("stop:stubborn"), 1);
  EXPECT_EQ(log->last_reason["stubborn"], caf::exit_reason::kill);
  EXPECT_EQ(downs->size(), 1u);
}

TEST_F(SupSupervisor, InfinityShutdownWaitsAsLongAsTheChildNeeds) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_one);
  spec.children.push_back(
    worker("slow", log, restart_type::permanent, shutdown_spec::infinity(), {.trap_exits = true}));
  auto sup = start_root("/t", spec);
  auto downs = watch(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  advance(24h);
  EXPECT_TRUE(downs->empty());
  EXPECT_EQ(log->count("stop:slow"), 0);
  tell("/t/slow", "normal"); // finishes its cleanup
  EXPECT_EQ(log->count("stop:slow"), 1);
  EXPECT_EQ(log->count("start:slow"), 1) << "a child stopped on shutdown is not restarted";
  EXPECT_EQ(downs->size(), 1u);
}

TEST_F(SupSupervisor, FailedStartIsRetriedByAMessageAfterTheDelay) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_one);
  spec.f.retry_delay_ms = 200;
  auto flaky = worker("flaky", log);
  flaky.start = worker_start(log, {}, 1);
  spec.children.push_back(worker("a", log));
  spec.children.push_back(flaky);
  spec.children.push_back(worker("c", log));
  auto sup = start_root("/t", spec);
  // one_for_one: the children after the failed one start anyway.
  EXPECT_EQ(log->events, (strings{"start:a", "start:c"}));
  EXPECT_FALSE(dir->get("/t/flaky"));
  auto info = tree(sup);
  auto* node = find_node(info, "/t/flaky");
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(node->running());
  EXPECT_NE(node->last_exit_reason(), "");
  advance(199ms);
  EXPECT_FALSE(dir->get("/t/flaky"));
  advance(1ms);
  EXPECT_EQ(log->start_attempts["flaky"], 2);
  EXPECT_EQ(ping("/t/flaky"), "flaky");
}

TEST_F(SupSupervisor, FailedStartUnderRestForOneHoldsBackTheChildrenAfterIt) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::rest_for_one);
  spec.f.retry_delay_ms = 50;
  spec.children.push_back(worker("a", log));
  spec.children.push_back(worker("b", log));
  spec.children.back().start = worker_start(log, {}, 1);
  spec.children.push_back(worker("c", log));
  start_root("/t", spec);
  EXPECT_EQ(log->events, (strings{"start:a"}));
  advance(50ms);
  EXPECT_EQ(log->events, (strings{"start:a", "start:b", "start:c"}));
}

TEST_F(SupSupervisor, StartThatKeepsFailingEscalatesInsteadOfLooping) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_one, 2);
  spec.children.push_back(worker("a", log));
  spec.children.push_back(worker("never", log));
  spec.children.back().start = worker_start(log, {}, 1000);
  auto sup = spawn_supervisor(sys, "/t", spec, dir);
  auto downs = watch(sup); // runs the supervisor: every retry is a message
  // The first start plus two retries within the intensity; the third retry
  // exceeds it.
  EXPECT_EQ(log->start_attempts["never"], 3);
  ASSERT_EQ(downs->size(), 1u);
  EXPECT_NE(to_string(downs->front()).find("reached_max_restart_intensity"), std::string::npos)
    << to_string(downs->front());
  EXPECT_EQ(log->events, (strings{"start:a", "stop:a"}));
  EXPECT_TRUE(dir->paths().empty());
}

TEST_F(SupSupervisor, ChildCrashingRightAfterEachStartIsRestartedUntilItHolds) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_one, 5);
  spec.children.push_back(worker("shaky", log, restart_type::permanent,
                                 shutdown_spec::after_ms(100), {.crash_on_init_times = 2}));
  auto sup = start_root("/t", spec);
  EXPECT_EQ(log->count("start:shaky"), 3);
  EXPECT_EQ(ping("/t/shaky"), "shaky");
  auto info = tree(sup);
  auto* node = find_node(info, "/t/shaky");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->restart_count(), 2u);
}

TEST_F(SupSupervisor, ChildCrashingWhileSiblingsStopIsRestartedOnlyOnce) {
  // Intensity 1: a second restart would make the supervisor give up.
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_all, 1);
  spec.children.push_back(worker("a", log));
  spec.children.push_back(
    worker("b", log, restart_type::permanent, shutdown_spec::after_ms(100), {.trap_exits = true}));
  spec.children.push_back(worker("c", log));
  auto sup = start_root("/t", spec);
  auto downs = watch(sup);
  tell("/t/c", "error"); // the supervisor now waits for b to stop
  EXPECT_EQ(log->count("stop:b"), 0);
  tell("/t/a", "throw"); // a crashes while the restart is under way
  advance(100ms);        // b is killed; then a, b, c start again
  EXPECT_TRUE(downs->empty());
  for (auto id : {"a", "b", "c"})
    EXPECT_EQ(log->count(std::string("start:") + id), 2) << id;
  auto info = tree(sup);
  for (auto path : {"/t/a", "/t/b", "/t/c"}) {
    auto* node = find_node(info, path);
    ASSERT_NE(node, nullptr) << path;
    EXPECT_EQ(node->restart_count(), 1u) << path;
    EXPECT_TRUE(node->running()) << path;
  }
}

supervisor_spec mid_tree(std::shared_ptr<journal> log, uint32_t root_intensity) {
  supervisor_spec mid;
  mid.f = make_flags(strategy::one_for_one, 1, 1000);
  mid.children.push_back(worker("w", log));
  supervisor_spec root;
  root.f = make_flags(strategy::one_for_one, root_intensity);
  root.children.push_back(worker("sibling", log));
  root.children.push_back(supervisor_child("mid", mid));
  return root;
}

TEST_F(SupSupervisor, IntensityExceededEscalatesToTheParentWhichRestartsTheSubtree) {
  auto sup = start_root("/g", mid_tree(log, 3));
  auto old_mid = dir->get("/g/mid");
  auto old_w = dir->get("/g/mid/w");
  auto mid_downs = watch(old_mid);
  tell("/g/mid/w", "error");
  EXPECT_EQ(dir->get("/g/mid"), old_mid) << "one restart is within intensity 1";
  tell("/g/mid/w", "error");
  ASSERT_EQ(mid_downs->size(), 1u);
  EXPECT_EQ(classify(mid_downs->front()), exit_class::abnormal);
  auto new_mid = dir->get("/g/mid");
  ASSERT_TRUE(new_mid);
  EXPECT_NE(new_mid, old_mid);
  EXPECT_NE(dir->get("/g/mid/w"), old_w);
  EXPECT_EQ(ping("/g/mid/w"), "w");
  EXPECT_EQ(log->count("start:sibling"), 1) << "one_for_one: the sibling is untouched";
  auto info = tree(sup);
  auto* mid = find_node(info, "/g/mid");
  ASSERT_NE(mid, nullptr);
  EXPECT_EQ(mid->restart_count(), 1u);
  EXPECT_EQ(mid->actor_id(), new_mid.id());
  auto* w = find_node(info, "/g/mid/w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->restart_count(), 0u) << "a fresh supervisor counts afresh";
  EXPECT_TRUE(w->running());
}

TEST_F(SupSupervisor, EscalationReachesTheRootWhenItGivesUpToo) {
  auto sup = spawn_supervisor(sys, "/g", mid_tree(log, 0), dir);
  auto downs = watch(sup);
  tell("/g/mid/w", "error");
  tell("/g/mid/w", "error"); // mid gives up; the root may not restart it
  ASSERT_EQ(downs->size(), 1u);
  EXPECT_EQ(classify(downs->front()), exit_class::abnormal);
  EXPECT_EQ(log->last_reason["sibling"], caf::exit_reason::user_shutdown);
  EXPECT_TRUE(dir->paths().empty());
}

TEST_F(SupSupervisor, SlowCrashesNeverEscalate) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::one_for_one, 1, 1000);
  spec.children.push_back(worker("w", log));
  auto sup = start_root("/t", spec);
  auto downs = watch(sup);
  for (int i = 0; i < 10; ++i) {
    tell("/t/w", "throw");
    advance(1001ms);
  }
  EXPECT_TRUE(downs->empty());
  auto info = tree(sup);
  auto* w = find_node(info, "/t/w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->restart_count(), 10u);
}

TEST_F(SupSupervisor, TreeReportsRestartCountsReasonsUptimeAndSubtrees) {
  supervisor_spec sub;
  sub.f = make_flags(strategy::rest_for_one);
  sub.children.push_back(worker("x", log));
  sub.children.push_back(worker("y", log, restart_type::transient));
  supervisor_spec root;
  root.f = make_flags(strategy::one_for_one);
  root.children.push_back(worker("a", log));
  root.children.push_back(supervisor_child("sub", sub));
  auto sup = start_root("/t", root);
  tell("/t/a", "throw");
  kill("/t/a");
  tell("/t/sub/y", "error");
  advance(250ms);
  auto info = tree(sup);
  EXPECT_EQ(info.path(), "/t");
  EXPECT_EQ(info.kind(), admin::ACTOR_KIND_SUPERVISOR);
  EXPECT_EQ(info.strategy(), "one_for_one");
  EXPECT_EQ(info.actor_id(), sup.id());
  ASSERT_EQ(info.children_size(), 2);
  const auto& a = info.children(0);
  EXPECT_EQ(a.path(), "/t/a");
  EXPECT_EQ(a.kind(), admin::ACTOR_KIND_WORKER);
  EXPECT_EQ(a.restart_type(), "permanent");
  EXPECT_EQ(a.restart_count(), 2u);
  EXPECT_EQ(a.actor_id(), dir->get("/t/a").id());
  EXPECT_NE(a.last_exit_reason().find("kill"), std::string::npos) << a.last_exit_reason();
  EXPECT_EQ(a.uptime_ms(), 250u);
  EXPECT_TRUE(a.running());
  const auto& s = info.children(1);
  EXPECT_EQ(s.path(), "/t/sub");
  EXPECT_EQ(s.kind(), admin::ACTOR_KIND_SUPERVISOR);
  EXPECT_EQ(s.strategy(), "rest_for_one");
  EXPECT_EQ(s.restart_count(), 0u);
  EXPECT_EQ(s.last_exit_reason(), "");
  ASSERT_EQ(s.children_size(), 2);
  EXPECT_EQ(s.children(0).path(), "/t/sub/x");
  EXPECT_EQ(s.children(0).restart_count(), 0u);
  EXPECT_EQ(s.children(1).path(), "/t/sub/y");
  EXPECT_EQ(s.children(1).restart_type(), "transient");
  EXPECT_EQ(s.children(1).restart_count(), 1u);
  EXPECT_NE(s.children(1).last_exit_reason(), "");
}

// A "supervisor" that never answers the tree query.
caf::behavior mute_supervisor(caf::event_based_actor* self) {
  return {
    [self](tree_atom, uint32_t) { return self->make_response_promise<pb<admin::ActorInfo>>(); },
  };
}

TEST_F(SupSupervisor, ChildThatDoesNotAnswerTheTreeQueryAppearsWithWhatTheParentKnows) {
  supervisor_spec root;
  root.f = make_flags(strategy::one_for_one);
  child_spec mute;
  mute.id = "mute";
  mute.kind = child_kind::supervisor;
  mute.start = [](const start_context& ctx) -> caf::expected<caf::actor> {
    return ctx.supervisor->spawn(mute_supervisor);
  };
  root.children.push_back(mute);
  root.children.push_back(worker("a", log));
  auto sup = start_root("/t", root);
  auto answer = self->request(sup, caf::infinite, tree_atom_v);
  sched.run();
  EXPECT_EQ(sched.clock().schedule().size(), 1u) << "the subtree request's timeout";
  advance(std::chrono::milliseconds(default_tree_budget_ms));
  admin::ActorInfo info;
  answer.receive([&](pb<admin::ActorInfo>& x) { info = x.msg; },
                 [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
  ASSERT_EQ(info.children_size(), 2);
  EXPECT_EQ(info.children(0).path(), "/t/mute");
  EXPECT_TRUE(info.children(0).running());
  EXPECT_EQ(info.children(0).actor_id(), dir->get("/t/mute").id());
  EXPECT_EQ(info.children(0).children_size(), 0);
  EXPECT_EQ(info.children(1).path(), "/t/a");
}

TEST_F(SupSupervisor, SimpleOneForOneStartsDynamicChildrenOnRequest) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::simple_one_for_one);
  spec.children.push_back(worker("template", log));
  auto sup = start_root("/t", spec);
  EXPECT_TRUE(log->events.empty());
  EXPECT_TRUE(which(sup).empty());
  auto x = try_request<caf::actor>(sup, start_atom_v, std::string("x"));
  ASSERT_TRUE(x) << to_string(x.error());
  auto y = try_request<caf::actor>(sup, start_atom_v, std::string("y"));
  ASSERT_TRUE(y);
  EXPECT_EQ(dir->get("/t/x"), *x);
  EXPECT_EQ(ping("/t/y"), "y");
  auto running = which(sup);
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[0], std::make_pair(std::string("x"), *x));
  EXPECT_EQ(running[1], std::make_pair(std::string("y"), *y));
  EXPECT_FALSE(try_request<caf::actor>(sup, start_atom_v, std::string("x"))) << "ids are unique";
  EXPECT_FALSE(try_request<caf::actor>(sup, start_atom_v, std::string("a/b")));
  tell("/t/x", "throw");
  ASSERT_TRUE(dir->get("/t/x"));
  EXPECT_NE(dir->get("/t/x"), *x);
  EXPECT_EQ(ping("/t/x"), "x");
}

TEST_F(SupSupervisor, DynamicStartFailureIsAnsweredAndNotRetried) {
  supervisor_spec spec;
  spec.f = make_flags(strategy::simple_one_for_one);
  spec.children.push_back(worker("template", log));
  spec.children.back().start = worker_start(log, {}, 1);
  auto sup = start_root("/t", spec);
  EXPECT_FALSE(try_request<caf::actor>(sup, start_atom_v, std::string("x")));
  EXPECT_EQ(log->start_attempts["x"], 1);
  EXPECT_TRUE(which(sup).empty());
  EXPECT_TRUE(try_request<caf::actor>(sup, start_atom_v, std::string("x")));
}

TEST_F(SupSupervisor, StartAtomNeedsSimpleOneForOne) {
  auto sup = start_root("/t", abc(strategy::one_for_one));
  EXPECT_FALSE(try_request<caf::actor>(sup, start_atom_v, std::string("d")));
  EXPECT_EQ(which(sup).size(), 3u);
}

TEST_F(SupSupervisor, KilledSupervisorTakesItsChildrenAndPathsAlong) {
  auto spec = abc(strategy::one_for_one);
  spec.children.push_back(worker("trapper", log, restart_type::permanent,
                                 shutdown_spec::after_ms(100), {.trap_exits = true}));
  auto sup = start_root("/t", spec);
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  sched.run();
  for (auto id : {"a", "b", "c", "trapper"}) {
    EXPECT_EQ(log->count(std::string("stop:") + id), 1) << id;
    EXPECT_EQ(log->last_reason[id], caf::exit_reason::kill)
      << id << ": " << to_string(log->last_reason[id]);
  }
  EXPECT_TRUE(dir->paths().empty());
}

TEST_F(SupSupervisor, KilledChildIsRestartedAndItsSupervisorSurvives) {
  auto sup = start_root("/t", abc(strategy::one_for_one));
  auto downs = watch(sup);
  auto old_a = dir->get("/t/a");
  kill("/t/a");
  EXPECT_TRUE(downs->empty());
  EXPECT_NE(dir->get("/t/a"), old_a);
  EXPECT_EQ(ping("/t/a"), "a");
}

TEST_F(SupSupervisor, NormalExitMessageFromOutsideIsIgnored) {
  auto sup = start_root("/t", abc(strategy::one_for_one));
  auto downs = watch(sup);
  self->send_exit(sup, caf::exit_reason::normal);
  sched.run();
  EXPECT_TRUE(downs->empty());
  EXPECT_EQ(which(sup).size(), 3u);
}

TEST_F(SupSupervisor, InvalidSpecsAreRefusedBeforeAnythingStarts) {
  supervisor_spec dup;
  dup.children.push_back(worker("a", log));
  dup.children.push_back(worker("a", log));
  EXPECT_THROW(spawn_supervisor(sys, "/t", dup, dir), std::invalid_argument);
  EXPECT_THROW(supervisor_child("sub", dup), std::invalid_argument);
  supervisor_spec no_start;
  no_start.children.emplace_back();
  no_start.children.back().id = "a";
  EXPECT_THROW(spawn_supervisor(sys, "/t", no_start, dir), std::invalid_argument);
  EXPECT_TRUE(log->events.empty());
  EXPECT_TRUE(dir->paths().empty());
}

} // namespace
