// The client session actor against fake nodes under CAF's deterministic test
// coordinator (virtual time): outcome mapping, seq reuse on retry (Raft thesis
// §6.3), leader-hint following, rotation on refusal, fast failure when a node
// goes down, the operation deadline, and serializable reads at any node.
#include <map>
#include <set>
#include <string>

#include "actors/client/client.hpp"
#include "actors/client/kv_channel.hpp"
#include "actors/client/session_actor.hpp"
#include "caf_gtest_dsl.hpp"
#include "client_fake_node.hpp"
#include "keel_test_config.hpp"

namespace {

using namespace keel;
using namespace keel::test;
using client::outcome;
using namespace std::chrono_literals;

constexpr uint64_t client_id = 77;
constexpr uint32_t timeout_ms = 5000;

struct answer {
  outcome out = outcome::unknown;
  kv::Response response;
  std::string node;
  bool contacted = false;
  uint64_t elapsed_ms = 0; // virtual time the operation took
};

struct ClientSession : ::testing::Test, test_coordinator_fixture<keel_config> {
  std::shared_ptr<fake_store> store = std::make_shared<fake_store>();
  std::shared_ptr<fake_network> net = std::make_shared<fake_network>();
  std::map<std::string, std::shared_ptr<fake_node>> nodes;
  caf::actor connector;
  caf::actor channel;
  caf::actor session;

  ClientSession() {
    connector = sys.spawn(fake_connector, net);
    client::options opts;
    for (auto id : {"n1", "n2", "n3"}) {
      uint16_t port = static_cast<uint16_t>(7100 + (id[1] - '0'));
      opts.endpoints.push_back(client::endpoint{id, "127.0.0.1", port});
      auto node = std::make_shared<fake_node>();
      node->id = id;
      node->store = store;
      nodes[id] = node;
      net->nodes[port] = sys.spawn(fake_service, node);
    }
    opts.timeout_ms = timeout_ms;
    opts.request_timeout_ms = 1000;
    opts.client_id = client_id;
    opts.seed = 1;
    channel = client::spawn_kv_channel(sys);
    session = client::spawn_session_actor(sys, opts, connector, channel);
  }

