// The pure restart policy of supervisors/core against OTP supervisor.erl:
// every strategy x restart type x exit class, the intensity window, and the
// validation of child specs. Time is an integer argument: no clock, no sleeps.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "supervisors/core/restart_policy.hpp"
#include "supervisors/core/spec_check.hpp"

namespace {

using namespace keel::sup;
using ids = std::vector<std::string>;

constexpr strategy all_strategies[] = {strategy::one_for_one, strategy::one_for_all,
                                       strategy::rest_for_one, strategy::simple_one_for_one};
constexpr restart_type all_restart_types[]
  = {restart_type::permanent, restart_type::transient, restart_type::temporary};
constexpr exit_class all_exit_classes[]
  = {exit_class::normal, exit_class::shutdown, exit_class::abnormal};

flags make_flags(strategy s, uint32_t intensity = 1000, uint32_t period_ms = 5000) {
  flags f;
  f.strat = s;
  f.intensity = intensity;
  f.period_ms = period_ms;
  return f;
}

// Four running children a, b, c, d in start order; b has the given type.
std::vector<child_view> four_children(restart_type b_type) {
  return {{"a", restart_type::permanent, true},
          {"b", b_type, false}, // b is the one that just exited
          {"c", restart_type::permanent, true},
          {"d", restart_type::permanent, true}};
}

// OTP's table, written out rather than computed.
bool expected_restart(restart_type t, exit_class c) {
  if (t == restart_type::permanent)
    return true;
  if (t == restart_type::transient)
    return c == exit_class::abnormal;
  return false;
}

TEST(SupRestartPolicy, RestartTypeTruthTableFollowsOtp) {
  EXPECT_TRUE(should_restart(restart_type::permanent, exit_class::normal));
  EXPECT_TRUE(should_restart(restart_type::permanent, exit_class::shutdown));
  EXPECT_TRUE(should_restart(restart_type::permanent, exit_class::abnormal));
  EXPECT_FALSE(should_restart(restart_type::transient, exit_class::normal));
  EXPECT_FALSE(should_restart(restart_type::transient, exit_class::shutdown));
  EXPECT_TRUE(should_restart(restart_type::transient, exit_class::abnormal));
  EXPECT_FALSE(should_restart(restart_type::temporary, exit_class::normal));
  EXPECT_FALSE(should_restart(restart_type::temporary, exit_class::shutdown));
  EXPECT_FALSE(should_restart(restart_type::temporary, exit_class::abnormal));
}

TEST(SupRestartPolicy, EveryStrategyRestartTypeAndExitClass) {
  for (auto s : all_strategies) {
    for (auto t : all_restart_types) {
      for (auto c : all_exit_classes) {
        SCOPED_TRACE(to_string(s) + " " + to_string(t) + " " + to_string(c));
        restart_policy policy{make_flags(s)};
        auto p = policy.on_child_exit(four_children(t), "b", c, 1000);
        if (!expected_restart(t, c)) {
          EXPECT_EQ(p.what, plan::verdict::none);
          EXPECT_EQ(p.stop, ids{});
          EXPECT_EQ(p.start, ids{});
          bool forgotten = t == restart_type::temporary || s == strategy::simple_one_for_one;
          EXPECT_EQ(p.remove, forgotten ? ids{"b"} : ids{});
          continue;
        }
        EXPECT_EQ(p.what, plan::verdict::restart);
        EXPECT_EQ(p.remove, ids{});
        switch (s) {
          case strategy::one_for_one:
          case strategy::simple_one_for_one:
            EXPECT_EQ(p.stop, ids{});
            EXPECT_EQ(p.start, ids{"b"});
            break;
          case strategy::one_for_all:
            EXPECT_EQ(p.stop, (ids{"d", "c", "a"}));
            EXPECT_EQ(p.start, (ids{"a", "b", "c", "d"}));
            break;
          case strategy::rest_for_one:
            EXPECT_EQ(p.stop, (ids{"d", "c"}));
            EXPECT_EQ(p.start, (ids{"b", "c", "d"}));
            break;
        }
      }
    }
  }
}

TEST(SupRestartPolicy, RestForOneFromEveryPosition) {
  for (size_t k = 0; k < 4; ++k) {
    std::vector<child_view> cs{{"a", restart_type::permanent, true},
                               {"b", restart_type::permanent, true},
                               {"c", restart_type::permanent, true},
                               {"d", restart_type::permanent, true}};
    cs[k].running = false;
    restart_policy policy{make_flags(strategy::rest_for_one)};
    auto p = policy.on_child_exit(cs, cs[k].id, exit_class::abnormal, 0);
    ids stop, start;
    for (size_t i = 4; i-- > k + 1;)
      stop.push_back(cs[i].id);
    for (size_t i = k; i < 4; ++i)
      start.push_back(cs[i].id);
    EXPECT_EQ(p.stop, stop) << "failed position " << k;
    EXPECT_EQ(p.start, start) << "failed position " << k;
  }
}

TEST(SupRestartPolicy, OneForAllStopsAndForgetsTemporarySiblings) {
  std::vector<child_view> cs{{"a", restart_type::temporary, true},
                             {"b", restart_type::permanent, false},
                             {"c", restart_type::temporary, true}};
  restart_policy policy{make_flags(strategy::one_for_all)};
  auto p = policy.on_child_exit(cs, "b", exit_class::abnormal, 0);
  EXPECT_EQ(p.what, plan::verdict::restart);
  EXPECT_EQ(p.stop, (ids{"c", "a"}));
  EXPECT_EQ(p.start, ids{"b"});
  EXPECT_EQ(p.remove, (ids{"a", "c"}));
}

TEST(SupRestartPolicy, OneForAllRestartsStoppedTransientSiblingButStopsOnlyRunningOnes) {
  // OTP start_children starts every child still in the list, including a
  // transient one that had exited normally.
  std::vector<child_view> cs{{"a", restart_type::transient, false},
                             {"b", restart_type::permanent, false},
                             {"c", restart_type::permanent, true}};
  restart_policy policy{make_flags(strategy::one_for_all)};
  auto p = policy.on_child_exit(cs, "b", exit_class::abnormal, 0);
  EXPECT_EQ(p.stop, ids{"c"});
  EXPECT_EQ(p.start, (ids{"a", "b", "c"}));
}

TEST(SupRestartPolicy, RestForOneLeavesEarlierTemporarySiblingAlone) {
  std::vector<child_view> cs{{"a", restart_type::temporary, true},
                             {"b", restart_type::permanent, false},
                             {"c", restart_type::temporary, true}};
  restart_policy policy{make_flags(strategy::rest_for_one)};
  auto p = policy.on_child_exit(cs, "b", exit_class::abnormal, 0);
  EXPECT_EQ(p.stop, ids{"c"});
  EXPECT_EQ(p.start, ids{"b"});
  EXPECT_EQ(p.remove, ids{"c"});
}

TEST(SupRestartPolicy, SimpleOneForOneForgetsDynamicChildrenThatAreNotRestarted) {
  std::vector<child_view> cs{{"x", restart_type::transient, true},
                             {"y", restart_type::transient, false}};
  restart_policy policy{make_flags(strategy::simple_one_for_one)};
  auto p = policy.on_child_exit(cs, "y", exit_class::shutdown, 0);
  EXPECT_EQ(p.what, plan::verdict::none);
  EXPECT_EQ(p.remove, ids{"y"});
  p = policy.on_child_exit(cs, "y", exit_class::abnormal, 0);
  EXPECT_EQ(p.what, plan::verdict::restart);
  EXPECT_EQ(p.start, ids{"y"});
  EXPECT_EQ(p.stop, ids{});
}

TEST(SupRestartPolicy, UnknownChildYieldsNoAction) {
  restart_policy policy{make_flags(strategy::one_for_all, 0)};
  auto p
    = policy.on_child_exit(four_children(restart_type::permanent), "zz", exit_class::abnormal, 0);
  EXPECT_EQ(p.what, plan::verdict::none);
  EXPECT_TRUE(p.stop.empty() && p.start.empty() && p.remove.empty());
}

TEST(SupRestartPolicy, MoreThanIntensityRestartsWithinPeriodGiveUp) {
  restart_policy policy{make_flags(strategy::one_for_one, 3, 5000)};
  auto cs = four_children(restart_type::permanent);
  for (uint64_t t = 0; t < 3; ++t)
    EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, t).what, plan::verdict::restart)
      << "restart " << t;
  auto p = policy.on_child_exit(cs, "b", exit_class::abnormal, 3);
  EXPECT_EQ(p.what, plan::verdict::give_up);
  // Giving up stops every running child in reverse order; b is already dead.
  EXPECT_EQ(p.stop, (ids{"d", "c", "a"}));
  EXPECT_EQ(p.start, ids{});
}

