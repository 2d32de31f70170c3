// Reading security::result in the security unit tests: the value of a step that
// must succeed, and the code of one that must be refused.
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>

#include "actors/security/core/errc.hpp"

namespace keel::security::test {

/// The value; a refusal throws with its detail (the test fails and says why).
template <class T>
T ok(result<T> r) {
  if (!r)
    throw std::runtime_error(std::string{to_string(r.error().code)} + ": " + r.error().detail);
  return *std::move(r);
}

/// The code of a refusal; nullopt when `r` succeeded.
template <class T>
std::optional<errc> refusal(const result<T>& r) {
  return r ? std::nullopt : std::optional{r.error().code};
}

} // namespace keel::security::test
