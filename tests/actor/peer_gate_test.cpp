// The peer gate on its own, under CAF's deterministic test coordinator: the
// test poses as peers (and attackers) towards n1's gate, and a recording
// actor stands in for n1's transport. What the transport does with the
// gate's output is in transport_test.cpp; this covers what only the gate
// decides: what it forwards at all, what an unauthenticated party can make
// it keep, and a transport that is away.
#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "actors/paths.hpp"
#include "actors/replication/peer_gate_actor.hpp"
#include "actors/security/core/frame_seal.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "actors/security/core/trust.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"
#include "poses_as_peer.hpp"
#include "supervisors/directory.hpp"
#include "test_trust.hpp"

namespace {

using namespace keel;

using keel::test::book;
using keel::test::wall_seconds;

struct forwarded {
  std::vector<std::string> from;
  std::vector<raft::MessageBatch> batches;
  uint64_t unauthenticated = 0;
  uint64_t refused = 0;
  uint64_t other = 0; // anything else reaching "the transport"
};

caf::behavior transport_recorder(caf::event_based_actor* self, std::shared_ptr<forwarded> out) {
  self->set_default_handler(
    [out](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      ++out->other;
      return caf::make_error(caf::sec::unexpected_message);
    });
  return {
    [out](raft_atom, const std::string& from, pb<raft::MessageBatch>& b) {
      out->from.push_back(from);
      out->batches.push_back(b.msg);
    },
    [out](peer_atom, uint64_t unauthenticated, uint64_t refused) {
      out->unauthenticated += unauthenticated;
      out->refused += refused;
    },
  };
}

raft::MessageBatch append(uint64_t index) {
  raft::MessageBatch b;
  auto* m = b.add_messages();
  m->set_type(raft::MSG_APPEND);
  m->set_from("n2");
  m->set_to("n1");
  m->set_term(1);
  m->set_index(index);
  return b;
}

struct PeerGateTest : ::testing::Test,
                      test_coordinator_fixture<keel::test::keel_config>,
                      keel::test::poses_as_peer<PeerGateTest> {
  std::shared_ptr<const security::trust> trust;
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>();
  std::shared_ptr<forwarded> out = std::make_shared<forwarded>();
  transport::peer_gate_api gate;
  caf::actor recorder; // stands in for the transport

  PeerGateTest() {
    trust = keel::test::secret_trust('s');
    transport::peer_gate_config gc;
    gc.node_id = "n1";
    gc.root_path = "/n1";
    gc.members = {"n2", "n3"};
    gc.trust = trust;
    gc.incarnations = std::make_shared<security::peer_incarnations>(book.self());
    gc.dir = dir;
    gc.publish = false;
    gate = transport::spawn_peer_gate(sys, gc);
    recorder = sys.spawn(transport_recorder, out);
    dir->put(paths::transport("/n1"), recorder);
  }

  ~PeerGateTest() override {
    dir->erase(paths::transport("/n1"), recorder);
    anon_send_exit(recorder, caf::exit_reason::user_shutdown);
    anon_send_exit(gate, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // A complete handshake as n2 from `hs`; on failure (recorded), a sealer
  // whose frames no gate accepts.
  security::frame_sealer open_session(security::dialer_handshake& hs) {
    return handshake(hs).value_or(security::frame_sealer{{}});
  }
};

TEST_F(PeerGateTest, ForwardsAuthenticatedBatchesWithTheProvenSender) {
  security::dialer_handshake hs(*trust, book, "n2", "n1");
  auto s = open_session(hs);
  send_frame(s.seal(append(1).SerializeAsString()));
  ASSERT_EQ(out->batches.size(), 1u);
  EXPECT_EQ(out->from, (std::vector<std::string>{"n2"}));
  EXPECT_EQ(out->batches[0].messages(0).index(), 1u);
  EXPECT_EQ(out->unauthenticated + out->refused + out->other, 0u);
}

TEST_F(PeerGateTest, RawBatchesOfTheOldProtocolAreNotForwarded) {
  // What a peer sent before the gate existed: a bare MessageBatch, in either
  // form the transport accepts from local actors.
  // A peer holds the gate's front door untyped: what the compiler would refuse
  // here still arrives.
  auto untyped = caf::actor_cast<caf::actor>(gate);
  self->send(untyped, raft_atom_v, make_pb(append(1)));
  self->send(untyped, raft_atom_v, std::string{"n2"}, make_pb(append(2)));
  sched.run();
  EXPECT_TRUE(out->batches.empty());
  EXPECT_EQ(out->other, 0u);
}

TEST_F(PeerGateTest, FramesWhileTheTransportIsAwayAreLostButTheSessionSurvives) {
  security::dialer_handshake hs(*trust, book, "n2", "n1");
  auto s = open_session(hs);
  dir->erase(paths::transport("/n1"), recorder); // the transport is restarting
  send_frame(s.seal(append(1).SerializeAsString()));
  dir->put(paths::transport("/n1"), recorder);
  send_frame(s.seal(append(2).SerializeAsString()));
  ASSERT_EQ(out->batches.size(), 1u);
  EXPECT_EQ(out->batches[0].messages(0).index(), 2u);
  EXPECT_EQ(out->unauthenticated, 0u); // lost, not refused: Raft retries
}

TEST_F(PeerGateTest, UnconfirmedHellosOpenNoSessionAndCostBoundedState) {
  // Anyone may send a hello that claims to be a member: it proves nothing
  // yet. A flood of them gets challenges, but no session, and the table of
  // open challenges stays bounded (the oldest go first), so the newest
  // genuine handshake still completes.
  std::vector<uint64_t> sessions;
  for (int i = 0; i < 200; ++i) {
    security::dialer_handshake forged(*trust, book, "n2", "n1");
    auto c = hello(forged.hello());
    ASSERT_TRUE(c.error().empty()) << c.error();
    sessions.push_back(c.session());
  }
  for (auto id : {sessions.front(), sessions.back()}) {
    peer::PeerFrame f;
    f.set_session(id);
    f.set_seq(1);
    f.set_batch(append(1).SerializeAsString());
    send_frame(f);
  }
  EXPECT_TRUE(out->batches.empty());
  EXPECT_EQ(out->unauthenticated, 2u);
  // The price of the bound: a genuine challenge pushed out by 64 newer
  // hellos is gone, and its confirm fails (the dialer retries). A flood
  // faster than one round trip can thus delay a member's handshake.
  security::dialer_handshake early(*trust, book, "n2", "n1");
  auto early_challenge = hello(early.hello());
  for (int i = 0; i < 100; ++i) {
    security::dialer_handshake forged(*trust, book, "n3", "n1");
    hello(forged.hello());
  }
  auto outcome = early.on_challenge(early_challenge, wall_seconds());
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(confirm(outcome->first).error().empty());
  EXPECT_EQ(out->refused, 1u);
  // A handshake that is not drowned completes.
  security::dialer_handshake hs(*trust, book, "n2", "n1");
  auto s = open_session(hs);
  send_frame(s.seal(append(3).SerializeAsString()));
  EXPECT_EQ(out->batches.size(), 1u);
}

} // namespace