TEST(SupRestartPolicy, RestartsOfDifferentChildrenShareOneWindow) {
  restart_policy policy{make_flags(strategy::one_for_one, 1, 5000)};
  auto cs = four_children(restart_type::permanent);
  cs[1].running = true;
  cs[0].running = false;
  EXPECT_EQ(policy.on_child_exit(cs, "a", exit_class::abnormal, 0).what, plan::verdict::restart);
  cs[0].running = true;
  cs[2].running = false;
  EXPECT_EQ(policy.on_child_exit(cs, "c", exit_class::abnormal, 10).what, plan::verdict::give_up);
}

TEST(SupRestartPolicy, SlowerCrashesNeverEscalate) {
  // intensity 2 per 5000 ms: a crash every 2600 ms keeps at most 2 in any window.
  restart_policy policy{make_flags(strategy::one_for_one, 2, 5000)};
  auto cs = four_children(restart_type::permanent);
  for (uint64_t i = 0; i < 100; ++i)
    ASSERT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, i * 2600).what,
              plan::verdict::restart)
      << "crash " << i;
}

TEST(SupRestartPolicy, FasterCrashesEscalateOnceTheWindowFills) {
  restart_policy policy{make_flags(strategy::one_for_one, 2, 5000)};
  auto cs = four_children(restart_type::permanent);
  EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, 0).what, plan::verdict::restart);
  EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, 2400).what, plan::verdict::restart);
  EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, 4800).what, plan::verdict::give_up);
}

