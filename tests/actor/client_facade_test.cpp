// The client API (runtime + session) on a real actor system, against fake
// nodes served from local actors: the operations and their outcomes, blocking
// and asynchronous, the operator calls in parallel, endpoint parsing, and the
// lifetime rules. Fake nodes answer at once, so nothing here waits for a timer
// except the tests of the deadline with every node refusing.
#include <chrono>
#include <future>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>

#include "actors/client/client.hpp"
#include "client_fake_node.hpp"

namespace {

using namespace keel;
using namespace keel::test;
using client::outcome;

struct ClientFacade : ::testing::Test {
  std::unique_ptr<client::runtime> rt = std::make_unique<client::runtime>();
  std::shared_ptr<fake_store> store = std::make_shared<fake_store>();
  std::shared_ptr<fake_network> net = std::make_shared<fake_network>();
  std::vector<std::shared_ptr<fake_node>> nodes;
  caf::actor connector;
  client::options opts;

  ClientFacade() {
    connector = rt->system().spawn(fake_connector, net);
    for (int i = 1; i <= 3; ++i) {
      auto node = std::make_shared<fake_node>();
      node->id = "n" + std::to_string(i);
      node->store = store;
      node->hint = "n1";
      node->otherwise = i == 1 ? act::serve : act::not_leader;
      nodes.push_back(node);
      auto port = static_cast<uint16_t>(7100 + i);
      net->nodes[port] = rt->system().spawn(fake_service, node);
      opts.endpoints.push_back(client::endpoint{node->id, "127.0.0.1", port});
    }
  }

  ~ClientFacade() override { stop_fakes(); }

  // The actor system waits for every actor before it goes away.
  void stop_fakes() {
    for (auto& [port, node] : net->nodes)
      caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(connector, caf::exit_reason::user_shutdown);
  }

  client::session make_session() { return client::session(*rt, opts, connector); }
};

TEST_F(ClientFacade, OperationsReportTheirOutcomes) {
  auto s = make_session();
  EXPECT_EQ(s.get("k").outcome, outcome::not_found);
  auto put = s.put("k", "v1");
  EXPECT_TRUE(put.ok()) << put.error;
  EXPECT_EQ(put.node, "n1");
  EXPECT_GT(put.index, 0u);
  EXPECT_EQ(s.get("k").value, "v1");
  auto mismatch = s.cas("k", "other", "v2");
  EXPECT_EQ(mismatch.outcome, outcome::cas_mismatch);
  EXPECT_EQ(mismatch.value, "v1");
  EXPECT_TRUE(s.cas("k", "v1", "v2").ok());
  EXPECT_EQ(s.cas_absent("k", "v3").outcome, outcome::cas_mismatch);
  EXPECT_TRUE(s.cas_absent("fresh", "x").ok());
  EXPECT_TRUE(s.del("k").ok());
  EXPECT_EQ(s.del("k").outcome, outcome::not_found);
  EXPECT_EQ(store->data, (std::map<std::string, std::string>{{"fresh", "x"}}));
}

TEST_F(ClientFacade, EveryRequestCarriesTheSessionsClientId) {
  opts.client_id = 4242;
  auto s = make_session();
  EXPECT_EQ(s.client_id(), 4242u);
  ASSERT_TRUE(s.put("a", "1").ok());
  ASSERT_TRUE(s.get("a").ok());
  for (auto& n : nodes)
    for (auto& r : n->received)
      EXPECT_EQ(r.client_id(), 4242u);
}

TEST_F(ClientFacade, SessionsGetDistinctRandomClientIds) {
  auto a = make_session();
  auto b = make_session();
  EXPECT_NE(a.client_id(), 0u);
  EXPECT_NE(a.client_id(), b.client_id());
}

TEST_F(ClientFacade, RefusedEverywhereEndsAtTheDeadlineAsUnavailable) {
  net->nodes.clear();
  opts.timeout_ms = 200;
  auto s = make_session();
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.put("k", "v");
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.outcome, outcome::unavailable);
  EXPECT_FALSE(r.contacted);
  EXPECT_NE(r.error.find("cannot reach any node"), std::string::npos) << r.error;
  EXPECT_LT(took, std::chrono::milliseconds(200 + 1000)); // the deadline, plus scheduling noise
}

// What an asynchronous operation's completion saw: its result and the thread
// it ran on.
struct completed {
  client::result r;
  std::thread::id thread;
};

// Starts one asynchronous operation with `start(done)` and waits for its
// completion.
template <class Start>
completed await(Start start) {
  std::promise<completed> p;
  auto f = p.get_future();
  start([&p](client::result r) { p.set_value({std::move(r), std::this_thread::get_id()}); });
  if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
    ADD_FAILURE() << "the completion never ran";
  return f.get();
}

