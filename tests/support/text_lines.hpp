// Reading what a program printed, in tests: its lines, and how often a text
// occurs in it.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

namespace keel::test {

/// The lines of `text`, without their line breaks.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

/// How many times `what` occurs in `text` (overlaps counted).
inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace keel::test
