// sample_summary: see the header.

#include "apps/keel_bench/sample_summary.hpp"

#include <algorithm>

namespace keel::bench {

sample_summary summarize(std::vector<uint64_t> samples) {
  sample_summary s;
  s.count = samples.size();
  if (samples.empty())
    return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.max = samples.back();
  auto mid = samples.size() / 2;
  s.median = samples.size() % 2 == 1
               ? static_cast<double>(samples[mid])
               : (static_cast<double>(samples[mid - 1]) + static_cast<double>(samples[mid])) / 2;
  return s;
}

} // namespace keel::bench