TEST_F(ClientFacade, AsynchronousOperationsReportTheirOutcomesOnTheRuntimesThreads) {
  auto s = make_session();
  auto lin = client::read_consistency::linearizable;
  auto missing = await([&](auto done) { s.get("k", lin, done); });
  EXPECT_EQ(missing.r.outcome, outcome::not_found);
  EXPECT_NE(missing.thread, std::this_thread::get_id());
  auto put = await([&](auto done) { s.put("k", "v1", done); }).r;
  EXPECT_TRUE(put.ok()) << put.error;
  EXPECT_EQ(put.node, "n1");
  EXPECT_GT(put.index, 0u);
  EXPECT_EQ(await([&](auto done) { s.get("k", lin, done); }).r.value, "v1");
  auto mismatch = await([&](auto done) { s.cas("k", "other", "v2", done); }).r;
  EXPECT_EQ(mismatch.outcome, outcome::cas_mismatch);
  EXPECT_EQ(mismatch.value, "v1");
  EXPECT_TRUE(await([&](auto done) { s.cas("k", "v1", "v2", done); }).r.ok());
  EXPECT_EQ(await([&](auto done) { s.cas_absent("k", "v3", done); }).r.outcome,
            outcome::cas_mismatch);
  EXPECT_TRUE(await([&](auto done) { s.cas_absent("fresh", "x", done); }).r.ok());
  EXPECT_TRUE(await([&](auto done) { s.del("k", done); }).r.ok());
  EXPECT_EQ(await([&](auto done) { s.del("k", done); }).r.outcome, outcome::not_found);
  EXPECT_EQ(store->data, (std::map<std::string, std::string>{{"fresh", "x"}}));
}

// The way keel-bench drives its clients: each completion starts the next
// operation. The writes of the chain are new writes, each with the next seq,
// and the session stays usable by the blocking calls afterwards.
TEST_F(ClientFacade, ACompletionStartsTheNextOperationWithTheNextSeq) {
  auto s = make_session();
  constexpr int writes = 50;
  std::promise<int> finished;
  int ok = 0;
  std::function<void(int)> write = [&](int i) {
    s.put("k", "v" + std::to_string(i), [&, i](client::result r) {
      ok += r.ok() ? 1 : 0;
      if (i + 1 < writes)
        write(i + 1);
      else
        finished.set_value(ok);
    });
  };
  write(0);
  auto f = finished.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(f.get(), writes);
  std::vector<uint64_t> seqs;
  for (auto& r : nodes[0]->received)
    if (r.has_put())
      seqs.push_back(r.seq());
  ASSERT_EQ(seqs.size(), static_cast<size_t>(writes));
  for (size_t i = 1; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], seqs[i - 1] + 1);
  EXPECT_EQ(s.get("k").value, "v" + std::to_string(writes - 1));
}

TEST_F(ClientFacade, AsynchronousOperationRefusedEverywhereEndsAtTheDeadline) {
  net->nodes.clear();
  opts.timeout_ms = 200;
  auto s = make_session();
  auto r = await([&](auto done) { s.put("k", "v", done); }).r;
  EXPECT_EQ(r.outcome, outcome::unavailable);
  EXPECT_FALSE(r.contacted);
  EXPECT_NE(r.error.find("cannot reach any node"), std::string::npos) << r.error;
}

// The seq of a session's writes is what makes them exactly-once, and two
// operations in flight would race for it: a second one is a program error.
TEST_F(ClientFacade, ASecondOperationWhileOneIsInFlightIsAProgramError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
    {
      nodes[0]->otherwise = act::swallow; // the first one stays in flight
      auto s = make_session();
      s.put("a", "1", [](client::result) {});
      s.put("b", "2", [](client::result) {});
    },
    "one operation at a time");
}

TEST_F(ClientFacade, StatusOfAllNodesMarksTheUnreachableOne) {
  net->nodes.erase(7102);
  auto s = make_session();
  auto all = s.status_all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].ok());
  EXPECT_EQ(all[0].value->node_id(), "n1");
  EXPECT_EQ(all[1].outcome, outcome::unavailable);
  EXPECT_FALSE(all[1].contacted);
  EXPECT_EQ(all[1].error, "n2 127.0.0.1:7102: cannot connect");
  EXPECT_TRUE(all[2].ok());
  EXPECT_EQ(all[2].value->node_id(), "n3");
}