TEST(SupRestartPolicy, WindowSlidesPastOldRestarts) {
  // A burst, a pause longer than the period, then another burst of the same
  // size: the first burst no longer counts.
  restart_policy policy{make_flags(strategy::one_for_one, 3, 1000)};
  auto cs = four_children(restart_type::permanent);
  for (uint64_t t : {0, 10, 20})
    EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, t).what, plan::verdict::restart);
  for (uint64_t t : {1030, 1040})
    EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, t).what, plan::verdict::restart);
  // 1050: window (50..1050] holds 1030, 1040, 1050 = 3: still allowed.
  EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, 1050).what, plan::verdict::restart);
  EXPECT_EQ(policy.on_child_exit(cs, "b", exit_class::abnormal, 1060).what, plan::verdict::give_up);
}

TEST(SupRestartPolicy, RestartExactlyOnePeriodAgoStillCounts) {
  // OTP inPeriod: Now - Then =< Period.
  restart_policy tight{make_flags(strategy::one_for_one, 1, 1000)};
  auto cs = four_children(restart_type::permanent);
  EXPECT_EQ(tight.on_child_exit(cs, "b", exit_class::abnormal, 0).what, plan::verdict::restart);
  EXPECT_EQ(tight.on_child_exit(cs, "b", exit_class::abnormal, 1000).what, plan::verdict::give_up);
  restart_policy loose{make_flags(strategy::one_for_one, 1, 1000)};
  EXPECT_EQ(loose.on_child_exit(cs, "b", exit_class::abnormal, 0).what, plan::verdict::restart);
  EXPECT_EQ(loose.on_child_exit(cs, "b", exit_class::abnormal, 1001).what, plan::verdict::restart);
}

TEST(SupRestartPolicy, IntensityZeroGivesUpOnFirstRestart) {
  for (auto s : all_strategies) {
    SCOPED_TRACE(to_string(s));
    restart_policy policy{make_flags(s, 0, 5000)};
    auto cs = four_children(restart_type::permanent);
    auto p = policy.on_child_exit(cs, "b", exit_class::normal, 0);
    EXPECT_EQ(p.what, plan::verdict::give_up);
    EXPECT_EQ(p.stop, (ids{"d", "c", "a"}));
  }
}

