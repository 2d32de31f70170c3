// keel-bench's latency histogram against the exact nearest-rank percentiles
// of the sorted samples: every reported value lies within one bucket (1/128)
// above the exact one, and the bucket arithmetic covers all of uint64_t.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "apps/keel_bench/latency_histogram.hpp"

namespace {

using keel::bench::latency_histogram;

// Nearest rank in exact integer arithmetic: p given in thousandths of a
// percent, rank = ceil(p * n / 100000), at least 1.
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, uint64_t p_milli) {
  uint64_t n = sorted.size();
  uint64_t rank = (p_milli * n + 99'999) / 100'000;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

constexpr uint64_t percentiles_milli[]
  = {100, 1'000, 25'000, 50'000, 90'000, 99'000, 99'900, 99'990, 100'000};

TEST(BenchHistogram, EmptyReportsZero) {
  latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(50), 0u);
}

TEST(BenchHistogram, BucketsTileTheWholeRange) {
  EXPECT_EQ(latency_histogram::lowest_in(0), 0u);
  for (size_t b = 0; b + 1 < latency_histogram::bucket_count; ++b)
    ASSERT_EQ(latency_histogram::highest_in(b) + 1, latency_histogram::lowest_in(b + 1)) << b;
  EXPECT_EQ(latency_histogram::highest_in(latency_histogram::bucket_count - 1), UINT64_MAX);
  EXPECT_EQ(latency_histogram::bucket_of(UINT64_MAX), latency_histogram::bucket_count - 1);
}

TEST(BenchHistogram, EveryValueFallsInItsBucketWithinOnePart128) {
  std::mt19937_64 rng{42};
  std::vector<uint64_t> values{0,         1, 255, 256, 257, 511, 512, 1'000'000, UINT64_MAX - 1,
                               UINT64_MAX};
  for (int i = 0; i < 100'000; ++i)
    values.push_back(rng() >> (rng() % 64));
  for (auto v : values) {
    auto b = latency_histogram::bucket_of(v);
    ASSERT_LT(b, latency_histogram::bucket_count);
    auto lo = latency_histogram::lowest_in(b);
    auto hi = latency_histogram::highest_in(b);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    ASSERT_LE(hi - lo, lo / 128) << v; // width at most 1/128 of the bucket's values
  }
}

TEST(BenchHistogram, SmallValuesAreExact) {
  latency_histogram h;
  std::vector<uint64_t> samples;
  for (uint64_t i = 0; i < 1000; ++i) {
    samples.push_back((i * 37) % 256);
    h.record(samples.back());
  }
  std::sort(samples.begin(), samples.end());
  for (auto p : percentiles_milli)
    EXPECT_EQ(h.percentile(static_cast<double>(p) / 1000), exact_percentile(samples, p)) << p;
}

TEST(BenchHistogram, PercentilesMatchSortedSamplesWithinResolution) {
  // Log-uniform latencies from 1 us to 10 s, as a load run produces.
  std::mt19937_64 rng{7};
  std::uniform_real_distribution<double> exponent{3.0, 10.0};
  for (size_t n : {1, 2, 3, 999, 1000, 1001, 10'007}) {
    latency_histogram h;
    std::vector<uint64_t> samples;
    for (size_t i = 0; i < n; ++i) {
      samples.push_back(static_cast<uint64_t>(std::pow(10.0, exponent(rng))));
      h.record(samples.back());
    }
    std::sort(samples.begin(), samples.end());
    for (auto p : percentiles_milli) {
      auto exact = exact_percentile(samples, p);
      auto got = h.percentile(static_cast<double>(p) / 1000);
      EXPECT_GE(got, exact) << "n=" << n << " p=" << p;
      EXPECT_LE(got, exact + exact / 128) << "n=" << n << " p=" << p;
    }
    EXPECT_EQ(h.percentile(100), samples.back());
    EXPECT_EQ(h.percentile(0), samples.front()); // rank 1, clamped to the exact min
  }
}

TEST(BenchHistogram, NinetyNinePointNineOfAThousandIsRank999) {
  // 99.9 / 100 * 1000 is 999.0000000000001 in binary floating point; a naive
  // ceil would report the maximum instead of the 999th sample.
  latency_histogram h;
  for (uint64_t v = 1; v <= 1000; ++v)
    h.record(v < 1000 ? 100 : 200);
  EXPECT_EQ(h.percentile(99.9), 100u);
  EXPECT_EQ(h.percentile(100), 200u);
}

TEST(BenchHistogram, MinMaxAndMeanAreExact) {
  latency_histogram h;
  for (uint64_t v : {1'000'003u, 2'000'017u, 3'000'041u})
    h.record(v);
  EXPECT_EQ(h.min(), 1'000'003u);
  EXPECT_EQ(h.max(), 3'000'041u);
  EXPECT_DOUBLE_EQ(h.mean(), (1'000'003.0 + 2'000'017.0 + 3'000'041.0) / 3);
  EXPECT_EQ(h.count(), 3u);
}

TEST(BenchHistogram, MergeEqualsRecordingIntoOne) {
  std::mt19937_64 rng{3};
  latency_histogram a;
  latency_histogram b;
  latency_histogram both;
  for (int i = 0; i < 5000; ++i) {
    auto v = rng() % 50'000'000;
    (i % 3 == 0 ? a : b).record(v);
    both.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_DOUBLE_EQ(a.mean(), both.mean());
  for (auto p : percentiles_milli)
    EXPECT_EQ(a.percentile(static_cast<double>(p) / 1000),
              both.percentile(static_cast<double>(p) / 1000));
}

TEST(BenchHistogram, ResetForgetsEverything) {
  latency_histogram h;
  h.record(5);
  h.record(500'000);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
  EXPECT_EQ(h.max(), 7u);
}

} // namespace