  ~ClientSession() override {
    // Held promises point back at their actors: drop them, then stop every
    // actor, or the actor system would wait for them forever.
    for (auto& [id, n] : nodes)
      n->held.clear();
    net->held.clear();
    for (auto& [port, node] : net->nodes)
      caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(connector, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(channel, caf::exit_reason::user_shutdown);
    run();
  }

  /// Makes `leader` the leader: it serves, the others redirect to it.
  void lead(const std::string& leader) {
    for (auto& [id, n] : nodes) {
      n->otherwise = id == leader ? act::serve : act::not_leader;
      n->hint = leader;
    }
  }

  /// Runs one operation to its end, advancing virtual time only when every
  /// actor is idle and a timer is due.
  answer ask(kv::Request req, uint32_t budget_ms = timeout_ms) {
    auto start = sched.clock().now();
    self->send(session, kv_atom_v, make_pb(std::move(req)), budget_ms);
    sched.run();
    while (self->mailbox().empty() && sched.trigger_timeout())
      sched.run();
    answer a;
    a.elapsed_ms = static_cast<uint64_t>((sched.clock().now() - start) / 1ms);
    bool got = false;
    self->receive(
      [&](pb<kv::Response>& r, std::string& node, bool contacted) {
        got = true;
        a.out = client::outcome_of(r.msg.status());
        a.response = r.msg;
        a.node = node;
        a.contacted = contacted;
      },
      caf::after(0s) >> [] {});
    EXPECT_TRUE(got) << "the session never answered";
    return a;
  }

  static kv::Request put(std::string key, std::string value) {
    kv::Request r;
    r.mutable_put()->set_key(key);
    r.mutable_put()->set_value(value);
    return r;
  }

  static kv::Request get(std::string key) {
    kv::Request r;
    r.mutable_get()->set_key(key);
    return r;
  }

  size_t requests() const {
    size_t n = 0;
    for (auto& [id, node] : nodes)
      n += node->received.size();
    return n;
  }

  std::vector<kv::Request> all_received() const {
    std::vector<kv::Request> out;
    for (auto& [id, node] : nodes)
      out.insert(out.end(), node->received.begin(), node->received.end());
    return out;
  }
};

TEST_F(ClientSession, ReadsTheLeadersValue) {
  lead("n2");
  store->data["k"] = "v";
  auto a = ask(get("k"));
  EXPECT_EQ(a.out, outcome::ok);
  EXPECT_EQ(a.response.value(), "v");
  EXPECT_TRUE(a.response.has_value());
  EXPECT_EQ(a.node, "n2");
  EXPECT_TRUE(a.contacted);
}

TEST_F(ClientSession, FollowsTheLeaderHintWithoutWaiting) {
  // Raft §8: a non-leader names the leader; the client goes there at once.
  lead("n3");
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::ok);
  EXPECT_EQ(a.node, "n3");
  EXPECT_LE(requests(), 2u);
  EXPECT_EQ(a.elapsed_ms, 0u);
  EXPECT_EQ(store->data["k"], "v");
}

TEST_F(ClientSession, SendsLaterOperationsStraightToTheCachedLeader) {
  lead("n1");
  ASSERT_EQ(ask(put("a", "1")).out, outcome::ok);
  auto before = requests();
  ASSERT_EQ(ask(put("b", "2")).out, outcome::ok);
  ASSERT_EQ(ask(get("a")).out, outcome::ok);
  EXPECT_EQ(requests(), before + 2);
}

TEST_F(ClientSession, SerializableReadsSpreadOverTheNodesAndLeaveTheLeaderCached) {
  lead("n1");
  ASSERT_EQ(ask(put("a", "1")).out, outcome::ok); // n1 is cached as the leader
  for (auto& [id, n] : nodes)
    n->otherwise = act::serve; // every replica answers serializable reads
  std::map<std::string, size_t> before;
  for (auto& [id, n] : nodes)
    before[id] = n->received.size();
  std::set<std::string> answered_by;
  for (int i = 0; i < 3; ++i) {
    auto r = get("a");
    r.mutable_get()->set_serializable(true);
    auto a = ask(r);
    ASSERT_EQ(a.out, outcome::ok);
    EXPECT_EQ(a.response.value(), "1");
    answered_by.insert(a.node);
  }
  EXPECT_EQ(answered_by.size(), 3u); // one per node, not three at the leader
  for (auto& [id, n] : nodes)
    EXPECT_EQ(n->received.size(), before[id] + 1) << id;
  // The followers that answered were not taken for the leader: the next
  // write goes straight to n1.
  ASSERT_EQ(ask(put("b", "2")).out, outcome::ok);
  EXPECT_EQ(nodes.at("n1")->received.size(), before["n1"] + 2);
}

TEST_F(ClientSession, NewWritesTakeNewSeqsAndReadsCarryNone) {
  lead("n1");
  nodes["n1"]->script = {act::serve};
  ask(put("a", "1"));
  ask(put("a", "2"));
  ask(get("a"));
  std::vector<uint64_t> served;
  for (const auto& r : nodes["n1"]->received) {
    EXPECT_EQ(r.client_id(), client_id);
    served.push_back(r.seq());
  }
  EXPECT_EQ(served, (std::vector<uint64_t>{1, 2, 0}));
}

TEST_F(ClientSession, RetriedWriteKeepsItsSeqAndIsAppliedOnce) {
  // The leader applies the write but its answer is lost; the retry after the
  // request timeout reaches it again with the same (client_id, seq), and the
  // state machine answers from its session table (thesis §6.3).
  lead("n1");
  nodes["n1"]->script = {act::swallow};
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::ok);
  EXPECT_EQ(a.node, "n1");
  EXPECT_EQ(store->applied, 1u);
  auto sent = all_received();
  ASSERT_GE(sent.size(), 2u);
  for (const auto& r : sent) {
    EXPECT_EQ(r.client_id(), client_id);
    EXPECT_EQ(r.seq(), 1u);
  }
  EXPECT_GE(a.elapsed_ms, 1000u); // it waited for the request timeout once
}

