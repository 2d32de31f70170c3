// The allowlist of CAF types a peer may send (actors/security/core/
// wire_types.hpp), applied by actors/client/message_type_filter.cpp to every
// message CAF deserializes: Keel's traffic passes, the rest is refused with an
// error instead of reaching a deserializer that throws or recurses without end.
#include <string>
#include <vector>

#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/config_value.hpp"
#include "caf/message.hpp"
#include "caf/system_messages.hpp"

#include "actors/client/message_type_filter.hpp"
#include "actors/security/core/wire_types.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"

namespace {

using namespace keel;

struct MessageTypeFilter : ::testing::Test, test_coordinator_fixture<keel::test::keel_config> {
  // Reads `bytes` the way the middleman does, through libcaf's own code,
  // which calls message::load through the dynamic symbol table and drops its
  // error: a refused message comes out empty.
  caf::message read_as_caf_does(const std::vector<char>& bytes) {
    auto holder = sys.types().make_value("@message");
    caf::binary_deserializer source{sys, bytes};
    EXPECT_FALSE(holder->load(source));
    return *static_cast<const caf::message*>(holder->get());
  }
  // Calls the filtered message::load directly, to see its error.
  caf::error load_error(const std::vector<char>& bytes) {
    caf::binary_deserializer source{sys, bytes};
    caf::message out;
    return out.load(source);
  }
  std::vector<char> bytes_of(caf::message msg) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    EXPECT_FALSE(sink(msg));
    return buf;
  }
};

TEST_F(MessageTypeFilter, IsActiveInThisExecutable) {
  EXPECT_EQ(message_type_filter_problem(sys), "");
}

TEST_F(MessageTypeFilter, KeelsOwnTrafficPasses) {
  kv::Request req;
  req.set_client_id(7);
  req.mutable_get()->set_key("k");
  auto out = read_as_caf_does(bytes_of(caf::make_message(kv_atom_v, make_pb(req))));
  ASSERT_TRUE((out.match_elements<kv_atom, pb<kv::Request>>())) << to_string(out);
  EXPECT_EQ(out.get_as<pb<kv::Request>>(1)->client_id(), 7u);
  // A failed request's answer: an error whose context is itself a message.
  auto answer = caf::make_error(caf::sec::request_timeout, "late");
  out = read_as_caf_does(bytes_of(caf::make_message(answer)));
  ASSERT_TRUE(out.match_elements<caf::error>()) << to_string(out);
  EXPECT_EQ(out.get_as<caf::error>(0), answer);
}

TEST_F(MessageTypeFilter, RefusesTypesKeelNeverSends) {
  for (auto msg : {caf::make_message(caf::config_value{int64_t{1}}), caf::make_message(1.5),
                   caf::make_message(kv_atom_v, 2.5f),
                   caf::make_message(caf::exit_msg{{}, caf::exit_reason::kill})}) {
    auto bytes = bytes_of(msg);
    auto err = load_error(bytes);
    ASSERT_TRUE(err) << to_string(msg);
    EXPECT_NE(sys.render(err).find("not a wire type"), std::string::npos) << sys.render(err);
    EXPECT_TRUE(read_as_caf_does(bytes).empty()) << to_string(msg);
  }
}

// The crash the caf_message fuzzer found: a config_value whose variant index
// is out of range made CAF 0.17.6 throw from its deserializer, which ended the
// process from any thread of the middleman.
TEST_F(MessageTypeFilter, RefusesTheConfigValueThatTerminatedANode) {
  auto bytes = bytes_of(caf::make_message(caf::config_value{int64_t{1}}));
  bytes[bytes.size() - 9] = static_cast<char>(200); // the variant index before the int64
  EXPECT_TRUE(load_error(bytes));
  EXPECT_TRUE(read_as_caf_does(bytes).empty());
}

// Messages in messages, 100,000 deep: unbounded, the recursion exhausts the
// stack. Bounded, the load at depth max_wire_message_depth + 1 is refused;
// CAF drops that error one level up, so what arrives is the outer levels
// around an empty message.
TEST_F(MessageTypeFilter, RefusesMessagesNestedTooDeep) {
  std::vector<char> bytes;
  caf::binary_serializer sink{sys, bytes};
  uint16_t zero = 0;
  std::string nested = "@<>+@message";
  for (int i = 0; i < 100'000; ++i)
    ASSERT_FALSE(sink.begin_object(zero, nested));
  std::string empty = "@<>";
  ASSERT_FALSE(sink.begin_object(zero, empty));
  auto out = read_as_caf_does(bytes); // the holder's own load is depth 1
  int depth = 1;
  while (out.match_elements<caf::message>()) {
    out = out.get_as<caf::message>(0);
    ++depth;
  }
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(depth, security::max_wire_message_depth + 1); // the empty one was refused
}

} // namespace
