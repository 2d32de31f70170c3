// enum_names: the value of an enum that its to_string names, so that the
// history's names are written in one place (to_string) and read back from it.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace keel::history {

/// The one of `all` whose to_string is `name`, or nullopt.
template <class E, std::size_t N>
std::optional<E> named(std::string_view name, const E (&all)[N]) {
  for (auto e : all)
    if (name == to_string(e))
      return e;
  return std::nullopt;
}

} // namespace keel::history
