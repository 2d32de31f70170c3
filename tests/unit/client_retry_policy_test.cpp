// The client's retry policy: leader routing (cached leader, NOT_LEADER hints,
// rotation) and pacing (full-jitter exponential backoff, capped, bounded by
// the operation's deadline).
#include <set>

#include <gtest/gtest.h>

#include "actors/client/core/retry_policy.hpp"

namespace keel::client {
namespace {

const std::vector<std::string> three = {"n1", "n2", "n3"};
constexpr uint64_t budget_ms = 5000;

TEST(ClientRetryPolicy, NotLeaderHintRedirectsAtOnce) {
  // Raft §8: a non-leader names the leader; go there without waiting.
  retry_policy p(three, {}, 1);
  auto s = p.begin(0);
  size_t hinted = (s.endpoint + 2) % 3; // neither this one nor the rotation's next
  auto next = p.after(s, failure::rejected, three[hinted], 0, budget_ms);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->endpoint, hinted);
  EXPECT_EQ(next->delay_ms, 0u);
  EXPECT_EQ(s.endpoint, hinted);
}

TEST(ClientRetryPolicy, LeaderThatAnsweredGetsTheShardsNextOperation) {
  retry_policy p(three, {}, 1);
  auto s = p.begin(3);
  auto next = p.after(s, failure::rejected, "n2", 0, budget_ms);
  ASSERT_TRUE(next);
  p.leader_answered(s);
  EXPECT_EQ(p.cached_leader(3), 1u);
  EXPECT_EQ(p.begin(3).endpoint, 1u);
}

TEST(ClientRetryPolicy, ReadsAnyReplicaMaySpreadOverTheNodesPastTheCachedLeader) {
  // Serializable reads: every node holds a replica, so each one starts at the
  // next endpoint of the rotation, not at the shard's leader.
  retry_policy p(three, {}, 1);
  auto s = p.begin(0);
  p.leader_answered(s);
  std::set<size_t> firsts;
  for (int i = 0; i < 3; ++i)
    firsts.insert(p.begin_any(0).endpoint);
  EXPECT_EQ(firsts.size(), 3u);
  EXPECT_EQ(p.cached_leader(0), s.endpoint); // untouched by them
  EXPECT_EQ(p.begin(0).endpoint, s.endpoint);
  // A failure moves on to another replica, at once.
  auto any = p.begin_any(0);
  auto first = any.endpoint;
  auto next = p.after(any, failure::not_sent, "", 0, budget_ms);
  ASSERT_TRUE(next);
  EXPECT_NE(next->endpoint, first);
  EXPECT_EQ(next->delay_ms, 0u);
}

TEST(ClientRetryPolicy, ShardsCacheTheirLeadersIndependently) {
  retry_policy p(three, {}, 1);
  auto a = p.begin(0);
  ASSERT_TRUE(p.after(a, failure::rejected, "n1", 0, budget_ms));
  p.leader_answered(a);
  auto b = p.begin(1);
  ASSERT_TRUE(p.after(b, failure::rejected, "n3", 0, budget_ms));
  p.leader_answered(b);
  EXPECT_EQ(p.begin(0).endpoint, 0u);
  EXPECT_EQ(p.begin(1).endpoint, 2u);
  EXPECT_FALSE(p.cached_leader(2));
}

TEST(ClientRetryPolicy, HintAtAnUnknownNodeRotates) {
  retry_policy p({"", "", ""}, {}, 1); // endpoints given as host:port only
  auto s = p.begin(0);
  size_t first = s.endpoint;
  auto next = p.after(s, failure::rejected, "n2", 0, budget_ms);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->endpoint, (first + 1) % 3);
  EXPECT_FALSE(p.cached_leader(0));
}

