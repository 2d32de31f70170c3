// keel-bench's history: the outcome -> event type mapping a linearizability
// checker relies on.

#include <gtest/gtest.h>

#include "apps/keel_bench/history.hpp"

namespace {

using keel::client::outcome;
using namespace keel::bench;

TEST(BenchHistory, OutcomesMapToJepsenTypes) {
  // ok took effect; definite refusals fail; unknown is info.
  for (auto f : {op_kind::read, op_kind::write, op_kind::cas, op_kind::del}) {
    EXPECT_EQ(completion_of(f, outcome::ok), event_type::ok);
    EXPECT_EQ(completion_of(f, outcome::invalid), event_type::fail);
    EXPECT_EQ(completion_of(f, outcome::unavailable), event_type::fail);
    EXPECT_EQ(completion_of(f, outcome::unknown), event_type::info);
  }
  EXPECT_EQ(completion_of(op_kind::cas, outcome::cas_mismatch), event_type::fail);
  EXPECT_EQ(completion_of(op_kind::cas, outcome::not_found), event_type::fail);
  // An absent key is an answer for a read and a no-op for a delete.
  EXPECT_EQ(completion_of(op_kind::read, outcome::not_found), event_type::ok);
  EXPECT_EQ(completion_of(op_kind::del, outcome::not_found), event_type::ok);
}

} // namespace
