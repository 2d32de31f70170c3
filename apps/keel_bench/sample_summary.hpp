// sample_summary: median, minimum and maximum of a handful of measurements
// (keel-bench failover's runs). Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel::bench {

/// The spread of some samples.
struct sample_summary {
  double median = 0; // the middle sample; the mean of the two middle ones for an even count
  uint64_t min = 0;
  uint64_t max = 0;
  size_t count = 0;
};

/// Summarizes `samples` (any order); all zero when empty.
sample_summary summarize(std::vector<uint64_t> samples);

} // namespace keel::bench
