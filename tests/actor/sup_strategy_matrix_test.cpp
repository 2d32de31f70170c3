// Every strategy x restart type x exit reason, on a supervisor of three
// children a, b, c where b exits: whether b comes back (OTP: permanent always,
// transient after abnormal exits, temporary never), which siblings restart
// with it (one_for_one: none, one_for_all: all, rest_for_one: those after it),
// and whether b is forgotten (temporary, or dynamic under simple_one_for_one).
#include <tuple>

#include "sup_test_support.hpp"

namespace {

using namespace keel;
using namespace keel::sup;
using namespace keel::sup::testing;

/// The ways a child can end.
enum class exit_kind { normal, shutdown, error, exception, kill };

struct matrix_case {
  strategy strat;
  restart_type restart;
  exit_kind how;
};

std::vector<matrix_case> all_cases() {
  std::vector<matrix_case> result;
  for (auto s : {strategy::one_for_one, strategy::one_for_all, strategy::rest_for_one,
                 strategy::simple_one_for_one})
    for (auto r : {restart_type::permanent, restart_type::transient, restart_type::temporary})
      for (auto e : {exit_kind::normal, exit_kind::shutdown, exit_kind::error, exit_kind::exception,
                     exit_kind::kill})
        result.push_back({s, r, e});
  return result;
}

std::string camel(const std::string& snake) {
  std::string out;
  bool upper = true;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(c)) : c;
    upper = false;
  }
  return out;
}

std::string to_string(exit_kind e) {
  switch (e) {
    case exit_kind::normal: return "normal";
    case exit_kind::shutdown: return "shutdown";
    case exit_kind::error: return "error";
    case exit_kind::exception: return "exception";
    case exit_kind::kill: return "kill";
  }
  return "unknown";
}

void PrintTo(const matrix_case& c, std::ostream* os) {
  *os << sup::to_string(c.strat) << " " << sup::to_string(c.restart) << " " << to_string(c.how);
}

std::string case_name(const ::testing::TestParamInfo<matrix_case>& info) {
  const auto& c = info.param;
  return camel(sup::to_string(c.strat)) + camel(sup::to_string(c.restart))
         + camel(to_string(c.how));
}

struct SupStrategyMatrix : ::testing::TestWithParam<matrix_case>, sup_fixture {
  caf::actor sup;

  void start_abc(strategy s, restart_type b_restart) {
    supervisor_spec spec;
    spec.f = make_flags(s);
    if (s == strategy::simple_one_for_one) {
      spec.children.push_back(worker("template", log, b_restart));
      sup = start_root("/t", spec);
      for (auto id : {"a", "b", "c"})
        ASSERT_TRUE(try_request<caf::actor>(sup, start_atom_v, std::string(id)));
      return;
    }
    spec.children.push_back(worker("a", log));
    spec.children.push_back(worker("b", log, b_restart));
    spec.children.push_back(worker("c", log));
    sup = start_root("/t", spec);
  }

  void end_b(exit_kind how) {
    switch (how) {
      case exit_kind::normal: return tell("/t/b", "normal");
      case exit_kind::shutdown: return tell("/t/b", "shutdown");
      case exit_kind::error: return tell("/t/b", "error");
      case exit_kind::exception: return tell("/t/b", "throw");
      case exit_kind::kill: return kill("/t/b");
    }
  }
};

TEST_P(SupStrategyMatrix, ExitFollowsOtpRules) {
  auto [s, r, how] = GetParam();
  start_abc(s, r);
  auto downs = watch(sup);
  auto old_a = dir->get("/t/a");
  auto old_b = dir->get("/t/b");
  auto old_c = dir->get("/t/c");
  ASSERT_TRUE(old_a && old_b && old_c);
  end_b(how);

  auto expected_class = how == exit_kind::normal     ? exit_class::normal
                        : how == exit_kind::shutdown ? exit_class::shutdown
                                                     : exit_class::abnormal;
  EXPECT_EQ(classify(log->last_reason["b"]), expected_class) << to_string(log->last_reason["b"]);
  bool restarted = r == restart_type::permanent
                   || (r == restart_type::transient && expected_class == exit_class::abnormal);
  bool dynamic = s == strategy::simple_one_for_one;
  // Siblings (all permanent in static supervisors) restart with b only
  // under one_for_all (a and c) or rest_for_one (c, started after b).
  bool a_restarted = restarted && s == strategy::one_for_all;
  bool c_restarted = restarted && (s == strategy::one_for_all || s == strategy::rest_for_one);

  EXPECT_TRUE(downs->empty()) << "the supervisor itself stays up";
  EXPECT_EQ(dir->get("/t/a") != old_a, a_restarted);
  EXPECT_EQ(dir->get("/t/c") != old_c, c_restarted);
  EXPECT_EQ(ping("/t/a"), "a");
  EXPECT_EQ(ping("/t/c"), "c");
  auto info = tree(sup);
  auto* b = find_node(info, "/t/b");
  if (restarted) {
    auto new_b = dir->get("/t/b");
    ASSERT_TRUE(new_b);
    EXPECT_NE(new_b, old_b);
    EXPECT_EQ(ping("/t/b"), "b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->restart_count(), 1u);
    EXPECT_TRUE(b->running());
    EXPECT_EQ(which(sup).size(), 3u);
  } else {
    EXPECT_FALSE(dir->get("/t/b"));
    auto running = which(sup);
    ASSERT_EQ(running.size(), 2u);
    EXPECT_EQ(running[0].first, "a");
    EXPECT_EQ(running[1].first, "c");
    if (r == restart_type::temporary || dynamic) {
      EXPECT_EQ(b, nullptr) << "forgotten";
    } else {
      ASSERT_NE(b, nullptr) << "a static transient child stays in the list";
      EXPECT_FALSE(b->running());
      EXPECT_EQ(b->actor_id(), 0u);
      EXPECT_NE(b->last_exit_reason(), "");
    }
  }
  auto* a = find_node(info, "/t/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->restart_count(), a_restarted ? 1u : 0u);
  int b_starts = log->count("start:b");
  EXPECT_EQ(b_starts, restarted ? 2 : 1);
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, SupStrategyMatrix, ::testing::ValuesIn(all_cases()),
                         case_name);

} // namespace
