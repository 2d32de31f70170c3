// The phi-accrual failure detector (Hayashibara et al. 2004; Akka's variant):
// steady heartbeats keep phi low, silence drives it past the threshold at the
// time the normal model predicts, jitter is tolerated, and outages are not
// learned as normal. Time is an integer argument: no clock, no sleeps.
#include <cmath>
#include <cstdint>
#include <random>

#include <gtest/gtest.h>

#include "actors/monitor/core/phi_accrual.hpp"

namespace {

using keel::monitor::phi_accrual;
using keel::monitor::phi_accrual_config;
using keel::monitor::phi_of;

phi_accrual_config test_config() {
  phi_accrual_config cfg;
  cfg.threshold = 8.0;
  cfg.window = 1000;
  cfg.min_std_dev_ms = 20;
  cfg.acceptable_pause_ms = 0;
  cfg.first_heartbeat_estimate_ms = 100;
  return cfg;
}

// Feeds `count` heartbeats `interval_ms` apart starting at `start_ms`;
// returns the time of the last one.
uint64_t steady(phi_accrual& fd, uint64_t start_ms, uint64_t interval_ms, int count) {
  uint64_t t = start_ms;
  for (int i = 0; i < count; ++i, t += interval_ms)
    fd.heartbeat(t);
  return t - interval_ms;
}

// The exact normal tail, -log10(1 - Phi(y)), for checking the approximation.
double exact_phi(double y) { return -std::log10(0.5 * std::erfc(y / std::sqrt(2.0))); }

TEST(PhiAccrual, NothingIsSuspectedBeforeTheFirstHeartbeat) {
  phi_accrual fd(test_config());
  EXPECT_EQ(fd.phi(1'000'000), 0.0);
  EXPECT_TRUE(fd.available(1'000'000));
}

TEST(PhiAccrual, SteadyHeartbeatsKeepPhiLow) {
  phi_accrual fd(test_config());
  auto last = steady(fd, 1000, 100, 200);
  // At the expected arrival time phi is -log10(0.5): a coin flip, not a suspicion.
  EXPECT_NEAR(fd.phi(last + 100), 0.30103, 1e-3);
  EXPECT_LT(fd.phi(last + 50), 0.30103);
  EXPECT_TRUE(fd.available(last + 100));
  EXPECT_NEAR(fd.mean_ms(), 100.0, 0.1);
}

TEST(PhiAccrual, SilenceCrossesTheThresholdAtThePredictedTime) {
  phi_accrual fd(test_config());
  auto last = steady(fd, 0, 100, 200);
  // The window's spread (about 2.5 ms) is below the floor, so sd = 20 ms and
  // mean = 100 ms. phi = 8 means a tail of 1e-8; with the logistic CDF that is
  // y (1.5976 + 0.070566 y^2) = ln(1e8 - 1): solve it independently.
  double lo = 0, hi = 10;
  for (int i = 0; i < 200; ++i) {
    double y = (lo + hi) / 2;
    (y * (1.5976 + 0.070566 * y * y) < std::log(1e8 - 1) ? lo : hi) = y;
  }
  auto crossing_ms = 100.0 + lo * 20.0; // about 204.5 ms after the last heartbeat
  ASSERT_NEAR(crossing_ms, 204.5, 0.5);
  auto before = last + static_cast<uint64_t>(std::floor(crossing_ms));
  auto after = last + static_cast<uint64_t>(std::ceil(crossing_ms));
  EXPECT_LT(fd.phi(before), 8.0);
  EXPECT_TRUE(fd.available(before));
  EXPECT_GT(fd.phi(after), 8.0);
  EXPECT_FALSE(fd.available(after));
}

TEST(PhiAccrual, PhiGrowsMonotonicallyDuringSilence) {
  phi_accrual fd(test_config());
  auto last = steady(fd, 0, 100, 50);
  double prev = fd.phi(last);
  for (uint64_t dt = 1; dt <= 400; ++dt) {
    double p = fd.phi(last + dt);
    EXPECT_GE(p, prev) << "at " << dt << " ms";
    prev = p;
  }
  EXPECT_GT(prev, 30.0);
}

TEST(PhiAccrual, ApproximationMatchesTheNormalTail) {
  // Akka's logistic approximation; in the body of the distribution it must
  // agree with the exact normal tail.
  for (double y = -3.0; y <= 2.0; y += 0.25)
    EXPECT_NEAR(phi_of(100 + y * 10, 100, 10), exact_phi(y), 0.01) << "y=" << y;
}

TEST(PhiAccrual, JitteryHeartbeatsAreTolerated) {
  phi_accrual fd(test_config());
  std::mt19937_64 prng(42);
  std::uniform_int_distribution<uint64_t> interval(60, 140); // 100 ms +- 40 %
  uint64_t t = 0;
  double worst = 0;
  for (int i = 0; i < 2000; ++i) {
    t += interval(prng);
    worst = std::max(worst, fd.phi(t)); // phi just before each arrival
    EXPECT_TRUE(fd.available(t)) << "heartbeat " << i << " at " << t;
    fd.heartbeat(t);
  }
  EXPECT_LT(worst, 3.0);
  // The spread was learned: sd of U(60, 140) is 80 / sqrt(12) = 23.1 ms.
  EXPECT_NEAR(fd.std_dev_ms(), 23.1, 2.0);
}

TEST(PhiAccrual, AnOutageIsNotLearnedAsNormal) {
  phi_accrual fd(test_config());
  auto last = steady(fd, 0, 100, 100);
  auto mean_before = fd.mean_ms();
  auto samples_before = fd.samples();
  fd.heartbeat(last + 5000); // back after 5 s: suspected at arrival
  EXPECT_EQ(fd.samples(), samples_before);
  EXPECT_EQ(fd.mean_ms(), mean_before);
  // ... and the clock restarts from the new heartbeat.
  EXPECT_NEAR(fd.phi(last + 5100), 0.30103, 1e-3);
}

TEST(PhiAccrual, WindowKeepsOnlyTheLatestSamples) {
  auto cfg = test_config();
  cfg.window = 10;
  phi_accrual fd(cfg);
  auto last = steady(fd, 0, 100, 50);
  EXPECT_EQ(fd.samples(), 10u);
  // Slower heartbeats replace the old ones entirely once the window turned
  // over (each arrives before phi crosses the threshold, so each is learned).
  uint64_t t = last;
  for (int i = 0; i < 10; ++i) {
    t += 150;
    ASSERT_TRUE(fd.available(t));
    fd.heartbeat(t);
  }
  EXPECT_NEAR(fd.mean_ms(), 150.0, 1e-9);
}

TEST(PhiAccrual, AcceptablePauseDelaysSuspicion) {
  auto cfg = test_config();
  phi_accrual plain(cfg);
  cfg.acceptable_pause_ms = 1000;
  phi_accrual patient(cfg);
  auto last = steady(plain, 0, 100, 100);
  steady(patient, 0, 100, 100);
  EXPECT_FALSE(plain.available(last + 500));
  EXPECT_TRUE(patient.available(last + 500));
  EXPECT_FALSE(patient.available(last + 1300));
}

TEST(PhiAccrual, ResetForgetsHistory) {
  phi_accrual fd(test_config());
  auto last = steady(fd, 0, 100, 20);
  fd.reset();
  EXPECT_EQ(fd.samples(), 0u);
  EXPECT_FALSE(fd.last_heartbeat_ms().has_value());
  EXPECT_EQ(fd.phi(last + 10'000), 0.0);
}

} // namespace
