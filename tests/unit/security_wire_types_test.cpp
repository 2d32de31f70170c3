// wire_types: the names of the CAF types a peer may send.
#include <gtest/gtest.h>

#include "actors/security/core/wire_types.hpp"

namespace keel::security {
namespace {

TEST(WireTypes, KeelsOwnBlockAndTheBuiltinsItUsesPass) {
  for (auto name : {"keel::pb<keel::kv::Request>", "keel::pb<keel::raft::MessageBatch>", "@atom",
                    "@error", "@message", "@str", "@u64", "@strong_actor_ptr", "@node"})
    EXPECT_TRUE(wire_type_allowed(name)) << name;
}

TEST(WireTypes, EverythingElseIsRefused) {
  for (auto name : {"@config_value", "@downstream_msg", "@upstream_msg", "@open_stream_msg",
                    "@group", "@group_down", "@exit", "@down", "double", "float", "@ldouble", "",
                    "@", "keel", "stream<keel::pb<keel::kv::Request>>",
                    "std::vector<keel::pb<keel::kv::Request>>", "other::type", "@atom ", " @atom"})
    EXPECT_FALSE(wire_type_allowed(name)) << '"' << name << '"';
}

} // namespace
} // namespace keel::security
