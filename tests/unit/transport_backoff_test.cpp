// Reconnect backoff of the transport: capped exponential growth with equal
// jitter, reproducible for a seed.
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "actors/replication/core/transport_backoff.hpp"

namespace {

using keel::transport::backoff_bounds;
using keel::transport::reconnect_backoff;

TEST(TransportBackoff, CeilingDoublesUpToTheCap) {
  reconnect_backoff b({50, 2000}, 1);
  EXPECT_EQ(b.ceiling_ms(1), 50u);
  EXPECT_EQ(b.ceiling_ms(2), 100u);
  EXPECT_EQ(b.ceiling_ms(3), 200u);
  EXPECT_EQ(b.ceiling_ms(6), 1600u);
  EXPECT_EQ(b.ceiling_ms(7), 2000u);
  EXPECT_EQ(b.ceiling_ms(1000), 2000u); // no overflow for long outages
}

TEST(TransportBackoff, DelayStaysWithinHalfAndFullCeiling) {
  reconnect_backoff b({50, 2000}, 3);
  for (uint32_t attempt = 1; attempt <= 40; ++attempt) {
    auto ceiling = b.ceiling_ms(attempt);
    for (int i = 0; i < 50; ++i) {
      auto d = b.delay_ms(attempt);
      EXPECT_GE(d, ceiling / 2) << "attempt " << attempt;
      EXPECT_LE(d, ceiling) << "attempt " << attempt;
    }
  }
}

TEST(TransportBackoff, JitterSpreadsRetries) {
  reconnect_backoff b({50, 2000}, 5);
  std::set<uint32_t> seen;
  for (int i = 0; i < 100; ++i)
    seen.insert(b.delay_ms(7));
  EXPECT_GT(seen.size(), 50u); // 1001 possible values, 100 draws
}

TEST(TransportBackoff, SameSeedSameDelays) {
  reconnect_backoff a({10, 1000}, 42), b({10, 1000}, 42);
  std::vector<uint32_t> da, db;
  for (uint32_t i = 1; i <= 20; ++i) {
    da.push_back(a.delay_ms(i));
    db.push_back(b.delay_ms(i));
  }
  EXPECT_EQ(da, db);
}

TEST(TransportBackoff, EqualBoundsGiveAFixedCeiling) {
  reconnect_backoff b({100, 100}, 9);
  for (uint32_t attempt = 1; attempt <= 10; ++attempt) {
    EXPECT_EQ(b.ceiling_ms(attempt), 100u);
    auto d = b.delay_ms(attempt);
    EXPECT_GE(d, 50u);
    EXPECT_LE(d, 100u);
  }
}

} // namespace
