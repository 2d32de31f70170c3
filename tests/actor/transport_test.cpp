// The transport actor under CAF's deterministic test coordinator. A fake
// connector stands in for the middleman actor and "publishes" recording actors
// as the peers' services; more recording actors sit in the directory at the
// local replicas' paths. Proves batching per peer per turn, delivery to the
// right replica, the drop rules, fault injection, reconnects with backoff, and
// the idle heartbeats that feed the phi-accrual detector. Virtual time only.
#include "caf_gtest_dsl.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "actors/paths.hpp"
#include "actors/replication/transport_actor.hpp"
#include "apps/common/cluster_config.hpp"
#include "keel_test_config.hpp"
#include "supervisors/directory.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;
using transport::transport_config;

using frames = std::vector<raft::MessageBatch>;

// Records every frame it receives.
caf::behavior recorder(caf::event_based_actor*, std::shared_ptr<frames> log) {
  return {
    [log](raft_atom, pb<raft::MessageBatch>& b) { log->push_back(b.msg); },
  };
}

// Ports at which the fake network has a published actor.
using published_map = std::map<uint16_t, caf::actor>;

// Answers (connect_atom, host, port) as CAF's middleman actor does, from the
// table above; an empty port is "connection refused".
caf::behavior fake_connector(caf::event_based_actor* self,
                             std::shared_ptr<published_map> published) {
  return {
    [self, published](caf::connect_atom, const std::string&, uint16_t port)
      -> caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>> {
      auto i = published->find(port);
      if (i == published->end())
        return caf::make_error(caf::sec::cannot_connect_to_node, "refused");
      return {self->system().node(), caf::actor_cast<caf::strong_actor_ptr>(i->second),
              std::set<std::string>{}};
    },
  };
}

raft::Message msg(uint32_t shard, const std::string& from, const std::string& to,
                  uint64_t index, raft::MessageType type = raft::MSG_APPEND) {
  raft::Message m;
  m.set_type(type);
  m.set_shard(shard);
  m.set_from(from);
  m.set_to(to);
  m.set_index(index);
  return m;
}

pb<raft::MessageBatch> frame(std::vector<raft::Message> msgs) {
  raft::MessageBatch b;
  for (auto& m : msgs)
    *b.add_messages() = std::move(m);
  return make_pb(std::move(b));
}

std::vector<uint64_t> indexes(const raft::MessageBatch& b) {
  std::vector<uint64_t> out;
  for (auto& m : b.messages())
    out.push_back(m.index());
  return out;
}

constexpr uint16_t n2_port = 7102;
constexpr uint16_t n3_port = 7103;

struct TransportTest : ::testing::Test, test_coordinator_fixture<keel::test::keel_config> {
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>();
  std::shared_ptr<published_map> published = std::make_shared<published_map>();
  std::map<std::string, std::shared_ptr<frames>> peer_frames; // what each peer received
  caf::actor connector;
  caf::actor transport;

  TransportTest() {
    connector = sys.spawn(fake_connector, published);
    publish_peer("n2", n2_port);
    publish_peer("n3", n3_port);
  }