TEST_F(ClientSession, NodeGoingDownFailsTheAttemptAtOnce) {
  // The leader applies the write and dies before answering. Its down message
  // ends the attempt at once (a request to a dead node is never answered, so
  // waiting would cost the whole request timeout); the retry reaches the
  // restarted leader with the same seq, and the write is applied only once.
  lead("n1");
  nodes["n1"]->script = {act::apply_then_crash};
  auto start = sched.clock().now();
  self->send(session, kv_atom_v, make_pb(put("k", "v")), timeout_ms);
  sched.run();
  EXPECT_EQ(store->applied, 1u);
  net->nodes[7101] = sys.spawn(fake_service, nodes["n1"]); // the node restarts
  while (self->mailbox().empty() && sched.trigger_timeout())
    sched.run();
  // Only backoffs passed (each at most 10 * 2^n ms), never a 1000 ms request timeout.
  EXPECT_LT((sched.clock().now() - start) / 1ms, 1000);
  bool got = false;
  self->receive(
    [&](pb<kv::Response>& r, std::string& node, bool) {
      got = true;
      EXPECT_EQ(r.msg.status(), kv::STATUS_OK);
      EXPECT_EQ(node, "n1");
    },
    caf::after(0s) >> [] {});
  ASSERT_TRUE(got);
  EXPECT_EQ(store->applied, 1u);
  for (const auto& r : all_received())
    EXPECT_EQ(r.seq(), 1u);
}

TEST_F(ClientSession, RefusedEverywhereIsUnavailableAndNeverContacted) {
  net->nodes.clear();
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::unavailable);
  EXPECT_FALSE(a.contacted);
  EXPECT_EQ(a.response.error().rfind("cannot reach any node (", 0), 0u) << a.response.error();
  EXPECT_NE(a.response.error().find("n1 127.0.0.1:7101: cannot connect"), std::string::npos);
  EXPECT_LE(a.elapsed_ms, timeout_ms);
  EXPECT_GT(net->connects, 3u); // it kept trying (with backoff) until the deadline
}

TEST_F(ClientSession, RotatesPastARefusingNode) {
  lead("n2");
  net->nodes.erase(7101);
  net->nodes.erase(7103);
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::ok);
  EXPECT_EQ(a.node, "n2");
  EXPECT_EQ(a.elapsed_ms, 0u); // untried endpoints are tried without waiting
}

TEST_F(ClientSession, NoLeaderAnywhereIsUnavailable) {
  for (auto& [id, n] : nodes)
    n->otherwise = act::unavailable;
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::unavailable);
  EXPECT_TRUE(a.contacted);
  EXPECT_LE(a.elapsed_ms, timeout_ms);
  EXPECT_GT(requests(), 3u);
  EXPECT_EQ(store->applied, 0u);
}

TEST_F(ClientSession, UnansweredWriteIsUnknownEvenIfLaterAttemptsAreRejected) {
  for (auto& [id, n] : nodes)
    n->otherwise = act::unavailable;
  nodes["n1"]->otherwise = act::swallow;
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::unknown);
  EXPECT_TRUE(a.contacted);
  EXPECT_LE(a.elapsed_ms, timeout_ms);
  EXPECT_NE(a.response.error().find("may or may not have been applied"), std::string::npos);
}

TEST_F(ClientSession, NodeTimeoutIsRetriedWithTheSameSeq) {
  lead("n1");
  nodes["n1"]->script = {act::node_timeout};
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::ok);
  for (const auto& r : all_received())
    EXPECT_EQ(r.seq(), 1u);
}

