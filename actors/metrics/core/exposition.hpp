// Reading Prometheus text exposition (format 0.0.4) back: the checker that
// tests hold the /metrics endpoint to, and what `keelctl metrics -w json`
// turns into JSON. Strict where the format is: every sample belongs to a family
// declared by # TYPE before it, names and labels are well formed, no series
// appears twice, counters are not negative, and each histogram's buckets are
// cumulative and end in a +Inf bucket equal to its _count.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/base/core/errors.hpp"
#include "actors/metrics/core/registry.hpp"

namespace keel::metrics {

struct sample {
  std::string name; // as written: a histogram's carry _bucket, _sum or _count
  labels ls;        // in the order written
  double value = 0;
};

struct family {
  std::string name;
  metric_type type = metric_type::gauge;
  std::string help; // unescaped (the text has \\ and \n for a backslash and a line feed)
  std::vector<sample> samples;
};

struct parse_error {
  size_t line = 0; // 1-based; 0: the text as a whole
  std::string what;
};

/// The families of `text` in the order declared, or the first rule broken.
result<std::vector<family>, parse_error> parse_exposition(std::string_view text);

/// `fams` as exposition text again (# HELP, # TYPE, then the samples as
/// parsed): parse_exposition(render_exposition(f)) gives f back.
std::string render_exposition(const std::vector<family>& fams);

/// Several nodes' families as one valid text: families of the same name
/// merged, every sample labelled `label`=<its source's name> first.
std::vector<family>
merge_labelled(const std::vector<std::pair<std::string, std::vector<family>>>& sources,
               const std::string& label);

/// The value of the sample `name` whose labels include every pair of `match`
/// (none: the first sample of that name), if there is one.
std::optional<double> find_value(const std::vector<family>& fams, const std::string& name,
                                 const labels& match = {});

/// The sum over every sample `name` whose labels include every pair of `match`.
double sum_values(const std::vector<family>& fams, const std::string& name,
                  const labels& match = {});

} // namespace keel::metrics