TEST(ClientRetryPolicy, RefusalsRotateWithoutWaitingUntilEveryEndpointWasTried) {
  retry_policy p(three, {}, 7);
  auto s = p.begin(0);
  size_t first = s.endpoint;
  std::set<size_t> seen{first};
  for (int i = 0; i < 2; ++i) {
    auto next = p.after(s, failure::not_sent, "", 0, budget_ms);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->delay_ms, 0u);
    seen.insert(next->endpoint);
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(s.backoffs, 0u);
  // Back at the first endpoint: from now on every attempt waits.
  auto next = p.after(s, failure::not_sent, "", 0, budget_ms);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->endpoint, first);
  EXPECT_EQ(s.backoffs, 1u);
}

TEST(ClientRetryPolicy, BackoffBoundDoublesUpToTheCap) {
  retry_policy p(three, {10, 80}, 3);
  const uint32_t bounds[] = {10, 20, 40, 80, 80, 80};
  for (uint32_t n = 0; n < 6; ++n) {
    uint32_t top = 0;
    for (int i = 0; i < 400; ++i)
      top = std::max(top, p.backoff_ms(n));
    EXPECT_LE(top, bounds[n]) << "n=" << n;
    // Full jitter reaches close to its bound (400 draws: nearly certain).
    EXPECT_GE(top, bounds[n] * 3 / 4) << "n=" << n;
  }
  EXPECT_LE(p.backoff_ms(1000), 80u); // the shift is clamped, no overflow
}

TEST(ClientRetryPolicy, JitterSpreadsTheWaits) {
  retry_policy p(three, {100, 1000}, 11);
  std::set<uint32_t> values;
  for (int i = 0; i < 50; ++i)
    values.insert(p.backoff_ms(2));
  EXPECT_GT(values.size(), 20u);
}

TEST(ClientRetryPolicy, SameSeedSameDecisions) {
  retry_policy a(three, {}, 42);
  retry_policy b(three, {}, 42);
  auto sa = a.begin(0);
  auto sb = b.begin(0);
  EXPECT_EQ(sa.endpoint, sb.endpoint);
  for (int i = 0; i < 10; ++i) {
    auto na = a.after(sa, failure::lost, "", 0, budget_ms);
    auto nb = b.after(sb, failure::lost, "", 0, budget_ms);
    ASSERT_TRUE(na && nb);
    EXPECT_EQ(na->endpoint, nb->endpoint);
    EXPECT_EQ(na->delay_ms, nb->delay_ms);
  }
}

TEST(ClientRetryPolicy, NeverWaitsPastTheDeadline) {
  retry_policy p({"n1"}, {400, 400}, 5);
  auto s = p.begin(0);
  uint64_t elapsed = 0;
  int attempts = 0;
  while (auto next = p.after(s, failure::lost, "", elapsed, 1000)) {
    EXPECT_LT(elapsed + next->delay_ms, 1000u);
    elapsed += next->delay_ms + 1; // the attempt itself takes a little time
    ASSERT_LT(++attempts, 10000);
  }
  EXPECT_LE(elapsed, 1000u);
  // At the deadline nothing is planned, not even an immediate attempt.
  retry_policy q(three, {}, 5);
  auto t = q.begin(0);
  EXPECT_FALSE(q.after(t, failure::not_sent, "", 1000, 1000));
}

TEST(ClientRetryPolicy, FailedLeaderIsForgotten) {
  retry_policy p(three, {}, 1);
  auto s = p.begin(0);
  ASSERT_TRUE(p.after(s, failure::rejected, "n3", 0, budget_ms));
  p.leader_answered(s);
  auto t = p.begin(0);
  EXPECT_EQ(t.endpoint, 2u);
  auto next = p.after(t, failure::lost, "", 0, budget_ms); // the leader died
  ASSERT_TRUE(next);
  EXPECT_EQ(next->endpoint, 0u); // rotation moves on
  EXPECT_FALSE(p.cached_leader(0));
}

TEST(ClientRetryPolicy, StaleHintAtTheSameNodeWaits) {
  retry_policy p(three, {}, 1);
  auto s = p.begin(0);
  size_t self = s.endpoint;
  auto next = p.after(s, failure::rejected, three[self], 0, budget_ms);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->endpoint, self);
  EXPECT_EQ(s.backoffs, 1u); // it was tried already: a redirect loop backs off
}

} // namespace
} // namespace keel::client