TEST_F(ClientSession, DeadlineBoundsSilentNodes) {
  for (auto& [id, n] : nodes)
    n->otherwise = act::swallow;
  auto a = ask(put("k", "v"), 2500);
  EXPECT_EQ(a.out, outcome::unknown);
  EXPECT_LE(a.elapsed_ms, 2500u);
  EXPECT_GE(a.elapsed_ms, 2000u); // it did use its budget
}

TEST_F(ClientSession, DeadlineBoundsFrozenConnects) {
  // A connect to a frozen node never completes; the deadline still holds and,
  // since nothing was sent, the write was definitely not applied.
  net->frozen = {7101, 7102, 7103};
  auto a = ask(put("k", "v"), 3000);
  EXPECT_EQ(a.out, outcome::unavailable);
  EXPECT_FALSE(a.contacted);
  EXPECT_LE(a.elapsed_ms, 3000u);
  EXPECT_NE(a.response.error().find("no connection within"), std::string::npos);
}

TEST_F(ClientSession, ARefusalIsReportedEvenWhenTheLastAttemptOnlyRanOutOfTime) {
  // What the user must read is why the node refused, not that the retry after
  // it found too little time left to connect (seen under ASan with TLS).
  net->refuses_handshake = {7101};
  net->frozen = {7102, 7103};
  // 5 s: 7101 refuses at once, 7102 and 7103 take 1 s each to time out, and
  // 7101's second connect times out at 3 s, well before the deadline.
  auto a = ask(put("k", "v"), 5000);
  EXPECT_EQ(a.out, outcome::unavailable);
  EXPECT_FALSE(a.contacted);
  EXPECT_NE(a.response.error().find("n1 127.0.0.1:7101: the node closed the connection during "
                                    "the handshake"),
            std::string::npos)
    << a.response.error();
  EXPECT_GT(net->connects, 4u); // endpoint 7101 was tried again, and froze
}

TEST_F(ClientSession, LeaderOutsideTheEndpointsIsReported) {
  for (auto& [id, n] : nodes) {
    n->otherwise = act::not_leader;
    n->hint = "n7"; // a node this session has no endpoint for
  }
  auto a = ask(put("k", "v"), 1000);
  EXPECT_EQ(a.out, outcome::unavailable);
  EXPECT_EQ(a.response.leader_hint(), "n7");
}

TEST_F(ClientSession, InvalidArgumentIsFinal) {
  for (auto& [id, n] : nodes)
    n->otherwise = act::invalid;
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::invalid);
  EXPECT_EQ(a.response.error(), "key too long");
  EXPECT_EQ(requests(), 1u);
}

TEST_F(ClientSession, CasMismatchCarriesTheCurrentValue) {
  lead("n1");
  store->data["k"] = "now";
  kv::Request r;
  r.mutable_cas()->set_key("k");
  r.mutable_cas()->set_expected("then");
  r.mutable_cas()->set_value("next");
  auto a = ask(r);
  EXPECT_EQ(a.out, outcome::cas_mismatch);
  EXPECT_EQ(a.response.value(), "now");
  EXPECT_EQ(store->data["k"], "now");
}

TEST_F(ClientSession, DeletingAnAbsentKeyIsNotFound) {
  lead("n1");
  kv::Request r;
  r.mutable_del()->set_key("nothing");
  EXPECT_EQ(ask(r).out, outcome::not_found);
}

TEST_F(ClientSession, StaleRequestIsUnknown) {
  lead("n1");
  store->sessions[client_id].seq = 10; // the node has seen later writes of this id
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::unknown);
  EXPECT_FALSE(a.response.error().empty());
}

// -- operator calls ------------------------------------------------------------