TEST(SupRestartPolicy, ExitsWithoutRestartDoNotCountAgainstIntensity) {
  restart_policy policy{make_flags(strategy::one_for_one, 0, 5000)};
  for (uint64_t t = 0; t < 10; ++t) {
    EXPECT_EQ(
      policy.on_child_exit(four_children(restart_type::transient), "b", exit_class::normal, t).what,
      plan::verdict::none);
    EXPECT_EQ(
      policy.on_child_exit(four_children(restart_type::temporary), "b", exit_class::abnormal, t)
        .what,
      plan::verdict::none);
  }
}

TEST(SupRestartPolicy, StopAllStopsRunningChildrenInReverseOrder) {
  std::vector<child_view> cs{{"a", restart_type::permanent, true},
                             {"b", restart_type::transient, false},
                             {"c", restart_type::temporary, true},
                             {"d", restart_type::permanent, true}};
  auto p = restart_policy::stop_all(cs);
  EXPECT_EQ(p.stop, (ids{"d", "c", "a"}));
  EXPECT_EQ(p.start, ids{});
  EXPECT_TRUE(restart_policy::stop_all({}).stop.empty());
}

TEST(SupRestartWindow, AdmitsUpToIntensityWithinPeriod) {
  restart_window w{2, 100};
  EXPECT_TRUE(w.admit(0));
  EXPECT_TRUE(w.admit(50));
  EXPECT_FALSE(w.admit(100));
  EXPECT_EQ(w.size(), 3u);
  // 0 drops out at 101; 50 and 100 stay: with this one, 3 again.
  EXPECT_FALSE(w.admit(101));
  // At 250 only 250 itself is within (150..250].
  EXPECT_TRUE(w.admit(250));
  EXPECT_EQ(w.size(), 1u);
}

TEST(SupSpecCheck, AcceptsValidSpecs) {
  EXPECT_TRUE(check_spec(make_flags(strategy::one_for_one), {"a", "b"}).ok());
  EXPECT_TRUE(check_spec(make_flags(strategy::rest_for_one), {}).ok());
  EXPECT_TRUE(check_spec(make_flags(strategy::simple_one_for_one), {"template"}).ok());
  EXPECT_TRUE(check_child_id("shard-2").ok());
}

TEST(SupSpecCheck, RefusesBadIdsAndTemplates) {
  auto code_of = [](const keel::result<void, spec_error>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string{"ok"} : std::string{to_string(r.error().code)};
  };
  EXPECT_EQ(code_of(check_spec(make_flags(strategy::one_for_one), {"a", "a"})),
            "duplicate_child_id");
  EXPECT_EQ(code_of(check_spec(make_flags(strategy::one_for_one), {""})), "empty_child_id");
  EXPECT_EQ(code_of(check_spec(make_flags(strategy::one_for_all), {"a/b"})), "slash_in_child_id");
  EXPECT_EQ(code_of(check_spec(make_flags(strategy::simple_one_for_one), {})), "template_count");
  EXPECT_EQ(code_of(check_spec(make_flags(strategy::simple_one_for_one), {"a", "b"})),
            "template_count");
  EXPECT_EQ(code_of(check_child_id("x/y")), "slash_in_child_id");
  EXPECT_EQ(check_spec(make_flags(strategy::one_for_one), {"a", "a"}).error().detail,
            "duplicate child id 'a'");
}

TEST(SupChildSpec, NamesMatchOtp) {
  EXPECT_EQ(to_string(strategy::one_for_one), "one_for_one");
  EXPECT_EQ(to_string(strategy::one_for_all), "one_for_all");
  EXPECT_EQ(to_string(strategy::rest_for_one), "rest_for_one");
  EXPECT_EQ(to_string(strategy::simple_one_for_one), "simple_one_for_one");
  EXPECT_EQ(to_string(restart_type::permanent), "permanent");
  EXPECT_EQ(to_string(restart_type::transient), "transient");
  EXPECT_EQ(to_string(restart_type::temporary), "temporary");
  EXPECT_EQ(to_string(child_kind::supervisor), "supervisor");
  EXPECT_EQ(to_string(exit_class::shutdown), "shutdown");
}

} // namespace
