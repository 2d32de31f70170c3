// The refusal of a client request as the tests read it: the sentence the
// client would see, or nullopt when storage::validate accepts the request.
// Every refusal must carry errc::invalid (the request is at fault, not the
// store); a refusal with another code fails the calling test.
#pragma once

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "actors/storage/core/client_request.hpp"

namespace keel::storage::test {

inline std::optional<std::string> refusal(const kv::Request& request, const limits& lim) {
  auto checked = validate(request, lim);
  if (checked)
    return std::nullopt;
  EXPECT_EQ(checked.error().code, errc::invalid) << checked.error().detail;
  return checked.error().detail;
}

} // namespace keel::storage::test