struct ClientSessionAdmin : ClientSession {
  template <class Reply>
  caf::expected<Reply> call(caf::message msg) {
    self->send(session, std::move(msg));
    sched.run();
    while (self->mailbox().empty() && sched.trigger_timeout())
      sched.run();
    caf::expected<Reply> out = caf::make_error(caf::sec::runtime_error, "no answer");
    self->receive([&](Reply& r) { out = std::move(r); }, [&](caf::error& e) { out = std::move(e); },
                  caf::after(0s) >> [] {});
    return out;
  }
};

TEST_F(ClientSessionAdmin, StatusOfALiveNode) {
  auto r
    = call<pb<admin::NodeStatus>>(caf::make_message(status_atom_v, uint32_t{1}, uint32_t{1000}));
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->msg.node_id(), "n2");
}

TEST_F(ClientSessionAdmin, TreeOfARefusingNodeSaysItWasNeverSent) {
  net->nodes.erase(7103);
  auto r = call<pb<admin::NodeTree>>(caf::make_message(tree_atom_v, uint32_t{2}, uint32_t{1000}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == caf::sec::cannot_connect_to_node) << to_string(r.error());
}

TEST_F(ClientSessionAdmin, CallTheNodeDoesNotKnowIsUnexpected) {
  auto r = call<pb<admin::Members>>(caf::make_message(members_atom_v, uint32_t{0}, uint32_t{1000}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == caf::sec::unexpected_message) << to_string(r.error());
}

TEST_F(ClientSessionAdmin, FaultRefusalComesBackAsAnAnswer) {
  admin::FaultRequest req;
  req.set_crash_path("/n1/storage");
  auto r = call<pb<admin::FaultResponse>>(
    caf::make_message(fault_atom_v, uint32_t{0}, make_pb(req), uint32_t{1000}));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->msg.ok());
  EXPECT_EQ(r->msg.error(), "fault injection is disabled");
}

TEST_F(ClientSessionAdmin, AHandshakeCutByAHeartbeatTickIsTriedAgain) {
  // Seen in CI: keelctl metrics on a TLS cluster right after a load run; the
  // node was fine, its handshake only took longer than one heartbeat tick.
  net->cuts_handshake = {{7102, 2}};
  auto r
    = call<pb<admin::NodeStatus>>(caf::make_message(status_atom_v, uint32_t{1}, uint32_t{1000}));
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->msg.node_id(), "n2");
  EXPECT_EQ(net->connects, 3u);
}

TEST_F(ClientSessionAdmin, HandshakesCutEveryTimeAreReportedAfterThreeTries) {
  net->cuts_handshake = {{7102, 100}};
  auto r = call<pb<admin::NodeTree>>(caf::make_message(tree_atom_v, uint32_t{1}, uint32_t{1000}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == caf::sec::cannot_connect_to_node) << to_string(r.error());
  EXPECT_NE(to_string(r.error()).find("does not answer the handshake"), std::string::npos)
    << to_string(r.error());
  EXPECT_EQ(net->connects, 3u);
}

TEST_F(ClientSession, AKeyValueOperationMovesOnFromACutHandshake) {
  // No second handshake with the same node: another node serves sooner.
  // Each node cuts its first handshake: had the session tried the first node
  // again at once, it would have been served before meeting the other cuts.
  lead("n2");
  net->cuts_handshake = {{7101, 1}, {7102, 1}, {7103, 1}};
  auto a = ask(put("k", "v"));
  EXPECT_EQ(a.out, outcome::ok);
  EXPECT_EQ(a.node, "n2");
  for (auto& [port, cuts_left] : net->cuts_handshake)
    EXPECT_EQ(cuts_left, 0) << port;
}

TEST_F(ClientSessionAdmin, FrozenNodeTimesOutWithinTheBudget) {
  net->frozen = {7101};
  auto start = sched.clock().now();
  auto r
    = call<pb<admin::NodeStatus>>(caf::make_message(status_atom_v, uint32_t{0}, uint32_t{800}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == caf::sec::cannot_connect_to_node)
    << to_string(r.error()); // the request never left
  EXPECT_LE((sched.clock().now() - start) / 1ms, 800);
}

} // namespace