  ~TransportTest() override {
    // The directory and the fake network hold strong handles: let go of them
    // so that the actor system can shut down.
    for (auto& path : dir->paths())
      if (auto a = dir->get(path))
        anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& [port, a] : *published)
      anon_send_exit(a, caf::exit_reason::user_shutdown);
    published->clear();
    anon_send_exit(connector, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // A new incarnation of `id`'s published service, recording what it receives.
  caf::actor publish_peer(const std::string& id, uint16_t port) {
    auto log = std::make_shared<frames>();
    peer_frames[id] = log;
    auto a = sys.spawn(recorder, log);
    (*published)[port] = a;
    return a;
  }

  // A recording replica of `shard` on n1.
  std::shared_ptr<frames> replica(uint32_t shard) {
    auto log = std::make_shared<frames>();
    dir->put(paths::replica("/n1", shard), sys.spawn(recorder, log));
    return log;
  }

  transport_config config() {
    transport_config cfg;
    cfg.node_id = "n1";
    cfg.address = "127.0.0.1:7101";
    cfg.peers = {{"n2", "127.0.0.1", n2_port}, {"n3", "127.0.0.1", n3_port}};
    cfg.root_path = "/n1";
    cfg.dir = dir;
    cfg.reconnect = {50, 400};
    cfg.connect_timeout_ms = 1000;
    cfg.idle_heartbeat_ms = 0; // only the heartbeat test wants the ticks
    cfg.failure_detector.threshold = 8.0;
    cfg.failure_detector.min_std_dev_ms = 20;
    cfg.failure_detector.first_heartbeat_estimate_ms = 100;
    cfg.seed = 1234;
    cfg.connector = connector;
    return cfg;
  }

  void start(transport_config cfg) {
    transport = transport::spawn_transport(sys, std::move(cfg));
    dir->put(paths::transport("/n1"), transport);
    sched.run(); // connects to every peer that is published
  }

  void start() { start(config()); }

  void send(pb<raft::MessageBatch> f) { self->send(transport, raft_atom_v, std::move(f)); }

  // Lets `ms` of virtual time pass, then runs everything that became ready.
  void wait_ms(int ms) {
    sched.advance_time(std::chrono::milliseconds(ms));
    sched.run();
  }

  admin::Members members() {
    admin::Members out;
    auto h = self->request(transport, caf::infinite, members_atom_v);
    sched.run();
    h.receive([&](pb<admin::Members>& m) { out = m.msg; },
              [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  admin::PeerInfo member(const std::string& id) {
    auto all = members();
    for (auto& n : all.nodes())
      if (n.node_id() == id)
        return n;
    ADD_FAILURE() << "no member " << id;
    return {};
  }

  admin::FaultResponse inject_fault(admin::FaultRequest req) {
    admin::FaultResponse out;
    auto h = self->request(transport, caf::infinite, fault_atom_v, make_pb(std::move(req)));
    sched.run();
    h.receive([&](pb<admin::FaultResponse>& r) { out = r.msg; },
              [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  admin::FaultResponse partition(const std::string& peer) {
    admin::FaultRequest r;
    r.mutable_partition()->set_peer(peer);
    return inject_fault(r);
  }

  admin::FaultResponse heal() {
    admin::FaultRequest r;
    r.mutable_heal();
    return inject_fault(r);
  }
};

TEST_F(TransportTest, ConnectsToEveryPeerAtStart) {
  start();
  auto m = members();
  ASSERT_EQ(m.nodes_size(), 3);
  EXPECT_EQ(m.nodes(0).node_id(), "n1");
  EXPECT_TRUE(m.nodes(0).self());
  EXPECT_EQ(m.nodes(1).node_id(), "n2");
  EXPECT_EQ(m.nodes(1).address(), "127.0.0.1:7102");
  EXPECT_TRUE(m.nodes(1).connected());
  EXPECT_TRUE(m.nodes(2).connected());
  EXPECT_EQ(m.nodes(1).verdict(), "unknown"); // nothing heard yet
  EXPECT_DOUBLE_EQ(m.phi_threshold(), 8.0);
}

TEST_F(TransportTest, BatchesMessagesOfSeveralShardsToOnePeerIntoOneFrame) {
  start();
  // Three frames from the replicas of shards 0 and 1 arrive in one turn.
  send(frame({msg(0, "n1", "n2", 1), msg(1, "n1", "n3", 2)}));
  send(frame({msg(1, "n1", "n2", 3)}));
  send(frame({msg(0, "n1", "n2", 4)}));
  sched.run();
  ASSERT_EQ(peer_frames["n2"]->size(), 1u);
  EXPECT_EQ(indexes(peer_frames["n2"]->at(0)), (std::vector<uint64_t>{1, 3, 4}));
  ASSERT_EQ(peer_frames["n3"]->size(), 1u);
  EXPECT_EQ(indexes(peer_frames["n3"]->at(0)), (std::vector<uint64_t>{2}));
  auto n2 = member("n2");
  EXPECT_EQ(n2.messages_sent(), 3u);
  EXPECT_EQ(n2.batches_sent(), 1u);
}

TEST_F(TransportTest, EachTurnFlushesItsOwnFrame) {
  start();
  send(frame({msg(0, "n1", "n2", 1)}));
  sched.run();
  send(frame({msg(0, "n1", "n2", 2)}));
  sched.run();
  ASSERT_EQ(peer_frames["n2"]->size(), 2u);
  EXPECT_EQ(indexes(peer_frames["n2"]->at(1)), (std::vector<uint64_t>{2}));
}

TEST_F(TransportTest, DeliversInboundMessagesToTheReplicaOfTheirShard) {
  auto shard0 = replica(0);
  auto shard2 = replica(2);
  start();
  send(frame({msg(0, "n2", "n1", 1), msg(2, "n2", "n1", 2), msg(0, "n2", "n1", 3)}));
  sched.run();
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{1, 3}));
  ASSERT_EQ(shard2->size(), 1u);
  EXPECT_EQ(indexes(shard2->at(0)), (std::vector<uint64_t>{2}));
  EXPECT_EQ(member("n2").messages_received(), 3u);
}

TEST_F(TransportTest, MessagesToSelfAreDeliveredLocally) {
  auto shard1 = replica(1);
  start();
  send(frame({msg(1, "n1", "n1", 7)}));
  sched.run();
  ASSERT_EQ(shard1->size(), 1u);
  EXPECT_EQ(indexes(shard1->at(0)), (std::vector<uint64_t>{7}));
  EXPECT_TRUE(peer_frames["n2"]->empty());
}

TEST_F(TransportTest, DropsUnknownPeersWrongDestinationsAndMissingReplicas) {
  auto shard0 = replica(0);
  start();
  send(frame({msg(0, "n9", "n1", 1)}));  // from a node not in cluster.conf
  send(frame({msg(0, "n2", "n3", 2)}));  // meant for another node
  send(frame({msg(5, "n2", "n1", 3)}));  // no replica of shard 5 here
  send(frame({msg(0, "n1", "n9", 4)}));  // to a node not in cluster.conf
  sched.run();
  EXPECT_TRUE(shard0->empty());
  EXPECT_TRUE(peer_frames["n2"]->empty());
  EXPECT_TRUE(peer_frames["n3"]->empty());
  auto m = members();
  EXPECT_EQ(m.dropped_unknown_peer(), 2u);
  EXPECT_EQ(m.dropped_wrong_destination(), 1u);
  EXPECT_EQ(m.dropped_no_replica(), 1u);
  // The transport lives on and still delivers.
  send(frame({msg(0, "n2", "n1", 5)}));
  sched.run();
  EXPECT_EQ(shard0->size(), 1u);
}

TEST_F(TransportTest, PartitionDropsBothDirectionsAndHealRestores) {
  auto shard0 = replica(0);
  start();
  auto resp = partition("n2");
  ASSERT_TRUE(resp.ok()) << resp.error();
  send(frame({msg(0, "n1", "n2", 1), msg(0, "n1", "n3", 2)})); // out
  send(frame({msg(0, "n2", "n1", 3)}));                        // in from n2
  send(frame({msg(0, "n3", "n1", 4)}));                        // in from n3
  sched.run();
  EXPECT_TRUE(peer_frames["n2"]->empty());
  ASSERT_EQ(peer_frames["n3"]->size(), 1u);
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{4}));
  auto n2 = member("n2");
  EXPECT_EQ(n2.messages_dropped(), 2u);
  EXPECT_EQ(n2.faults_size(), 1);
  EXPECT_EQ(n2.faults(0), "partition");

  ASSERT_TRUE(heal().ok());
  send(frame({msg(0, "n1", "n2", 5)}));
  send(frame({msg(0, "n2", "n1", 6)}));
  sched.run();
  ASSERT_EQ(peer_frames["n2"]->size(), 1u);
  EXPECT_EQ(indexes(peer_frames["n2"]->at(0)), (std::vector<uint64_t>{5}));
  ASSERT_EQ(shard0->size(), 2u);
  EXPECT_EQ(indexes(shard0->at(1)), (std::vector<uint64_t>{6}));
  EXPECT_EQ(member("n2").faults_size(), 0);
}

TEST_F(TransportTest, FaultForUnknownPeerIsRefused) {
  start();
  auto resp = partition("n7");
  EXPECT_FALSE(resp.ok());
  EXPECT_FALSE(resp.error().empty());
}

TEST_F(TransportTest, DelayHoldsFramesForTheConfiguredTime) {
  auto shard0 = replica(0);
  start();
  admin::FaultRequest r;
  r.mutable_delay()->set_peer("n2");
  r.mutable_delay()->set_ms(100);
  ASSERT_TRUE(inject_fault(r).ok());
  send(frame({msg(0, "n1", "n2", 1), msg(0, "n1", "n3", 2)}));
  send(frame({msg(0, "n2", "n1", 3)}));
  sched.run();
  EXPECT_TRUE(peer_frames["n2"]->empty());
  EXPECT_EQ(peer_frames["n3"]->size(), 1u); // other peers are not held
  EXPECT_TRUE(shard0->empty());
  wait_ms(99);
  EXPECT_TRUE(peer_frames["n2"]->empty());
  EXPECT_TRUE(shard0->empty());
  wait_ms(1);
  EXPECT_EQ(peer_frames["n2"]->size(), 1u);
  EXPECT_EQ(shard0->size(), 1u);
}

TEST_F(TransportTest, DropRateHundredPercentDropsEverythingWithThatPeer) {
  start();
  admin::FaultRequest r;
  r.mutable_drop()->set_peer("n3");
  r.mutable_drop()->set_percent(100);
  ASSERT_TRUE(inject_fault(r).ok());
  send(frame({msg(0, "n1", "n3", 1), msg(0, "n1", "n2", 2)}));
  sched.run();
  EXPECT_TRUE(peer_frames["n3"]->empty());
  EXPECT_EQ(peer_frames["n2"]->size(), 1u);
  EXPECT_EQ(member("n3").messages_dropped(), 1u);
  EXPECT_EQ(member("n3").faults(0), "drop 100%");
}

TEST_F(TransportTest, FullQueueDropsTheOldestAndCountsIt) {
  auto cfg = config();
  cfg.max_pending_per_peer = 2;
  start(cfg);
  for (uint64_t i = 1; i <= 5; ++i)
    send(frame({msg(0, "n1", "n2", i)}));
  sched.run();
  ASSERT_EQ(peer_frames["n2"]->size(), 1u);
  EXPECT_EQ(indexes(peer_frames["n2"]->at(0)), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(member("n2").messages_dropped(), 3u);
}

TEST_F(TransportTest, ReconnectsToANewIncarnationAfterThePeerGoesDown) {
  start();
  auto old_n2 = (*published)[n2_port];
  auto old_frames = peer_frames["n2"];
  published->erase(n2_port); // n2 is gone and nothing listens on its port
  self->send_exit(old_n2, caf::exit_reason::kill);
  sched.run();
  auto n2 = member("n2");
  EXPECT_FALSE(n2.connected());
  // Messages for a down peer are dropped, counted, and never block anything.
  send(frame({msg(0, "n1", "n2", 1), msg(0, "n1", "n3", 2)}));
  sched.run();
  EXPECT_EQ(member("n2").messages_dropped(), 1u);
  EXPECT_EQ(peer_frames["n3"]->size(), 1u);
  // The first retry comes within the first backoff ceiling (50 ms) and fails.
  wait_ms(50);
  EXPECT_EQ(member("n2").reconnect_attempts(), 1u);
  // A new incarnation is published on the same port; the next retry (within
  // the second ceiling, 100 ms) finds it.
  publish_peer("n2", n2_port);
  wait_ms(100);
  n2 = member("n2");
  EXPECT_TRUE(n2.connected());
  EXPECT_EQ(n2.reconnect_attempts(), 0u);
  send(frame({msg(0, "n1", "n2", 3)}));
  sched.run();
  EXPECT_TRUE(old_frames->empty());
  ASSERT_EQ(peer_frames["n2"]->size(), 1u);
  EXPECT_EQ(indexes(peer_frames["n2"]->at(0)), (std::vector<uint64_t>{3}));
}

TEST_F(TransportTest, RefusedConnectionsAreRetriedWithGrowingDelays) {
  published->erase(n3_port);
  start();
  EXPECT_EQ(member("n3").reconnect_attempts(), 1u);
  EXPECT_FALSE(member("n3").connected());
  // Retry k waits within [ceiling / 2, ceiling], ceiling = 50 * 2^(k-1), capped at 400.
  wait_ms(100); // retry 2
  EXPECT_EQ(member("n3").reconnect_attempts(), 2u);
  wait_ms(200); // retry 3
  EXPECT_EQ(member("n3").reconnect_attempts(), 3u);
  wait_ms(99); // retry 4 waits 200..400 ms
  EXPECT_EQ(member("n3").reconnect_attempts(), 3u);
  wait_ms(301);
  EXPECT_EQ(member("n3").reconnect_attempts(), 4u);
  for (int i = 0; i < 3; ++i)
    wait_ms(400); // capped: one retry per 400 ms at most
  EXPECT_EQ(member("n3").reconnect_attempts(), 7u);
  publish_peer("n3", n3_port);
  wait_ms(400);
  EXPECT_TRUE(member("n3").connected());
}

TEST_F(TransportTest, IdlePeersGetHeartbeatsThatNeverReachReplicas) {
  auto shard0 = replica(0);
  auto cfg = config();
  cfg.idle_heartbeat_ms = 100;
  start(cfg);
  wait_ms(100);
  for (auto id : {"n2", "n3"}) {
    ASSERT_EQ(peer_frames[id]->size(), 1u) << id;
    auto& hb = peer_frames[id]->at(0);
    ASSERT_EQ(hb.messages_size(), 1);
    EXPECT_EQ(hb.messages(0).type(), raft::MSG_TRANSPORT_HEARTBEAT);
    EXPECT_EQ(hb.messages(0).from(), "n1");
    EXPECT_EQ(hb.messages(0).to(), id);
  }
  // Raft traffic to n2 within the last half interval makes its next
  // heartbeat unnecessary.
  wait_ms(60);
  send(frame({msg(0, "n1", "n2", 1)}));
  sched.run();
  wait_ms(40);
  EXPECT_EQ(peer_frames["n2"]->size(), 2u); // the heartbeat, then the append
  EXPECT_EQ(peer_frames["n3"]->size(), 2u); // two heartbeats
  // An inbound heartbeat is accounted for, not delivered.
  send(frame({msg(0, "n2", "n1", 0, raft::MSG_TRANSPORT_HEARTBEAT)}));
  sched.run();
  EXPECT_TRUE(shard0->empty());
  EXPECT_EQ(member("n2").messages_received(), 1u);
}

TEST_F(TransportTest, SilentPeerBecomesSuspect) {
  start();
  auto heartbeat_from = [this](const std::string& id) {
    send(frame({msg(0, id, "n1", 0, raft::MSG_TRANSPORT_HEARTBEAT)}));
    sched.run();
  };
  for (int i = 0; i < 30; ++i) {
    heartbeat_from("n2");
    heartbeat_from("n3");
    wait_ms(100);
  }
  EXPECT_EQ(member("n2").verdict(), "alive");
  EXPECT_LT(member("n2").phi(), 1.0);
  // n3 goes quiet; n2 keeps beating. With mean 100 ms and sd 20 ms (the
  // floor), phi passes 8 about 205 ms after the last heartbeat.
  for (int i = 0; i < 3; ++i) {
    heartbeat_from("n2");
    wait_ms(100);
  }
  EXPECT_EQ(member("n2").verdict(), "alive");
  auto n3 = member("n3");
  EXPECT_EQ(n3.verdict(), "suspect");
  EXPECT_GT(n3.phi(), 8.0);
  EXPECT_TRUE(n3.connected()); // suspicion is an opinion, not a disconnect
  // It comes back: the next heartbeat clears the suspicion.
  heartbeat_from("n3");
  EXPECT_EQ(member("n3").verdict(), "alive");
}

TEST_F(TransportTest, PartitionedPeerFallsSilentForTheDetector) {
  start();
  for (int i = 0; i < 20; ++i) {
    send(frame({msg(0, "n2", "n1", 0, raft::MSG_TRANSPORT_HEARTBEAT)}));
    sched.run();
    wait_ms(100);
  }
  ASSERT_TRUE(partition("n2").ok());
  for (int i = 0; i < 5; ++i) {
    send(frame({msg(0, "n2", "n1", 0, raft::MSG_TRANSPORT_HEARTBEAT)}));
    sched.run();
    wait_ms(100);
  }
  EXPECT_EQ(member("n2").verdict(), "suspect");
}

TEST(TransportConfig, IsBuiltFromClusterConf) {
  auto parsed = config::parse_cluster_config(R"(
[timing]
transport_heartbeat_ms = 80
connection_timeout_ms = 400
failure_detector_phi = 10.0

[[node]]
id = "n1"
host = "127.0.0.1"
port = 7101

[[node]]
id = "n2"
host = "127.0.0.2"
port = 7102

[[node]]
id = "n3"
host = "127.0.0.3"
port = 7103
)",
                                             "test.conf", "/tmp");
  auto* cfg = std::get_if<config::cluster_config>(&parsed);
  ASSERT_NE(cfg, nullptr) << std::get<config::config_error>(parsed).to_string();
  auto t = transport::make_transport_config(*cfg, "n2", nullptr);
  EXPECT_EQ(t.node_id, "n2");
  EXPECT_EQ(t.address, "127.0.0.2:7102");
  EXPECT_EQ(t.root_path, "/n2");
  ASSERT_EQ(t.peers.size(), 2u); // everyone but itself, in file order
  EXPECT_EQ(t.peers[0].id, "n1");
  EXPECT_EQ(t.peers[0].host, "127.0.0.1");
  EXPECT_EQ(t.peers[0].port, 7101);
  EXPECT_EQ(t.peers[1].id, "n3");
  EXPECT_EQ(t.idle_heartbeat_ms, 80u);
  EXPECT_DOUBLE_EQ(t.failure_detector.threshold, 10.0);
  EXPECT_EQ(t.failure_detector.first_heartbeat_estimate_ms, 80u);
  EXPECT_NE(t.seed, transport::make_transport_config(*cfg, "n1", nullptr).seed);
  EXPECT_EQ(t.seed, transport::make_transport_config(*cfg, "n2", nullptr).seed);
  EXPECT_FALSE(t.connector); // the middleman actor is used
}

} // namespace
