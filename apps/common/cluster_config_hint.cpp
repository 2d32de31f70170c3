#include "apps/common/cluster_config_hint.hpp"

#include <algorithm>
#include <vector>

namespace keel::config::parsing {

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty())
      out += ", ";
    out += w;
  }
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string hint(std::string_view word, std::span<const std::string_view> known,
                 std::string_view what) {
  for (auto k : known)
    if (edit_distance(word, k) <= 2 || k.starts_with(word) || word.starts_with(k))
      return "did you mean '" + std::string{k} + "'?";
  return "known " + std::string{what} + ": " + join(known);
}

} // namespace keel::config::parsing