TEST_F(ClientFacade, OperatorCallsOnOneNode) {
  auto s = make_session();
  auto tree = s.tree(2);
  ASSERT_TRUE(tree.ok()) << tree.error;
  EXPECT_EQ(tree.value->root().path(), "/n3");
  admin::FaultRequest req;
  req.set_crash_path("/n1/shards/shard-0/storage");
  auto fault = s.fault(0, req);
  ASSERT_TRUE(fault.ok());
  EXPECT_FALSE(fault.value->ok());
  auto members = s.members(0); // the fake does not serve it
  EXPECT_EQ(members.outcome, outcome::unavailable);
  EXPECT_TRUE(members.contacted);
  EXPECT_NE(members.error.find("does not understand"), std::string::npos) << members.error;
}

TEST_F(ClientFacade, OperatorCallRefusedByTheNodeKeepsItsWords) {
  nodes[1]->tree_fails = true;
  auto s = make_session();
  auto tree = s.tree(1);
  EXPECT_EQ(tree.outcome, outcome::unavailable);
  EXPECT_EQ(tree.error, "n2: no supervision root");
}

TEST_F(ClientFacade, FaultToEveryNodeAnswersInEndpointOrder) {
  net->nodes.erase(7103);
  auto s = make_session();
  admin::FaultRequest req;
  req.mutable_heal();
  auto all = s.fault_all(req);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].ok() && !all[0].value->ok());
  EXPECT_TRUE(all[1].ok() && !all[1].value->ok());
  EXPECT_EQ(all[2].outcome, outcome::unavailable);
}

TEST_F(ClientFacade, SessionKeepsTheRuntimeAlive) {
  auto s = make_session();
  rt.reset(); // the session still holds the actor system
  EXPECT_TRUE(s.put("k", "v").ok());
  stop_fakes(); // before `s`, the last owner of the actor system, goes
}

TEST_F(ClientFacade, FindsEndpointsByIdOrAddress) {
  auto s = make_session();
  EXPECT_EQ(s.find_endpoint("n2"), 1u);
  EXPECT_EQ(s.find_endpoint("127.0.0.1:7103"), 2u);
  EXPECT_FALSE(s.find_endpoint("n9"));
}

// One scheduler thread unless asked for more: the client's actors hand their
// messages to each other on it rather than through CAF's shared queue and
// another thread's wake-up (docs/client.md, section "session").
TEST(ClientRuntime, RunsOneSchedulerThreadUnlessAskedForMore) {
  client::runtime plain;
  EXPECT_EQ(plain.system().scheduler().num_workers(), 1u);
  client::transport_options three;
  three.threads = 3;
  client::runtime wider{three};
  EXPECT_EQ(wider.system().scheduler().num_workers(), 3u);
  client::transport_options cafs;
  cafs.threads = 0;
  client::runtime defaults{cafs};
  EXPECT_GE(defaults.system().scheduler().num_workers(), 4u); // CAF: max(cores, 4)
}

TEST(ClientEndpoints, ParsesHostPortLists) {
  auto r = client::parse_endpoints("127.0.0.1:7101,node-b:80");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  const auto* eps = &*r;
  ASSERT_EQ(eps->size(), 2u);
  EXPECT_EQ((*eps)[0].host, "127.0.0.1");
  EXPECT_EQ((*eps)[0].port, 7101);
  EXPECT_EQ((*eps)[1].name(), "node-b:80");
  EXPECT_TRUE((*eps)[1].node_id.empty());
}

TEST(ClientEndpoints, RejectsMalformedLists) {
  for (auto bad :
       {"", "host", "host:", ":7101", "host:0", "host:65536", "host:12x", "a:1,,b:2", "a:1,"}) {
    auto r = client::parse_endpoints(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().code, client::errc::bad_endpoints) << "'" << bad << "'";
    EXPECT_FALSE(r.error().detail.empty()) << "'" << bad << "'";
  }
}

TEST(ClientEndpoints, OptionsFromAClusterConfigKeepNodeIdsAndShards) {
  config::cluster_config cfg;
  cfg.shards = 8;
  for (auto [id, host, port] : {std::tuple{"n1", "127.0.0.1", 7101}, {"n2", "10.0.0.2", 7102}}) {
    config::node_config n;
    n.id = id;
    n.host = host;
    n.port = static_cast<uint16_t>(port);
    cfg.nodes.push_back(n);
  }
  auto opts = client::options_from(cfg);
  ASSERT_EQ(opts.endpoints.size(), 2u);
  EXPECT_EQ(opts.endpoints[1].node_id, "n2");
  EXPECT_EQ(opts.endpoints[1].address(), "10.0.0.2:7102");
  EXPECT_EQ(opts.shards, 8u);
  cfg.timing.transport_heartbeat_ms = 50;
  cfg.timing.connection_timeout_ms = 200;
  auto t = client::transport_from(cfg.timing);
  EXPECT_EQ(t.heartbeat_ms, 50u);
  EXPECT_EQ(t.connection_timeout_ms, 200u);
}

} // namespace
