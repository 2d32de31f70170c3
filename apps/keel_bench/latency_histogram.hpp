// latency_histogram: keel-bench's record of operation latencies, log-bucketed
// in the manner of HdrHistogram: every power of two is split into 128 linear
// sub-buckets, so a recorded value is known to within 1/128 (< 0.8 %) at any
// magnitude, in a fixed 60 KiB, with O(1) recording. Pure (no clock, no
// threads): each load thread owns one and the driver merges them at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel::bench {

/// Counts of non-negative integer samples (keel-bench records nanoseconds).
///
/// Percentiles follow the nearest-rank rule: percentile(p) is the sample of
/// rank ceil(p/100 * count) (1-based, at least 1) in sorted order, reported as
/// the highest value of that sample's bucket, clamped to [min(), max()]. So
/// exact <= percentile(p) <= exact + exact / 128 for every p; the ranks 1
/// and count() give min() and max() exactly.
class latency_histogram {
public:
  /// log2 of the sub-buckets per power of two: 2^8 = 256 values per bucket
  /// row, of which the upper half (128) is new in every row past the first.
  static constexpr unsigned sub_bucket_bits = 8;
  static constexpr uint64_t sub_bucket_count = uint64_t{1} << sub_bucket_bits;
  static constexpr uint64_t sub_bucket_half = sub_bucket_count / 2;
  /// Rows needed to cover every uint64_t value.
  static constexpr size_t row_count = 64 - sub_bucket_bits + 1;
  static constexpr size_t bucket_count = (row_count + 1) * sub_bucket_half;

  latency_histogram();

  /// Adds one sample.
  void record(uint64_t value);

  /// Adds every sample of `other`.
  void merge(const latency_histogram& other);

  /// Forgets every sample.
  void reset();

  uint64_t count() const { return count_; }

  /// The smallest and largest samples, exact; 0 when empty.
  uint64_t min() const;
  uint64_t max() const { return max_; }

  /// The exact arithmetic mean of the samples; 0 when empty.
  double mean() const;

  /// The value at percentile `p` (clamped to [0, 100]); 0 when empty.
  uint64_t percentile(double p) const;

  /// The bucket that holds `value`.
  static size_t bucket_of(uint64_t value);

  /// The smallest and largest value that fall into `bucket`.
  // REQUIRES: bucket < bucket_count
  static uint64_t lowest_in(size_t bucket);
  static uint64_t highest_in(size_t bucket);

private:
  std::vector<uint64_t> counts_; // invariant: size() == bucket_count
  uint64_t count_ = 0;           // invariant: the sum of counts_
  uint64_t min_ = UINT64_MAX;    // UINT64_MAX while empty
  uint64_t max_ = 0;
  long double sum_ = 0; // for mean(); long double keeps ns sums exact to 2^64
};

} // namespace keel::bench
