// The linearizability checker (apps/history): histories known linearizable
// and known not, each violation with the small witness it must shrink to.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apps/history/linearizability.hpp"

namespace keel::history {
namespace {

using op = operation;

constexpr auto info = op_result::info;
constexpr auto fail = op_result::fail;

check_result check(const std::vector<op>& h) { return check_history(h); }

std::vector<std::string> witness_of(const check_result& r) {
  std::vector<std::string> out;
  if (r.bad_keys.size() == 1)
    for (const op& o : r.bad_keys[0].witness)
      out.push_back(describe(o));
  return out;
}

TEST(HistoryLinearizability, AnEmptyHistoryIsLinearizable) { EXPECT_TRUE(check({}).ok()); }

TEST(HistoryLinearizability, SequentialWritesAndReadsAreLinearizable) {
  auto r = check({op::read(1, "k", std::nullopt, 0, 1), op::write(1, "k", "a", 2, 3),
                  op::read(2, "k", "a", 4, 5), op::cas(2, "k", "a", "b", 6, 7),
                  op::read(1, "k", "b", 8, 9), op::del(1, "k", 10, 11),
                  op::read(2, "k", std::nullopt, 12, 13),
                  op::cas(1, "k", std::nullopt, "c", 14, 15), op::read(2, "k", "c", 16, 17)});
  EXPECT_EQ(r.v, verdict::linearizable) << explain(r);
  EXPECT_EQ(r.operations, 9u);
}

TEST(HistoryLinearizability, ConcurrentWritesMayTakeEffectInEitherOrder) {
  // b is invoked after a but overlaps it: a read after both may see either.
  auto seen_a = check(
    {op::write(1, "k", "a", 0, 10), op::write(2, "k", "b", 1, 9), op::read(3, "k", "a", 11, 12)});
  auto seen_b = check(
    {op::write(1, "k", "a", 0, 10), op::write(2, "k", "b", 1, 9), op::read(3, "k", "b", 11, 12)});
  EXPECT_TRUE(seen_a.ok()) << explain(seen_a);
  EXPECT_TRUE(seen_b.ok()) << explain(seen_b);
}

TEST(HistoryLinearizability, AReadConcurrentWithAWriteMaySeeEitherValue) {
  EXPECT_TRUE(check({op::write(1, "k", "a", 0, 1), op::write(1, "k", "b", 2, 10),
                     op::read(2, "k", "a", 3, 4), op::read(2, "k", "b", 5, 6)})
                .ok());
  // ...but not go back once it saw the new value (another stale read).
  auto r = check({op::write(1, "k", "a", 0, 1), op::write(1, "k", "b", 2, 10),
                  op::read(2, "k", "b", 3, 4), op::read(2, "k", "a", 5, 6)});
  EXPECT_EQ(r.v, verdict::violation);
}

TEST(HistoryLinearizability, AStaleReadIsAViolationWithBothWritesInItsWitness) {
  auto r = check({op::write(1, "k", "a", 0, 1), op::read(2, "k", "a", 2, 3),
                  op::write(1, "k", "b", 4, 5), op::read(2, "k", "b", 6, 7),
                  op::read(3, "k", "a", 8, 9), op::write(1, "k", "c", 10, 11)});
  ASSERT_EQ(r.v, verdict::violation);
  ASSERT_EQ(r.bad_keys.size(), 1u);
  EXPECT_EQ(r.bad_keys[0].key, "k");
  EXPECT_EQ(witness_of(r),
            (std::vector<std::string>{"p1 write k \"a\" ok [0, 1]", "p1 write k \"b\" ok [4, 5]",
                                      "p3 read k -> \"a\" ok [8, 9]"}));
}

TEST(HistoryLinearizability, AReadOfAValueNeverWrittenIsAViolationOfOneOperation) {
  auto r = check(
    {op::write(1, "k", "a", 0, 1), op::read(2, "k", "a", 2, 3), op::read(2, "k", "ghost", 4, 5)});
  ASSERT_EQ(r.v, verdict::violation);
  EXPECT_EQ(witness_of(r), (std::vector<std::string>{"p2 read k -> \"ghost\" ok [4, 5]"}));
}

TEST(HistoryLinearizability, ALostAcknowledgedWriteIsAViolation) {
  auto r = check(
    {op::write(1, "k", "a", 0, 1), op::write(2, "k", "b", 2, 3), op::read(3, "k", "a", 4, 5)});
  ASSERT_EQ(r.v, verdict::violation);
  auto absent = check({op::write(1, "k", "a", 0, 1), op::read(3, "k", std::nullopt, 4, 5)});
  ASSERT_EQ(absent.v, verdict::violation);
  EXPECT_EQ(witness_of(absent).size(), 2u);
}

TEST(HistoryLinearizability, ACompareAndSwapAppliedTwiceIsAViolation) {
  // The cas a->b completed once; after a is written again, b shows up once
  // more without any new cas: the retried cas was applied a second time.
  auto r = check({op::write(1, "k", "a", 0, 1), op::cas(2, "k", "a", "b", 2, 3),
                  op::write(1, "k", "a", 4, 5), op::read(1, "k", "b", 6, 7)});
  ASSERT_EQ(r.v, verdict::violation);
  EXPECT_EQ(witness_of(r).back(), "p1 read k -> \"b\" ok [6, 7]");
  // The same history with the cas still open (its outcome unknown) is fine:
  // it may take effect after the second write.
  auto pending = check({op::write(1, "k", "a", 0, 1), op::cas(2, "k", "a", "b", 2, 3, info),
                        op::write(1, "k", "a", 4, 5), op::read(1, "k", "b", 6, 7)});
  EXPECT_TRUE(pending.ok()) << explain(pending);
}

TEST(HistoryLinearizability, AWitnessKeepsTheWriteOfAValueReadConcurrently) {
  // From the whole-node simulation: the read of c3 overlaps the cas that
  // wrote c3 and was invoked before it; the violation is elsewhere (the
  // acknowledged write c4 is lost). Shrinking must not cut the history
  // between the read and its cas and call the read "a value never written".
  auto r = check({op::write(1, "k", "c1", 0, 1), op::read(2, "k", "c3", 2, 6),
                  op::cas(3, "k", "c1", "c3", 3, 4), op::write(4, "k", "c4", 7, 8),
                  op::read(2, "k", "c3", 9, 10)});
  ASSERT_EQ(r.v, verdict::violation);
  auto w = witness_of(r);
  ASSERT_GE(w.size(), 2u) << explain(r);
  EXPECT_EQ(w.back(), "p2 read k -> \"c3\" ok [9, 10]") << explain(r);
  EXPECT_NE(explain(r).find("write k \"c4\""), std::string::npos) << explain(r);
}

TEST(HistoryLinearizability, ACasThatSucceededOnTheWrongValueIsAViolation) {
  auto r = check({op::write(1, "k", "a", 0, 1), op::cas(2, "k", "x", "b", 2, 3)});
  EXPECT_EQ(r.v, verdict::violation);
}

TEST(HistoryLinearizability, AnUnknownWriteMayTakeEffectLateOrNever) {
  std::vector<op> late{op::write(1, "k", "a", 0, 1), op::write(2, "k", "b", 2, 3, info),
                       op::read(3, "k", "a", 4, 5), op::read(3, "k", "b", 100, 101)};
  EXPECT_TRUE(check(late).ok());
  std::vector<op> never_applied{op::write(1, "k", "a", 0, 1), op::write(2, "k", "b", 2, 3, info),
                                op::read(3, "k", "a", 100, 101)};
  EXPECT_TRUE(check(never_applied).ok());
  // ...but not before its invoke.
  std::vector<op> early{op::write(1, "k", "a", 0, 1), op::read(3, "k", "b", 2, 3),
                        op::write(2, "k", "b", 4, 5, info)};
  EXPECT_EQ(check(early).v, verdict::violation);
}

TEST(HistoryLinearizability, FailedOperationsConstrainNothing) {
  EXPECT_TRUE(check({op::write(1, "k", "a", 0, 1), op::write(2, "k", "b", 2, 3, fail),
                     op::read(3, "k", "a", 4, 5)})
                .ok());
  // A failed write that shows up anyway is a violation.
  EXPECT_EQ(check({op::write(2, "k", "b", 2, 3, fail), op::read(3, "k", "b", 4, 5)}).v,
            verdict::violation);
}

TEST(HistoryLinearizability, KeysAreIndependentRegisters) {
  auto r = check({op::write(1, "x", "a", 0, 1), op::write(1, "y", "b", 2, 3),
                  op::read(2, "x", "a", 4, 5), op::read(2, "y", "a", 6, 7)});
  ASSERT_EQ(r.v, verdict::violation);
  EXPECT_EQ(r.keys, 2u);
  ASSERT_EQ(r.bad_keys.size(), 1u);
  EXPECT_EQ(r.bad_keys[0].key, "y");
}

TEST(HistoryLinearizability, ADeleteMakesTheKeyAbsent) {
  EXPECT_TRUE(check({op::write(1, "k", "a", 0, 1), op::del(2, "k", 2, 3),
                     op::read(1, "k", std::nullopt, 4, 5)})
                .ok());
  EXPECT_EQ(
    check({op::write(1, "k", "a", 0, 1), op::del(2, "k", 2, 3), op::read(1, "k", "a", 4, 5)}).v,
    verdict::violation);
}

TEST(HistoryLinearizability, TouchingIntervalsCountAsConcurrent) {
  // The write completes at 5 and the read is invoked at 5: either order.
  EXPECT_TRUE(
    check({op::write(1, "k", "a", 0, 1), op::write(1, "k", "b", 2, 5), op::read(2, "k", "a", 5, 6)})
      .ok());
}

TEST(HistoryLinearizability, AMalformedOperationIsRefusedByName) {
  auto r = check({op::write(1, "k", "a", 10, 5)});
  EXPECT_EQ(r.v, verdict::invalid);
  EXPECT_NE(r.error.find("completes before it is invoked"), std::string::npos) << r.error;
  EXPECT_NE(explain(r).find("p1 write k"), std::string::npos);
}

TEST(HistoryLinearizability, TheSearchGivesUpAsUnknownRatherThanRunForever) {
  std::vector<op> h;
  for (uint32_t p = 0; p < 12; ++p) // 12 concurrent writes then an impossible read
    h.push_back(op::write(p, "k", "v" + std::to_string(p), 0, 100));
  h.push_back(op::read(99, "k", "nobody", 200, 201));
  check_options tight;
  tight.max_states = 50;
  EXPECT_EQ(check_history(h, tight).v, verdict::unknown);
  EXPECT_EQ(check_history(h).v, verdict::violation);
}

TEST(HistoryLinearizability, AViolationDeepInALongHistoryShrinksToAFewOperations) {
  std::vector<op> h;
  uint64_t t = 0;
  for (int i = 0; i < 2000; ++i) { // two processes, overlapping pairs of ops
    std::string v = "v" + std::to_string(i);
    h.push_back(op::write(1, "k", v, t, t + 3));
    h.push_back(op::read(2, "k", v, t + 4, t + 5));
    t += 6;
  }
  h.push_back(op::read(2, "k", "v1000", t, t + 1)); // stale by 999 writes
  auto r = check(h);
  ASSERT_EQ(r.v, verdict::violation);
  auto w = witness_of(r);
  EXPECT_LE(w.size(), 4u) << explain(r);
  EXPECT_EQ(w.back(), describe(h.back()));
}

} // namespace
} // namespace keel::history
