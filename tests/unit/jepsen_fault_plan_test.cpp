// keel-jepsen's fault plan: parsing the fault list, and a schedule that is
// seeded, never overlaps, leaves room to recover, and reaches every kind.
#include <set>

#include <gtest/gtest.h>

#include "apps/keel_jepsen/fault_plan.hpp"

namespace {

using namespace keel::jepsen;

TEST(JepsenFaultList, NamesAllAndNoneAreParsed) {
  auto all = parse_fault_list("all");
  EXPECT_TRUE(all.error.empty());
  EXPECT_EQ(all.kinds.size(), std::size(all_fault_kinds));
  for (auto k : all_fault_kinds)
    EXPECT_EQ(parse_fault_list(to_string(k)).kinds, std::vector<fault_kind>{k}) << to_string(k);
  EXPECT_TRUE(parse_fault_list("none").kinds.empty());
  EXPECT_TRUE(parse_fault_list("none").error.empty());
  auto two = parse_fault_list("pause,kill-leader,pause");
  EXPECT_EQ(two.kinds, (std::vector<fault_kind>{fault_kind::pause, fault_kind::kill_leader}));
}

TEST(JepsenFaultList, AnUnknownWordIsNamedWithTheValidOnes) {
  auto bad = parse_fault_list("kill,partiton");
  EXPECT_TRUE(bad.kinds.empty());
  EXPECT_NE(bad.error.find("'partiton'"), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("isolate-leader"), std::string::npos) << bad.error;
  EXPECT_FALSE(parse_fault_list("").error.empty());
  EXPECT_FALSE(parse_fault_list("kill,").error.empty());
}

plan_settings settings(uint64_t seed, size_t nodes = 5) {
  plan_settings s;
  s.duration_ms = 120'000;
  s.quiet_ms = 3'000;
  s.fault_ms = 4'000;
  s.nodes = nodes;
  s.kinds = parse_fault_list("all").kinds;
  s.seed = seed;
  return s;
}

TEST(JepsenFaultPlan, FaultsDoNotOverlapAndLeaveTimeToRecover) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto s = settings(seed);
    auto plan = make_plan(s);
    ASSERT_FALSE(plan.empty());
    uint64_t free_from = s.quiet_ms;
    for (const auto& f : plan) {
      EXPECT_GE(f.start_ms, free_from);
      EXPECT_EQ(f.heal_ms - f.start_ms, s.fault_ms);
      free_from = f.heal_ms + s.quiet_ms;
    }
    EXPECT_LE(free_from, s.duration_ms) << "the last fault leaves no quiet period before the end";
  }
}

TEST(JepsenFaultPlan, EveryKindComesOnceBeforeAnyRepeats) {
  auto plan = make_plan(settings(7));
  ASSERT_GE(plan.size(), std::size(all_fault_kinds));
  std::set<fault_kind> first_round;
  for (size_t i = 0; i < std::size(all_fault_kinds); ++i)
    first_round.insert(plan[i].kind);
  EXPECT_EQ(first_round.size(), std::size(all_fault_kinds));
}

TEST(JepsenFaultPlan, TargetsFitTheKind) {
  for (uint64_t seed = 1; seed <= 30; ++seed)
    for (size_t nodes : {3u, 5u}) {
      for (const auto& f : make_plan(settings(seed, nodes))) {
        std::set<size_t> distinct(f.nodes.begin(), f.nodes.end());
        EXPECT_EQ(distinct.size(), f.nodes.size());
        for (auto n : f.nodes)
          EXPECT_LT(n, nodes);
        size_t minority = (nodes - 1) / 2;
        switch (f.kind) {
          case fault_kind::kill_majority: EXPECT_EQ(f.nodes.size(), nodes / 2 + 1); break;
          case fault_kind::partition:
          case fault_kind::flap:
            EXPECT_GE(f.nodes.size(), 1u);
            EXPECT_LE(f.nodes.size(), minority);
            break;
          case fault_kind::bridge: EXPECT_EQ(f.nodes.size(), 1 + (nodes - 1) / 2); break;
          case fault_kind::kill:
          case fault_kind::pause:
          case fault_kind::delay:
          case fault_kind::crash:
          case fault_kind::lose_data: EXPECT_EQ(f.nodes.size(), 1u); break;
          default: EXPECT_TRUE(f.nodes.empty()) << to_string(f.kind);
        }
      }
    }
}

TEST(JepsenFaultPlan, TheSeedDecidesThePlan) {
  auto a = make_plan(settings(11));
  auto b = make_plan(settings(11));
  auto c = make_plan(settings(12));
  ASSERT_EQ(a.size(), b.size());
  bool differs = a.size() != c.size();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, b[i].kind);
    EXPECT_EQ(a[i].nodes, b[i].nodes);
    EXPECT_EQ(a[i].pick, b[i].pick);
    if (i < c.size() && (a[i].kind != c[i].kind || a[i].pick != c[i].pick))
      differs = true;
  }
  EXPECT_TRUE(differs);
}

TEST(JepsenFaultPlan, NoFaultsOrNoRoomMeansAnEmptyPlan) {
  auto s = settings(1);
  s.kinds.clear();
  EXPECT_TRUE(make_plan(s).empty());
  s = settings(1);
  s.duration_ms = s.quiet_ms + s.fault_ms + s.quiet_ms - 1;
  EXPECT_TRUE(make_plan(s).empty());
  s = settings(1, 1); // one node: nothing to partition or bridge
  s.kinds = {fault_kind::partition, fault_kind::bridge};
  EXPECT_TRUE(make_plan(s).empty());
}

} // namespace
