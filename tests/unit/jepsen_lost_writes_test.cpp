// keel-jepsen's lost-write check: acknowledged mutations against the final reads.
#include <gtest/gtest.h>

#include "apps/keel_jepsen/lost_writes.hpp"

namespace {

using namespace keel::jepsen;
using keel::history::op_result;
using keel::history::operation;

constexpr uint32_t final_reader = 99;

operation final_read(std::string key, std::optional<std::string> v, uint64_t t = 1000) {
  return operation::read(final_reader, std::move(key), std::move(v), t, t + 5);
}

TEST(JepsenLostWrites, TheLastWriteReadBackAccountsForEveryEarlierOne) {
  std::vector<operation> ops{
    operation::write(1, "k", "a", 10, 20),
    operation::write(2, "k", "b", 30, 40),
    operation::cas(1, "k", "b", "c", 50, 60),
    final_read("k", "c"),
  };
  auto r = check_lost_writes(ops, final_reader);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.keys, 1u);
  EXPECT_EQ(r.acknowledged, 3u);
}

TEST(JepsenLostWrites, AnAcknowledgedWriteOverwrittenByNothingIsLost) {
  // b was acknowledged after a completed, yet the final read returns a.
  std::vector<operation> ops{
    operation::write(1, "k", "a", 10, 20),
    operation::write(2, "k", "b", 30, 40),
    final_read("k", "a"),
  };
  auto r = check_lost_writes(ops, final_reader);
  ASSERT_EQ(r.lost.size(), 1u);
  EXPECT_EQ(r.lost[0].value, "b");
  EXPECT_FALSE(r.ok());
}

TEST(JepsenLostWrites, ConcurrentWritesMayEndEitherWay) {
  std::vector<operation> ops{
    operation::write(1, "k", "a", 10, 40),
    operation::write(2, "k", "b", 20, 30), // overlaps a: a may have come last
    final_read("k", "a"),
  };
  EXPECT_TRUE(check_lost_writes(ops, final_reader).ok());
}

TEST(JepsenLostWrites, AWriteOfUnknownOutcomeMayApplyLate) {
  std::vector<operation> ops{
    operation::write(1, "k", "a", 10, 20, op_result::info),
    operation::write(2, "k", "b", 30, 40),
    final_read("k", "a"),
  };
  EXPECT_TRUE(check_lost_writes(ops, final_reader).ok());
}

TEST(JepsenLostWrites, AFailedWriteNeverExplainsAValue) {
  std::vector<operation> ops{
    operation::write(1, "k", "a", 10, 20),
    operation::write(2, "k", "z", 30, 40, op_result::fail),
    final_read("k", "z"),
  };
  auto r = check_lost_writes(ops, final_reader);
  ASSERT_EQ(r.phantom.size(), 1u);
  EXPECT_EQ(r.phantom[0].value, "z");
}

TEST(JepsenLostWrites, AbsenceIsExplainedOnlyByADeleteThatMayFollow) {
  std::vector<operation> deleted{
    operation::write(1, "k", "a", 10, 20),
    operation::del(2, "k", 30, 40),
    final_read("k", std::nullopt),
  };
  EXPECT_TRUE(check_lost_writes(deleted, final_reader).ok());
  std::vector<operation> vanished{
    operation::del(2, "k", 5, 8),
    operation::write(1, "k", "a", 10, 20),
    final_read("k", std::nullopt),
  };
  auto r = check_lost_writes(vanished, final_reader);
  ASSERT_EQ(r.lost.size(), 1u);
  EXPECT_EQ(r.lost[0].value, "a");
}

TEST(JepsenLostWrites, AWrittenKeyWithoutAFinalReadIsReported) {
  std::vector<operation> ops{
    operation::write(1, "k", "a", 10, 20),
    operation::write(1, "j", "b", 10, 20),
    final_read("k", "a"),
  };
  auto r = check_lost_writes(ops, final_reader);
  EXPECT_EQ(r.unread, std::vector<std::string>{"j"});
  EXPECT_FALSE(r.ok());
}

TEST(JepsenLostWrites, OnlyTheFinalReaderCounts) {
  // A stale read by a client is the linearizability checker's business.
  std::vector<operation> ops{
    operation::write(1, "k", "a", 10, 20),
    operation::write(1, "k", "b", 30, 40),
    operation::read(3, "k", "a", 50, 60),
    final_read("k", "b"),
  };
  EXPECT_TRUE(check_lost_writes(ops, final_reader).ok());
}

} // namespace
