// What the text harnesses (cluster_config, metrics_exposition) check of a
// refusal: that the line it names lies inside the text.
#pragma once

#include <cstddef>
#include <string_view>

namespace keel::fuzz {

/// The number of lines of `text` (a last line without a line feed counts).
inline size_t line_count(std::string_view text) {
  size_t n = 1;
  for (char c : text)
    n += c == '\n' ? 1 : 0;
  return n;
}

} // namespace keel::fuzz
