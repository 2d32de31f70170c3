// comma_list: the words of a comma-separated command-line list ("a,b,c"),
// empty words kept (so that "a,,b" or "a," can be refused by the caller,
// naming the empty word). One splitter for every such list. Pure.
#pragma once

#include <string_view>
#include <vector>

namespace keel {

inline std::vector<std::string_view> comma_words(std::string_view text) {
  std::vector<std::string_view> words;
  for (;;) {
    auto comma = text.find(',');
    words.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos)
      return words;
    text.remove_prefix(comma + 1);
  }
}

} // namespace keel
