// latency_histogram: bucket arithmetic and nearest-rank percentiles (see the
// header). Bucket layout, as in HdrHistogram: row 0 holds the values
// [0, 256) one per bucket; row r >= 1 holds [128 << r, 256 << r) in 128
// buckets of width 2^r, at indices [(r + 1) * 128, (r + 2) * 128).

#include "apps/keel_bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace keel::bench {

latency_histogram::latency_histogram()
  : counts_(bucket_count, 0) {}

size_t latency_histogram::bucket_of(uint64_t value) {
  if (value < sub_bucket_count)
    return static_cast<size_t>(value);
  auto msb = static_cast<unsigned>(63 - std::countl_zero(value)); // >= sub_bucket_bits
  unsigned row = msb - (sub_bucket_bits - 1);
  return static_cast<size_t>(row * sub_bucket_half + (value >> row));
}

uint64_t latency_histogram::lowest_in(size_t bucket) {
  if (bucket < sub_bucket_count)
    return bucket;
  auto row = static_cast<unsigned>(bucket / sub_bucket_half - 1);
  uint64_t sub = bucket - row * sub_bucket_half; // in [128, 256)
  return sub << row;
}

uint64_t latency_histogram::highest_in(size_t bucket) {
  if (bucket < sub_bucket_count)
    return bucket;
  auto row = static_cast<unsigned>(bucket / sub_bucket_half - 1);
  uint64_t sub = bucket - row * sub_bucket_half;
  if (row + sub_bucket_bits >= 64 && sub == sub_bucket_count - 1)
    return UINT64_MAX; // the last bucket ends at the end of the range
  return ((sub + 1) << row) - 1;
}

void latency_histogram::record(uint64_t value) {
  ++counts_[bucket_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (size_t i = 0; i < bucket_count; ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void latency_histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

uint64_t latency_histogram::min() const { return count_ == 0 ? 0 : min_; }

double latency_histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

uint64_t latency_histogram::percentile(double p) const {
  if (count_ == 0)
    return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Nearest rank: the smallest rank whose share of the samples reaches p.
  // 99.9 % of 1000 computes as 999.0000000000001 in binary floating point:
  // a product within rounding noise of an integer is that integer.
  double exact = p / 100.0 * static_cast<double>(count_);
  double nearest = std::round(exact);
  auto rank = static_cast<uint64_t>(std::abs(exact - nearest) < 1e-6 ? nearest : std::ceil(exact));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  if (rank == 1)
    return min_; // the extremes are known exactly
  if (rank == count_)
    return max_;
  uint64_t seen = 0;
  for (size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::clamp(highest_in(i), min_, max_);
  }
  return max_; // unreachable while count_ is the sum of counts_
}

} // namespace keel::bench
