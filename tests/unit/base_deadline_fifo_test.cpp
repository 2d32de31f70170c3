#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/base/core/deadline_fifo.hpp"

namespace keel {
namespace {

using strings = std::vector<std::string>;

TEST(DeadlineFifo, AnAnsweredRequestIsTakenOnceAndNeverExpires) {
  deadline_fifo<std::string> q;
  auto a = q.add(10, "a");
  EXPECT_EQ(q.take(a), "a");
  EXPECT_EQ(q.take(a), std::nullopt); // a late second answer finds nothing
  EXPECT_TRUE(q.expire(100).empty());
  EXPECT_TRUE(q.empty());
}

TEST(DeadlineFifo, ExpiresExactlyThoseWhoseDeadlineHasCome) {
  deadline_fifo<std::string> q;
  q.add(10, "a");
  q.add(20, "b");
  q.add(30, "c");
  EXPECT_TRUE(q.expire(9).empty());
  EXPECT_EQ(q.expire(20), (strings{"a", "b"})); // at the deadline counts
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.expire(1000), strings{"c"});
  EXPECT_TRUE(q.empty());
}

TEST(DeadlineFifo, AnAnswerAfterTheDeadlineFindsNothing) {
  deadline_fifo<std::string> q;
  auto a = q.add(10, "a");
  EXPECT_EQ(q.expire(10), strings{"a"});
  EXPECT_EQ(q.take(a), std::nullopt); // the caller answered "timed out" already
}

TEST(DeadlineFifo, AnswersOutOfOrderKeepTheOthersWaiting) {
  deadline_fifo<std::string> q;
  auto a = q.add(10, "a");
  auto b = q.add(20, "b");
  auto c = q.add(30, "c");
  EXPECT_EQ(q.take(b), "b");
  EXPECT_EQ(q.size(), 3u);               // b stays behind a, which is still waiting
  EXPECT_EQ(q.expire(25), strings{"a"}); // b was answered: not expired again
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.take(c), "c");
  EXPECT_EQ(q.take(a), std::nullopt);
  EXPECT_TRUE(q.empty());
}

TEST(DeadlineFifo, IdsStayValidAcrossEmptyingAndRefilling) {
  deadline_fifo<int> q;
  for (int round = 0; round < 3; ++round) {
    auto x = q.add(static_cast<uint64_t>(round * 10), round);
    auto y = q.add(static_cast<uint64_t>(round * 10 + 5), round + 100);
    EXPECT_EQ(q.take(y), round + 100);
    EXPECT_EQ(q.take(x), round);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.take(x), std::nullopt);
  }
}

TEST(DeadlineFifo, AnUnknownIdFindsNothing) {
  deadline_fifo<int> q;
  EXPECT_EQ(q.take(0), std::nullopt);
  auto a = q.add(1, 7);
  EXPECT_EQ(q.take(a + 1), std::nullopt);
  EXPECT_EQ(q.take(a), 7);
}

} // namespace
} // namespace keel
