// The blocking client API (runtime + session) on a real actor system, against
// fake nodes served from local actors: the operations and their outcomes, the
// operator calls in parallel, endpoint parsing, and the lifetime rules. Fake
// nodes answer at once, so nothing here waits for a timer except the one test
// of the deadline with every node refusing.
#include <chrono>
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
