// pb<T> through CAF's serializer: every message type that crosses a node
// boundary round-trips byte for byte, and malformed bytes give an error.
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/message.hpp"

#include "caf_gtest_dsl.hpp"
#include "every_field.hpp"
#include "keel_test_config.hpp"

namespace {

using namespace keel;

struct PbCodec : ::testing::Test, test_coordinator_fixture<keel::test::keel_config> {
  template <class T>
  T round_trip(const T& in) {
    auto bytes = serialize(caf::make_message(in));
    caf::message out;
    deserialize(bytes, out);
    EXPECT_TRUE(out.match_elements<T>()) << to_string(out);
    return out.get_as<T>(0);
  }
};

kv::Request sample_request() {
  kv::Request r;
  r.set_client_id(42);
  r.set_seq(7);
  auto* c = r.mutable_cas();
  c->set_key(std::string("k\0ey", 4)); // binary keys survive, NUL included
  c->set_expected("old");
  c->set_value(std::string(1000, 'x'));
  return r;
}

TEST_F(PbCodec, RoundTripsClientRequest) {
  auto in = make_pb(sample_request());
  auto out = round_trip(in);
  EXPECT_EQ(out.msg.cas().key(), std::string("k\0ey", 4));
  EXPECT_EQ(out.msg.seq(), 7u);
  EXPECT_TRUE(out == in);
}

TEST_F(PbCodec, RoundTripsEveryRegisteredType) {
  kv::Response resp;
  resp.set_status(kv::STATUS_NOT_LEADER);
  resp.set_leader_hint("n2");
  EXPECT_TRUE(round_trip(make_pb(resp)) == make_pb(resp));

  command::CommandBatch batch;
  auto* cmd = batch.add_commands();
  cmd->set_client_id(1);
  cmd->mutable_put()->set_key("a");
  EXPECT_TRUE(round_trip(make_pb(batch)) == make_pb(batch));
  EXPECT_TRUE(round_trip(make_pb(*cmd)) == make_pb(*cmd));

  raft::MessageBatch rb;
  auto* m = rb.add_messages();
  m->set_type(raft::MSG_APPEND);
  m->set_shard(3);
  m->set_term(9);
  auto* e = m->add_entries();
  e->set_index(10);
  e->set_term(9);
  e->set_data(batch.SerializeAsString());
  m->mutable_snapshot()->mutable_metadata()->add_voters("n1");
  EXPECT_TRUE(round_trip(make_pb(rb)) == make_pb(rb));
  EXPECT_TRUE(round_trip(make_pb(*m)) == make_pb(*m));
  EXPECT_TRUE(round_trip(make_pb(*e)) == make_pb(*e));
  raft::HardState hs;
  hs.set_term(4);
  hs.set_vote("n3");
  EXPECT_TRUE(round_trip(make_pb(hs)) == make_pb(hs));
  EXPECT_TRUE(round_trip(make_pb(m->snapshot())) == make_pb(m->snapshot()));

  storage::ShardSnapshot snap;
  snap.set_shard(1);
  auto* kv = snap.add_data();
  kv->set_key("k");
  kv->set_value("v");
  EXPECT_TRUE(round_trip(make_pb(snap)) == make_pb(snap));

  admin::ActorInfo info;
  info.set_path("/n1/shards/shard-0");
  info.add_children()->set_path("/n1/shards/shard-0/storage");
  EXPECT_TRUE(round_trip(make_pb(info)) == make_pb(info));
  admin::NodeTree tree;
  *tree.mutable_root() = info;
  EXPECT_TRUE(round_trip(make_pb(tree)) == make_pb(tree));
  admin::NodeStatus st;
  st.add_shards()->set_role("leader");
  EXPECT_TRUE(round_trip(make_pb(st)) == make_pb(st));
  EXPECT_TRUE(round_trip(make_pb(st.shards(0))) == make_pb(st.shards(0)));
  admin::FaultRequest fr;
  fr.set_crash_path("/n1/shards/shard-0/storage");
  EXPECT_TRUE(round_trip(make_pb(fr)) == make_pb(fr));
  admin::FaultResponse fresp;
  fresp.set_error("refused");
  EXPECT_TRUE(round_trip(make_pb(fresp)) == make_pb(fresp));
}

template <class... Ts>
struct type_list {};

// Every pb<T> in the type-ID block of messages/type_ids.hpp. The static_assert
// below fails to compile when a type is registered there but not listed here.
using registered = type_list<
  pb<kv::Request>, pb<kv::Response>, pb<command::Command>, pb<command::CommandBatch>,
  pb<raft::Message>, pb<raft::MessageBatch>, pb<raft::Entry>, pb<raft::HardState>,
  pb<raft::Snapshot>, pb<peer::PeerHello>, pb<peer::PeerChallenge>, pb<peer::PeerConfirm>,
  pb<peer::PeerAccepted>, pb<peer::PeerFrame>, pb<storage::ShardSnapshot>,
  pb<storage::ReplicaState>, pb<storage::PersistRequest>, pb<storage::ApplyResult>,
  pb<admin::ActorInfo>, pb<admin::NodeTree>, pb<admin::NodeStatus>, pb<admin::ShardStatus>,
  pb<admin::FaultRequest>, pb<admin::FaultResponse>, pb<admin::Members>, pb<admin::ShardDigest>,
  pb<admin::NodeDigest>, pb<admin::NodeMetrics>, pb<kv::RequestBatch>, pb<kv::ResponseBatch>>;

template <class... Ts>
constexpr size_t count(type_list<Ts...>) {
  return sizeof...(Ts);
}

static_assert(count(registered{}) == caf::id_block::keel::end - caf::id_block::keel::begin,
              "a type of the keel type-ID block is missing from this test");

TEST_F(PbCodec, EveryRegisteredTypeRoundTripsWithEveryFieldSet) {
  auto check = [this](auto tag) {
    using T = decltype(tag);
    T in;
    // Binary text (NUL inside) and a uint64 past 32 bits: values a codec
    // could mangle.
    keel::test::fill_every_field(in.msg,
                                 {.text = std::string("v\0x", 3), .u64 = 1ull << 40, .u32 = 7});
    ASSERT_GT(in.msg.ByteSizeLong(), 0u) << in.msg.GetTypeName();
    auto out = round_trip(in);
    EXPECT_TRUE(out == in) << in.msg.GetTypeName() << ": " << out.msg.ShortDebugString();
  };
  [&]<class... Ts>(type_list<Ts...>) { (check(Ts{}), ...); }(registered{});
}

TEST_F(PbCodec, MalformedBytesAreAnErrorNotACrash) {
  // A length-delimited field whose length runs past the end of the buffer.
  std::string garbage = "\x0a\x7f\x01\x02";
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  ASSERT_FALSE(sink(garbage)); // CAF string framing around the bad protobuf bytes
  caf::binary_deserializer source{sys, buf};
  pb<kv::Request> out;
  auto err = source(out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err, caf::sec::invalid_argument) << sys.render(err);
}

TEST_F(PbCodec, MessagesTravelBetweenActors) {
  auto echo = sys.spawn([]() -> caf::behavior {
    return {[](pb<kv::Request>& r) {
      kv::Response resp;
      resp.set_status(kv::STATUS_OK);
      resp.set_value(r->put().value());
      return make_pb(resp);
    }};
  });
  kv::Request r;
  r.mutable_put()->set_key("k");
  r.mutable_put()->set_value("v");
  self->send(echo, make_pb(r));
  run();
  expect((pb<kv::Response>), from(echo).to(self));
}

} // namespace
