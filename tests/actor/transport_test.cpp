// The transport actor and the peer gates under CAF's deterministic test
// coordinator. Node n1 runs the transport under test and its own gate; its
// peers n2 and n3 are REAL peer gates (not published), each in its own
// directory where the path of "its transport" holds a recording actor, and a
// fake connector stands in for the middleman actor by handing out those
// gates. Everyone shares a cluster secret, except where a test says otherwise.
// Inbound traffic enters through n1's gate: the test runs the handshake as a
// peer (security::dialer_handshake) and sends frames it seals itself, the way
// another node's transport would, or as an attacker would.
//
// Proves batching per peer per turn, delivery to the right replica, the drop
// rules, fault injection, reconnects with backoff, the idle heartbeats that
// feed the phi-accrual detector, and the trust boundary: forged, replayed and
// sessionless frames, refused handshakes, authenticated peers that lie about
// `from` or break check_inbound, orders from outside the node, and a peer
// with the wrong secret. Virtual time only.
#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "actors/paths.hpp"
#include "actors/replication/core/snapshot_chunks.hpp"
#include "actors/replication/peer_gate_actor.hpp"
#include "actors/replication/transport_actor.hpp"
#include "actors/security/core/frame_seal.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "actors/security/core/trust.hpp"
#include "apps/common/cluster_config.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"
#include "poses_as_peer.hpp"
#include "supervisors/directory.hpp"
#include "test_trust.hpp"

namespace {

using namespace keel;

using keel::test::book;
using keel::test::secret_trust;
using keel::test::wall_seconds;
using namespace std::chrono_literals;
using transport::transport_config;

using frames = std::vector<raft::MessageBatch>;

// Records every batch a local replica receives, and every peer it is told it
// lost (replica_api's peer_atom), in `lost` if given.
caf::behavior replica_recorder(caf::event_based_actor*, std::shared_ptr<frames> log,
                               std::shared_ptr<std::vector<std::string>> lost) {
  return {
    [log](raft_atom, pb<raft::MessageBatch>& b) { log->push_back(b.msg); },
    [lost](peer_atom, const std::string& node) {
      if (lost)
        lost->push_back(node);
    },
  };
}

// What a fake peer's gate handed to "its transport".
struct peer_inbox {
  frames batches;                // authenticated batches, in arrival order
  std::vector<std::string> from; // the proven sender of each
  uint64_t unauthenticated = 0;  // frames its gate refused
  uint64_t refused = 0;          // handshakes its gate refused
};

// Stands in for a peer node's transport behind its (real) gate.
caf::behavior peer_transport_recorder(caf::event_based_actor*, std::shared_ptr<peer_inbox> in) {
  return {
    [in](raft_atom, const std::string& from, pb<raft::MessageBatch>& b) {
      in->batches.push_back(b.msg);
      in->from.push_back(from);
    },
    [in](peer_atom, uint64_t unauthenticated, uint64_t refused) {
      in->unauthenticated += unauthenticated;
      in->refused += refused;
    },
    // n1 dials (smaller id) and offers its gate; this fake node never dials back.
    [](connect_atom, const std::string&, transport::peer_gate_api&) {},
  };
}

// Ports at which the fake network has a gate.
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

// A message that passes raft::check_inbound on n1 (for a shard n1 holds):
// every type used here is valid with term 1 and nothing else but the index.
raft::Message msg(uint32_t shard, const std::string& from, const std::string& to, uint64_t index,
                  raft::MessageType type = raft::MSG_APPEND) {
  raft::Message m;
  m.set_type(type);
  m.set_shard(shard);
  m.set_from(from);
  m.set_to(to);
  m.set_term(1);
  m.set_index(index);
  return m;
}

raft::Message heartbeat(const std::string& from, const std::string& to) {
  raft::Message m;
  m.set_type(raft::MSG_TRANSPORT_HEARTBEAT);
  m.set_from(from);
  m.set_to(to);
  return m;
}

raft::MessageBatch batch(std::vector<raft::Message> msgs) {
  raft::MessageBatch b;
  for (auto& m : msgs)
    *b.add_messages() = std::move(m);
  return b;
}

pb<raft::MessageBatch> frame(std::vector<raft::Message> msgs) {
  return make_pb(batch(std::move(msgs)));
}

std::vector<uint64_t> indexes(const raft::MessageBatch& b) {
  std::vector<uint64_t> out;
  for (auto& m : b.messages())
    out.push_back(m.index());
  return out;
}

constexpr uint16_t n2_port = 7102;
constexpr uint16_t n3_port = 7103;

// One of n1's peers as the transport under test sees it: a real gate in a
// directory of its own.
struct fake_peer {
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>();
  std::shared_ptr<peer_inbox> in = std::make_shared<peer_inbox>();
  transport::peer_gate_api gate;
};

struct TransportTest : ::testing::Test,
                       test_coordinator_fixture<keel::test::keel_config>,
                       keel::test::poses_as_peer<TransportTest> {
  std::shared_ptr<const security::trust> trust = secret_trust('s');
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>(); // n1's
  std::shared_ptr<published_map> published = std::make_shared<published_map>();
  std::map<std::string, fake_peer> peers; // the current incarnation of n2 and n3
  std::vector<fake_peer> retired;         // earlier incarnations, shut down at the end
  caf::actor connector;
  transport::peer_gate_api gate; // n1's own
  // n1's record of its peers, shared by its gate and transport as on a node.
  std::shared_ptr<security::peer_incarnations> n1_book
    = std::make_shared<security::peer_incarnations>(book.self());
  transport::transport_api transport;
  // Sessions the test opened with n1's gate, posing as a peer.
  std::map<std::string, security::frame_sealer> sessions;

  TransportTest() {
    connector = sys.spawn(fake_connector, published);
    publish_peer("n2", n2_port);
    publish_peer("n3", n3_port);
    transport::peer_gate_config gc;
    gc.node_id = "n1";
    gc.root_path = "/n1";
    gc.members = {"n2", "n3"};
    gc.trust = trust;
    gc.incarnations = n1_book;
    gc.dir = dir;
    gc.publish = false;
    gate = transport::spawn_peer_gate(sys, gc);
    dir->put(paths::peer_gate("/n1"), caf::actor_cast<caf::actor>(gate));
  }

  ~TransportTest() override {
    // The directories and the fake network hold strong handles: let go of
    // them so that the actor system can shut down.
    auto stop_all = [this](sup::directory& d) {
      for (auto& path : d.paths())
        if (auto a = d.get(path)) {
          anon_send_exit(a, caf::exit_reason::user_shutdown);
          d.erase(path, a);
        }
    };
    stop_all(*dir);
    for (auto& [id, p] : peers) {
      stop_all(*p.dir);
      anon_send_exit(p.gate, caf::exit_reason::user_shutdown);
    }
    for (auto& p : retired) {
      stop_all(*p.dir);
      anon_send_exit(p.gate, caf::exit_reason::user_shutdown);
    }
    published->clear();
    anon_send_exit(connector, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // A new incarnation of `id`: a real gate that trusts `t`, whose
  // authenticated traffic lands in a recorder, "published" on `port`.
  fake_peer& publish_peer(const std::string& id, uint16_t port,
                          std::shared_ptr<const security::trust> t = nullptr) {
    if (auto old = peers.find(id); old != peers.end()) {
      retired.push_back(old->second);
      peers.erase(old);
    }
    fake_peer p;
    p.dir->put(paths::transport("/" + id), sys.spawn(peer_transport_recorder, p.in));
    transport::peer_gate_config gc;
    gc.node_id = id;
    gc.root_path = "/" + id;
    for (auto other : {"n1", "n2", "n3"})
      if (id != other)
        gc.members.push_back(other);
    gc.trust = t ? t : trust;
    gc.incarnations = std::make_shared<security::peer_incarnations>(book.self());
    gc.dir = p.dir;
    gc.publish = false;
    p.gate = transport::spawn_peer_gate(sys, gc);
    (*published)[port] = caf::actor_cast<caf::actor>(p.gate);
    return peers[id] = p;
  }

  // What peer `id`'s transport received from n1.
  const frames& received_by(const std::string& id) { return peers.at(id).in->batches; }

  // A recording replica of `shard` on n1.
  std::shared_ptr<frames> replica(uint32_t shard,
                                  std::shared_ptr<std::vector<std::string>> lost = nullptr) {
    auto log = std::make_shared<frames>();
    dir->put(paths::replica("/n1", shard), sys.spawn(replica_recorder, log, std::move(lost)));
    return log;
  }

  transport_config config() {
    transport_config cfg;
    cfg.node_id = "n1";
    cfg.address = "127.0.0.1:7101";
    cfg.peers = {{"n2", "127.0.0.1", n2_port}, {"n3", "127.0.0.1", n3_port}};
    cfg.local_shards = {0, 1, 2, 5};
    cfg.trust = trust;
    cfg.incarnations = n1_book;
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
    dir->put(paths::transport("/n1"), caf::actor_cast<caf::actor>(transport));
    sched.run(); // connects to and authenticates with every peer that is published
  }

  void start() { start(config()); }

  // What a local replica does: hand the transport its outgoing messages.
  void send(pb<raft::MessageBatch> f) { self->send(transport, raft_atom_v, std::move(f)); }

  // -- posing as a peer towards n1's gate --------------------------------------

  // The whole handshake as node `as`, trusting `t`; the sealer on success.
  std::optional<security::frame_sealer> handshake(const std::string& as, const security::trust& t) {
    security::dialer_handshake hs(t, book, as, "n1");
    SCOPED_TRACE("handshake with n1's gate as " + as);
    return poses_as_peer::handshake(hs);
  }

  // The sealer of the test's session as `peer_id` (opened on first use).
  security::frame_sealer& session_of(const std::string& peer_id) {
    if (auto i = sessions.find(peer_id); i != sessions.end())
      return i->second;
    auto s = handshake(peer_id, *trust);
    if (!s)
      throw std::runtime_error("no session as " + peer_id);
    return sessions.emplace(peer_id, std::move(*s)).first->second;
  }

  // What peer `peer_id`'s transport does: one authenticated frame to n1's gate.
  peer::PeerFrame receive_from(const std::string& peer_id, std::vector<raft::Message> msgs) {
    auto f = session_of(peer_id).seal(batch(std::move(msgs)).SerializeAsString());
    send_frame(f);
    return f;
  }

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

// -- connections and outbound traffic -------------------------------------------

TEST_F(TransportTest, ConnectsToAndAuthenticatesWithEveryPeerAtStart) {
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
  EXPECT_EQ(m.refused_handshakes(), 0u);
  for (auto id : {"n2", "n3"})
    EXPECT_EQ(peers.at(id).in->refused, 0u) << id;
}

TEST_F(TransportTest, BatchesMessagesOfSeveralShardsToOnePeerIntoOneFrame) {
  start();
  // Three frames from the replicas of shards 0 and 1 arrive in one turn.
  send(frame({msg(0, "n1", "n2", 1), msg(1, "n1", "n3", 2)}));
  send(frame({msg(1, "n1", "n2", 3)}));
  send(frame({msg(0, "n1", "n2", 4)}));
  sched.run();
  ASSERT_EQ(received_by("n2").size(), 1u);
  EXPECT_EQ(indexes(received_by("n2").at(0)), (std::vector<uint64_t>{1, 3, 4}));
  ASSERT_EQ(received_by("n3").size(), 1u);
  EXPECT_EQ(indexes(received_by("n3").at(0)), (std::vector<uint64_t>{2}));
  // n2's gate opened the frame with n1's session: n1 is the proven sender.
  EXPECT_EQ(peers.at("n2").in->from, (std::vector<std::string>{"n1"}));
  EXPECT_EQ(peers.at("n2").in->unauthenticated, 0u);
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
  // Two frames, both accepted: their sequence numbers rise within the session.
  ASSERT_EQ(received_by("n2").size(), 2u);
  EXPECT_EQ(indexes(received_by("n2").at(1)), (std::vector<uint64_t>{2}));
  EXPECT_EQ(peers.at("n2").in->unauthenticated, 0u);
}

TEST_F(TransportTest, MessagesToSelfAreDeliveredLocally) {
  auto shard1 = replica(1);
  start();
  send(frame({msg(1, "n1", "n1", 7)}));
  sched.run();
  ASSERT_EQ(shard1->size(), 1u);
  EXPECT_EQ(indexes(shard1->at(0)), (std::vector<uint64_t>{7}));
  EXPECT_TRUE(received_by("n2").empty());
}

TEST_F(TransportTest, LocalMessagesThatClaimAnotherSenderAreNotSent) {
  start();
  send(frame({msg(0, "n3", "n2", 1), msg(0, "n1", "n2", 2)}));
  sched.run();
  ASSERT_EQ(received_by("n2").size(), 1u);
  EXPECT_EQ(indexes(received_by("n2").at(0)), (std::vector<uint64_t>{2}));
}

// -- inbound traffic -------------------------------------------------------------

TEST_F(TransportTest, DeliversInboundMessagesToTheReplicaOfTheirShard) {
  auto shard0 = replica(0);
  auto shard2 = replica(2);
  start();
  receive_from("n2", {msg(0, "n2", "n1", 1), msg(2, "n2", "n1", 2), msg(0, "n2", "n1", 3)});
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{1, 3}));
  ASSERT_EQ(shard2->size(), 1u);
  EXPECT_EQ(indexes(shard2->at(0)), (std::vector<uint64_t>{2}));
  EXPECT_EQ(member("n2").messages_received(), 3u);
  EXPECT_EQ(member("n2").messages_invalid(), 0u);
}

TEST_F(TransportTest, DropsUnknownPeersWrongDestinationsAndMissingReplicas) {
  auto shard0 = replica(0);
  start();
  // The gate never authenticates a node outside cluster.conf (see the
  // handshake tests); a stand-in for it (a local actor) checks the
  // transport's own guard.
  self->send(transport, raft_atom_v, std::string{"n9"}, frame({msg(0, "n9", "n1", 1)}));
  receive_from("n2", {msg(0, "n2", "n3", 2)}); // meant for another node
  receive_from("n2", {msg(5, "n2", "n1", 3)}); // shard 5 is n1's, but has no replica now
  receive_from("n2", {msg(7, "n2", "n1", 4)}); // n1 holds no replica of shard 7
  send(frame({msg(0, "n1", "n9", 5)}));        // to a node not in cluster.conf
  sched.run();
  EXPECT_TRUE(shard0->empty());
  EXPECT_TRUE(received_by("n2").empty());
  EXPECT_TRUE(received_by("n3").empty());
  auto m = members();
  EXPECT_EQ(m.dropped_unknown_peer(), 2u);
  EXPECT_EQ(m.dropped_wrong_destination(), 1u);
  EXPECT_EQ(m.dropped_no_replica(), 1u);
  auto n2 = member("n2");
  EXPECT_EQ(n2.messages_invalid(), 2u);
  EXPECT_EQ(n2.invalid_by_rule().at("wrong_destination"), 1u);
  EXPECT_EQ(n2.invalid_by_rule().at("unknown_shard"), 1u);
  // The transport lives on and still delivers.
  receive_from("n2", {msg(0, "n2", "n1", 6)});
  EXPECT_EQ(shard0->size(), 1u);
}

// -- faults ------------------------------------------------------------------------

TEST_F(TransportTest, PartitionDropsBothDirectionsAndHealRestores) {
  auto shard0 = replica(0);
  start();
  auto resp = partition("n2");
  ASSERT_TRUE(resp.ok()) << resp.error();
  send(frame({msg(0, "n1", "n2", 1), msg(0, "n1", "n3", 2)})); // out
  sched.run();
  receive_from("n2", {msg(0, "n2", "n1", 3)}); // in from n2
  receive_from("n3", {msg(0, "n3", "n1", 4)}); // in from n3
  EXPECT_TRUE(received_by("n2").empty());
  ASSERT_EQ(received_by("n3").size(), 1u);
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{4}));
  auto n2 = member("n2");
  EXPECT_EQ(n2.messages_dropped(), 2u);
  EXPECT_EQ(n2.faults_size(), 1);
  EXPECT_EQ(n2.faults(0), "partition");

  ASSERT_TRUE(heal().ok());
  send(frame({msg(0, "n1", "n2", 5)}));
  sched.run();
  receive_from("n2", {msg(0, "n2", "n1", 6)});
  ASSERT_EQ(received_by("n2").size(), 1u);
  EXPECT_EQ(indexes(received_by("n2").at(0)), (std::vector<uint64_t>{5}));
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
  sched.run();
  receive_from("n2", {msg(0, "n2", "n1", 3)});
  EXPECT_TRUE(received_by("n2").empty());
  EXPECT_EQ(received_by("n3").size(), 1u); // other peers are not held
  EXPECT_TRUE(shard0->empty());
  wait_ms(99);
  EXPECT_TRUE(received_by("n2").empty());
  EXPECT_TRUE(shard0->empty());
  wait_ms(1);
  EXPECT_EQ(received_by("n2").size(), 1u);
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
  EXPECT_TRUE(received_by("n3").empty());
  EXPECT_EQ(received_by("n2").size(), 1u);
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
  ASSERT_EQ(received_by("n2").size(), 1u);
  EXPECT_EQ(indexes(received_by("n2").at(0)), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(member("n2").messages_dropped(), 3u);
}

// -- reconnects ----------------------------------------------------------------------

TEST_F(TransportTest, ReconnectsToANewIncarnationAfterThePeerGoesDown) {
  start();
  auto old_gate = peers.at("n2").gate;
  auto old_in = peers.at("n2").in;
  published->erase(n2_port); // n2 is gone and nothing listens on its port
  self->send_exit(old_gate, caf::exit_reason::kill);
  sched.run();
  auto n2 = member("n2");
  EXPECT_FALSE(n2.connected());
  // Messages for a down peer are dropped, counted, and never block anything.
  send(frame({msg(0, "n1", "n2", 1), msg(0, "n1", "n3", 2)}));
  sched.run();
  EXPECT_EQ(member("n2").messages_dropped(), 1u);
  EXPECT_EQ(received_by("n3").size(), 1u);
  // The first retry comes within the first backoff ceiling (50 ms) and fails.
  wait_ms(50);
  EXPECT_EQ(member("n2").reconnect_attempts(), 1u);
  // A new incarnation is published on the same port; the next retry (within
  // the second ceiling, 100 ms) finds it and authenticates anew.
  publish_peer("n2", n2_port);
  wait_ms(100);
  n2 = member("n2");
  EXPECT_TRUE(n2.connected());
  EXPECT_EQ(n2.reconnect_attempts(), 0u);
  send(frame({msg(0, "n1", "n2", 3)}));
  sched.run();
  EXPECT_TRUE(old_in->batches.empty());
  ASSERT_EQ(received_by("n2").size(), 1u);
  EXPECT_EQ(indexes(received_by("n2").at(0)), (std::vector<uint64_t>{3}));
  EXPECT_EQ(peers.at("n2").in->unauthenticated, 0u); // a new session, not the old one
}

TEST_F(TransportTest, ALostConnectionIsToldToEveryLocalReplicaOnce) {
  // The quickest failure signal (raft::node::peer_unreachable): a closed
  // connection, told to the replica of every local shard that is running.
  auto lost = std::make_shared<std::vector<std::string>>();
  replica(0, lost);
  replica(5, lost); // shards 1 and 2 have no replica running: skipped
  start();
  EXPECT_TRUE(lost->empty());
  published->erase(n2_port);
  self->send_exit(peers.at("n2").gate, caf::exit_reason::kill);
  sched.run();
  EXPECT_EQ(*lost, (std::vector<std::string>{"n2", "n2"}));
  // Failed reconnects are no news: a peer that never came back is told once.
  wait_ms(50);
  EXPECT_GE(member("n2").reconnect_attempts(), 1u);
  EXPECT_EQ(lost->size(), 2u);
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

// -- idle heartbeats and the failure detector ------------------------------------

TEST_F(TransportTest, IdlePeersGetHeartbeatsThatNeverReachReplicas) {
  auto shard0 = replica(0);
  auto cfg = config();
  cfg.idle_heartbeat_ms = 100;
  start(cfg);
  wait_ms(100);
  for (auto id : {"n2", "n3"}) {
    ASSERT_EQ(received_by(id).size(), 1u) << id;
    auto& hb = received_by(id).at(0);
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
  EXPECT_EQ(received_by("n2").size(), 2u); // the heartbeat, then the append
  EXPECT_EQ(received_by("n3").size(), 2u); // two heartbeats
  // An inbound heartbeat is accounted for, not delivered.
  receive_from("n2", {heartbeat("n2", "n1")});
  EXPECT_TRUE(shard0->empty());
  EXPECT_EQ(member("n2").messages_received(), 1u);
  EXPECT_EQ(member("n2").messages_invalid(), 0u);
}

TEST_F(TransportTest, SilentPeerBecomesSuspect) {
  start();
  auto heartbeat_from = [this](const std::string& id) { receive_from(id, {heartbeat(id, "n1")}); };
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
    receive_from("n2", {heartbeat("n2", "n1")});
    wait_ms(100);
  }
  ASSERT_TRUE(partition("n2").ok());
  for (int i = 0; i < 5; ++i) {
    receive_from("n2", {heartbeat("n2", "n1")});
    wait_ms(100);
  }
  EXPECT_EQ(member("n2").verdict(), "suspect");
}

TEST_F(TransportTest, FramesThatFailAuthenticationDoNotFeedTheDetector) {
  start();
  for (int i = 0; i < 20; ++i) {
    receive_from("n2", {heartbeat("n2", "n1")});
    wait_ms(100);
  }
  // An attacker keeps n2 "alive" with frames it cannot authenticate.
  for (int i = 0; i < 5; ++i) {
    auto f = session_of("n2").seal(batch({heartbeat("n2", "n1")}).SerializeAsString());
    f.set_mac(std::string(32, 'x'));
    send_frame(f);
    wait_ms(100);
  }
  EXPECT_EQ(member("n2").verdict(), "suspect");
  EXPECT_EQ(members().dropped_unauthenticated(), 5u);
}

// -- the trust boundary: frames --------------------------------------------------

TEST_F(TransportTest, FrameWithABadMacIsDroppedAndCounted) {
  auto shard0 = replica(0);
  start();
  auto& s = session_of("n2");
  // A forger who saw the session id on the wire, but has no key.
  auto forged = s.seal(batch({msg(0, "n2", "n1", 1)}).SerializeAsString());
  forged.set_mac(std::string(32, '\0'));
  send_frame(forged);
  // A relay that changes the payload of a genuine frame.
  auto tampered = s.seal(batch({msg(0, "n2", "n1", 2)}).SerializeAsString());
  tampered.set_batch(batch({msg(0, "n2", "n1", 666)}).SerializeAsString());
  send_frame(tampered);
  EXPECT_TRUE(shard0->empty());
  auto m = members();
  EXPECT_EQ(m.dropped_unauthenticated(), 2u);
  EXPECT_EQ(member("n2").messages_received(), 0u);
  // The session itself is intact: the next genuine frame gets through.
  receive_from("n2", {msg(0, "n2", "n1", 3)});
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{3}));
  EXPECT_EQ(members().dropped_unauthenticated(), 2u);
}

TEST_F(TransportTest, ReplayedFrameIsDroppedAndCounted) {
  auto shard0 = replica(0);
  start();
  auto first = receive_from("n2", {msg(0, "n2", "n1", 1)});
  auto second = receive_from("n2", {msg(0, "n2", "n1", 2)});
  ASSERT_EQ(shard0->size(), 2u);
  send_frame(second); // the same frame again
  send_frame(first);  // an older one
  EXPECT_EQ(shard0->size(), 2u);
  EXPECT_EQ(members().dropped_unauthenticated(), 2u);
  EXPECT_EQ(member("n2").messages_received(), 2u);
}

TEST_F(TransportTest, FrameOfAnUnknownSessionIsDroppedAndCounted) {
  auto shard0 = replica(0);
  start();
  auto& s = session_of("n2");
  auto f = s.seal(batch({msg(0, "n2", "n1", 1)}).SerializeAsString());
  f.set_session(f.session() ^ 1); // a session nobody opened
  send_frame(f);
  peer::PeerFrame blank; // no session at all
  blank.set_batch(batch({msg(0, "n2", "n1", 2)}).SerializeAsString());
  send_frame(blank);
  EXPECT_TRUE(shard0->empty());
  EXPECT_EQ(members().dropped_unauthenticated(), 2u);
}

TEST_F(TransportTest, AReconnectingPeerReplacesItsOldSession) {
  auto shard0 = replica(0);
  start();
  auto old_frame = session_of("n2").seal(batch({msg(0, "n2", "n1", 1)}).SerializeAsString());
  sessions.erase("n2");
  receive_from("n2", {msg(0, "n2", "n1", 2)}); // a new session as n2
  send_frame(old_frame);                       // late frame of the old one
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{2}));
  EXPECT_EQ(members().dropped_unauthenticated(), 1u);
}

TEST_F(TransportTest, AuthenticatedFrameThatIsNotABatchIsDropped) {
  start();
  auto f = session_of("n2").seal(std::string("\x0a\x7f\x01\x02", 4));
  send_frame(f);
  EXPECT_EQ(members().dropped_unauthenticated(), 1u);
}

// -- the trust boundary: handshakes ------------------------------------------------

TEST_F(TransportTest, HelloFromANonMemberIsRefused) {
  start();
  // Knowing the secret is not enough: only the nodes of cluster.conf may talk.
  security::dialer_handshake hs(*trust, book, "n9", "n1");
  auto c = hello(hs.hello());
  EXPECT_FALSE(c.error().empty());
  EXPECT_EQ(c.session(), 0u);
  EXPECT_TRUE(c.proof().empty());
  // Nor can a node pose as n1 to n1, or reach it under another name.
  security::dialer_handshake as_self(*trust, book, "n1", "n2");
  auto h = as_self.hello();
  h.set_to("n1");
  EXPECT_FALSE(hello(h).error().empty());
  security::dialer_handshake wrong_to(*trust, book, "n2", "n3");
  EXPECT_FALSE(hello(wrong_to.hello()).error().empty());
  EXPECT_EQ(members().refused_handshakes(), 3u);
}

TEST_F(TransportTest, ConfirmWithAWrongProofIsRefused) {
  auto shard0 = replica(0);
  start();
  // An attacker without the secret claims to be n2: the gate answers the
  // hello (a hello proves nothing yet), but the confirm gives it away.
  auto wrong = secret_trust('w');
  security::dialer_handshake hs(*wrong, book, "n2", "n1");
  auto c = hello(hs.hello());
  ASSERT_TRUE(c.error().empty()) << c.error();
  // The attacker cannot even check the challenge...
  auto checked = hs.on_challenge(c, wall_seconds());
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, security::errc::bad_proof) << checked.error().detail;
  // ...and its best guess at a proof is refused.
  peer::PeerConfirm guess;
  guess.set_session(c.session());
  guess.set_proof(wrong->prove("keel-peer-dialer-v1", "whatever"));
  auto a = confirm(guess);
  EXPECT_FALSE(a.error().empty());
  EXPECT_EQ(members().refused_handshakes(), 1u);
  // No session came of it: a frame under that session id is refused.
  security::frame_sealer s{security::session_keys{c.session(), std::string(32, 'k'), "n1"}};
  send_frame(s.seal(batch({msg(0, "n2", "n1", 1)}).SerializeAsString()));
  EXPECT_TRUE(shard0->empty());
  EXPECT_EQ(members().dropped_unauthenticated(), 1u);
}

TEST_F(TransportTest, ReplayedConfirmIsRefused) {
  start();
  security::dialer_handshake hs(*trust, book, "n2", "n1");
  auto c = hello(hs.hello());
  auto outcome = hs.on_challenge(c, wall_seconds());
  ASSERT_TRUE(outcome.ok());
  auto& conf = outcome->first;
  EXPECT_TRUE(confirm(conf).error().empty());
  EXPECT_FALSE(confirm(conf).error().empty()); // the challenge is spent
  EXPECT_EQ(members().refused_handshakes(), 1u);
}

// -- the trust boundary: authenticated peers that misbehave ----------------------

TEST_F(TransportTest, AuthenticatedPeerCannotSpeakForAnotherNode) {
  auto shard0 = replica(0);
  start();
  // n2 is who it says it is, but claims n3's messages (a vote in n3's name
  // would count twice).
  receive_from("n2",
               {msg(0, "n3", "n1", 1, raft::MSG_VOTE), msg(0, "n2", "n1", 2), msg(0, "", "n1", 3)});
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{2}));
  auto n2 = member("n2");
  EXPECT_EQ(n2.messages_invalid(), 2u);
  EXPECT_EQ(n2.invalid_by_rule().size(), 1u);
  EXPECT_EQ(n2.invalid_by_rule().at("wrong_sender"), 2u);
  EXPECT_EQ(n2.messages_received(), 1u);
  // The blame is n2's: n3 is clean.
  auto n3 = member("n3");
  EXPECT_EQ(n3.messages_invalid(), 0u);
  EXPECT_EQ(n3.messages_received(), 0u);
}

TEST_F(TransportTest, MessagesThatBreakTheInboundRulesNeverReachAReplica) {
  auto shard0 = replica(0);
  start();
  auto overflow = msg(0, "n3", "n1", 1);
  overflow.set_term(std::numeric_limits<uint64_t>::max());
  auto no_term = msg(0, "n3", "n1", 2);
  no_term.set_term(0);
  auto gap = msg(0, "n3", "n1", 3);
  auto* e = gap.add_entries();
  e->set_index(5); // should be 4
  e->set_term(1);
  auto unknown_type = msg(0, "n3", "n1", 4, static_cast<raft::MessageType>(999));
  receive_from("n3", {overflow, no_term, gap, unknown_type, msg(0, "n3", "n1", 9)});
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{9}));
  auto n3 = member("n3");
  EXPECT_EQ(n3.messages_invalid(), 4u);
  std::map<std::string, uint64_t> by_rule(n3.invalid_by_rule().begin(), n3.invalid_by_rule().end());
  EXPECT_EQ(
    by_rule,
    (std::map<std::string, uint64_t>{
      {"term_overflow", 1}, {"missing_term", 1}, {"entry_index_gap", 1}, {"unknown_type", 1}}));
  EXPECT_EQ(member("n2").messages_invalid(), 0u);
}

TEST_F(TransportTest, InvalidOnlyFramesDoNotFeedTheDetector) {
  start();
  auto overflow = msg(0, "n2", "n1", 1);
  overflow.set_term(std::numeric_limits<uint64_t>::max());
  receive_from("n2", {overflow});
  EXPECT_EQ(member("n2").verdict(), "unknown"); // never heard a valid word
  EXPECT_EQ(member("n2").messages_invalid(), 1u);
}

// -- snapshots in acknowledged pieces ------------------------------------------------

// A MSG_SNAPSHOT that passes check_inbound at `to`, with `data_bytes` of data.
raft::Message whole_snapshot(uint32_t shard, const std::string& from, const std::string& to,
                             size_t data_bytes) {
  raft::Message m;
  m.set_type(raft::MSG_SNAPSHOT);
  m.set_shard(shard);
  m.set_from(from);
  m.set_to(to);
  m.set_term(2);
  auto* meta = m.mutable_snapshot()->mutable_metadata();
  meta->set_index(10);
  meta->set_term(1);
  for (auto v : {"n1", "n2", "n3"})
    meta->add_voters(v);
  m.mutable_snapshot()->set_data(std::string(data_bytes, 's'));
  return m;
}

// The pieces `whole` is cut into by a sender with chunks of `chunk_bytes`.
std::vector<raft::Message> cut(const raft::Message& whole, size_t chunk_bytes) {
  transport::snapshot_sender sender{{.chunk_bytes = chunk_bytes, .window = 1u << 20}};
  sender.start(whole);
  std::vector<raft::Message> out;
  for (auto more = sender.next_chunks(); !more.empty(); more = sender.next_chunks())
    out.insert(out.end(), more.begin(), more.end());
  return out;
}

// The messages of `type` in `received` (what a peer got from n1), in order; the
// most of them that one frame held, in `most_in_one_frame` if given.
std::vector<raft::Message> of_type(const frames& received, raft::MessageType type,
                                   size_t* most_in_one_frame = nullptr) {
  std::vector<raft::Message> out;
  for (auto& b : received) {
    size_t in_frame = 0;
    for (auto& m : b.messages())
      if (m.type() == type) {
        out.push_back(m);
        ++in_frame;
      }
    if (most_in_one_frame)
      *most_in_one_frame = std::max(*most_in_one_frame, in_frame);
  }
  return out;
}

TEST_F(TransportTest, ASnapshotLeavesInPiecesAWindowAtATimeOnePerFrame) {
  auto cfg = config();
  cfg.snapshot_chunks = {.chunk_bytes = 100, .window = 2};
  start(cfg);
  auto original = whole_snapshot(0, "n1", "n2", 1000);
  send(frame({original, msg(0, "n1", "n2", 7)}));
  sched.run();
  size_t most_in_one_frame = 0;
  auto pieces = of_type(received_by("n2"), raft::MSG_SNAPSHOT_CHUNK, &most_in_one_frame);
  EXPECT_EQ(pieces.size(), 2u) << "a window's worth, then nothing until n2 acknowledges";
  EXPECT_EQ(of_type(received_by("n2"), raft::MSG_APPEND).size(), 1u) << "the rest goes on";
  EXPECT_TRUE(of_type(received_by("n2"), raft::MSG_SNAPSHOT).empty()) << "never whole";

  // n2 answers each piece as its transport would; the rest follows.
  transport::snapshot_assembler at_n2;
  std::optional<raft::Message> rebuilt;
  size_t seen = 0;
  for (int round = 0; round < 100 && !rebuilt; ++round) {
    pieces = of_type(received_by("n2"), raft::MSG_SNAPSHOT_CHUNK, &most_in_one_frame);
    ASSERT_GT(pieces.size(), seen) << "the sender stalled with its window open";
    for (; seen < pieces.size(); ++seen) {
      auto outcome = at_n2.receive(pieces[seen]);
      ASSERT_FALSE(outcome.fault) << transport::to_string(*outcome.fault);
      if (outcome.snapshot)
        rebuilt = outcome.snapshot;
      if (outcome.ack)
        receive_from("n2", {*outcome.ack});
    }
  }
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(rebuilt->SerializeAsString(), original.SerializeAsString());
  EXPECT_EQ(seen, (original.ByteSizeLong() + 99) / 100);
  EXPECT_EQ(most_in_one_frame, 1u) << "each piece in a frame of its own turn";
  EXPECT_EQ(member("n2").messages_invalid(), 0u) << "n1 took every acknowledgement";
}

TEST_F(TransportTest, PiecesFromAPeerReachTheReplicaAsOneSnapshotAndAreAcknowledged) {
  auto shard0 = replica(0);
  start();
  auto original = whole_snapshot(0, "n2", "n1", 1000);
  auto pieces = cut(original, 100);
  ASSERT_GT(pieces.size(), 5u);
  for (size_t i = 0; i + 1 < pieces.size(); ++i)
    receive_from("n2", {pieces[i]});
  EXPECT_TRUE(shard0->empty()) << "nothing before the last piece";
  auto acks = of_type(received_by("n2"), raft::MSG_SNAPSHOT_CHUNK_ACK);
  ASSERT_EQ(acks.size(), pieces.size() - 1);
  for (size_t i = 0; i < acks.size(); ++i) {
    EXPECT_EQ(acks[i].from(), "n1");
    EXPECT_EQ(acks[i].shard(), 0u);
    EXPECT_EQ(acks[i].chunk().transfer(), pieces[i].chunk().transfer());
    EXPECT_EQ(acks[i].chunk().offset(), 100 * (i + 1));
  }
  receive_from("n2", {pieces.back()});
  ASSERT_EQ(shard0->size(), 1u);
  ASSERT_EQ(shard0->at(0).messages_size(), 1);
  EXPECT_EQ(shard0->at(0).messages(0).SerializeAsString(), original.SerializeAsString());
  EXPECT_EQ(of_type(received_by("n2"), raft::MSG_SNAPSHOT_CHUNK_ACK).size(), acks.size());
  EXPECT_EQ(member("n2").messages_invalid(), 0u);
}

TEST_F(TransportTest, HostilePiecesNeverReachAReplica) {
  auto shard0 = replica(0);
  start();
  auto in_n3s_name = cut(whole_snapshot(0, "n3", "n1", 10), 1000).at(0);
  auto for_shard_7 = cut(whole_snapshot(7, "n2", "n1", 10), 1000).at(0);
  auto malformed = cut(whole_snapshot(0, "n2", "n1", 10), 1000).at(0);
  malformed.mutable_chunk()->set_transfer(0);
  auto append = whole_snapshot(0, "n2", "n1", 10);
  append.set_type(raft::MSG_APPEND);
  auto pieces_of_an_append = cut(append, 1000).at(0);
  auto not_for_n1 = whole_snapshot(0, "n2", "n1", 10);
  not_for_n1.mutable_snapshot()->mutable_metadata()->clear_voters();
  not_for_n1.mutable_snapshot()->mutable_metadata()->add_voters("n2");
  auto pieces_of_a_bad_snapshot = cut(not_for_n1, 1000).at(0);
  auto out_of_order = cut(whole_snapshot(0, "n2", "n1", 1000), 100).at(3);
  receive_from("n2", {in_n3s_name, for_shard_7, malformed, pieces_of_an_append,
                      pieces_of_a_bad_snapshot, out_of_order});
  EXPECT_TRUE(shard0->empty());
  auto n2 = member("n2");
  std::map<std::string, uint64_t> by_rule(n2.invalid_by_rule().begin(), n2.invalid_by_rule().end());
  EXPECT_EQ(by_rule, (std::map<std::string, uint64_t>{{"wrong_sender", 1},
                                                      {"unknown_shard", 1},
                                                      {"snapshot_chunk_malformed", 1},
                                                      {"snapshot_chunk_invalid_snapshot", 1},
                                                      {"snapshot_voters_invalid", 1}}));
  EXPECT_EQ(n2.messages_dropped(), 1u) << "a piece out of order is a loss, not an attack";
  EXPECT_TRUE(of_type(received_by("n2"), raft::MSG_SNAPSHOT_CHUNK_ACK).empty());
  // The transport lives on: a good snapshot still gets through.
  receive_from("n2", {cut(whole_snapshot(0, "n2", "n1", 10), 1000).at(0)});
  EXPECT_EQ(shard0->size(), 1u);
}

TEST_F(TransportTest, AClosedConnectionEndsTheSnapshotUnderWay) {
  auto cfg = config();
  cfg.snapshot_chunks = {.chunk_bytes = 100, .window = 1};
  start(cfg);
  send(frame({whole_snapshot(0, "n1", "n2", 1000)}));
  sched.run();
  auto first = of_type(received_by("n2"), raft::MSG_SNAPSHOT_CHUNK);
  ASSERT_EQ(first.size(), 1u);
  published->erase(n2_port);
  self->send_exit(peers.at("n2").gate, caf::exit_reason::kill);
  sched.run();
  ASSERT_FALSE(member("n2").connected());
  publish_peer("n2", n2_port);
  wait_ms(100);
  ASSERT_TRUE(member("n2").connected());
  // The acknowledgement of the first piece arrives after all: nothing follows
  // it over the new connection (the leader's core resends the snapshot).
  transport::snapshot_assembler at_n2;
  auto outcome = at_n2.receive(first[0]);
  ASSERT_TRUE(outcome.ack);
  receive_from("n2", {*outcome.ack});
  wait_ms(100);
  EXPECT_TRUE(of_type(received_by("n2"), raft::MSG_SNAPSHOT_CHUNK).empty());
}

// -- the trust boundary: orders from outside the node -----------------------------

TEST_F(TransportTest, AnonymousOrdersAreIgnored) {
  auto shard0 = replica(0);
  start();
  // Outbound in n1's name, inbound in n2's name, forged drop counts, a fake
  // "authenticated" report that would redirect n2's traffic, a fault.
  auto hijack_actor = sys.spawn(peer_transport_recorder, std::make_shared<peer_inbox>());
  auto hijack = caf::actor_cast<transport::peer_gate_api>(hijack_actor);
  anon_send(transport, raft_atom_v, frame({msg(0, "n1", "n2", 1)}));
  anon_send(transport, raft_atom_v, std::string{"n2"}, frame({msg(0, "n2", "n1", 2)}));
  anon_send(transport, peer_atom_v, uint64_t{5}, uint64_t{7});
  anon_send(transport, peer_atom_v, std::string{"n2"}, hijack, uint64_t{42}, std::string(32, 'k'));
  admin::FaultRequest part;
  part.mutable_partition()->set_peer("n3");
  anon_send(transport, fault_atom_v, make_pb(part));
  sched.run();
  EXPECT_TRUE(received_by("n2").empty());
  EXPECT_TRUE(shard0->empty());
  auto m = members();
  EXPECT_EQ(m.dropped_unauthenticated(), 0u);
  EXPECT_EQ(m.refused_handshakes(), 0u);
  EXPECT_EQ(member("n3").faults_size(), 0);
  // The same orders from a local actor work (so the ones above were refused
  // for their sender, not for their content), except the report, which only
  // n2's dialer may make.
  self->send(transport, peer_atom_v, std::string{"n2"}, hijack, uint64_t{42}, std::string(32, 'k'));
  send(frame({msg(0, "n1", "n2", 3)}));
  self->send(transport, raft_atom_v, std::string{"n2"}, frame({msg(0, "n2", "n1", 4)}));
  sched.run();
  ASSERT_EQ(received_by("n2").size(), 1u); // still the real n2
  EXPECT_EQ(indexes(received_by("n2").at(0)), (std::vector<uint64_t>{3}));
  ASSERT_EQ(shard0->size(), 1u);
  EXPECT_EQ(indexes(shard0->at(0)), (std::vector<uint64_t>{4}));
  anon_send_exit(hijack_actor, caf::exit_reason::user_shutdown);
}

// -- the trust boundary: a peer with the wrong secret -----------------------------

TEST_F(TransportTest, PeerWithTheWrongSecretNeverGetsFramesAndIsRetried) {
  published->erase(n3_port);
  auto impostor = publish_peer("n3", n3_port, secret_trust('w'));
  start();
  auto n3 = member("n3");
  EXPECT_FALSE(n3.connected());
  EXPECT_EQ(n3.reconnect_attempts(), 1u);
  send(frame({msg(0, "n1", "n3", 1), msg(0, "n1", "n2", 2)}));
  sched.run();
  EXPECT_EQ(member("n3").messages_dropped(), 1u);
  EXPECT_EQ(received_by("n2").size(), 1u);
  // Retries follow the backoff (as for a refused connection), and each one
  // fails on the gate's proof: no frame ever reaches the impostor's gate.
  wait_ms(100);
  EXPECT_EQ(member("n3").reconnect_attempts(), 2u);
  wait_ms(200);
  EXPECT_EQ(member("n3").reconnect_attempts(), 3u);
  EXPECT_FALSE(member("n3").connected());
  EXPECT_TRUE(impostor.in->batches.empty());
  EXPECT_EQ(impostor.in->unauthenticated, 0u);
  // n1 never confirmed: it refused the impostor's challenge first.
  EXPECT_EQ(impostor.in->refused, 0u);
  // The real n3 comes back: the next retry authenticates.
  publish_peer("n3", n3_port);
  wait_ms(400);
  EXPECT_TRUE(member("n3").connected());
  send(frame({msg(0, "n1", "n3", 3)}));
  sched.run();
  ASSERT_EQ(received_by("n3").size(), 1u);
  EXPECT_EQ(indexes(received_by("n3").at(0)), (std::vector<uint64_t>{3}));
}

TEST_F(TransportTest, GateThatProvesAnotherIdIsRefused) {
  // n2's port answers with a gate of n3 (same secret, right cluster): it
  // cannot prove the id the transport dialed.
  published->erase(n2_port);
  auto wrong = publish_peer("n2", n2_port);
  transport::peer_gate_config gc;
  gc.node_id = "n3";
  gc.root_path = "/n3";
  gc.members = {"n1", "n2"};
  gc.trust = trust;
  gc.dir = wrong.dir;
  gc.publish = false;
  auto n3_gate = transport::spawn_peer_gate(sys, gc);
  (*published)[n2_port] = caf::actor_cast<caf::actor>(n3_gate);
  start();
  EXPECT_FALSE(member("n2").connected());
  EXPECT_EQ(member("n2").reconnect_attempts(), 1u);
  anon_send_exit(n3_gate, caf::exit_reason::user_shutdown);
}

// What a man in the middle in front of a peer's gate sees of n1.
struct sniffed {
  std::vector<caf::strong_actor_ptr> handshake_senders;
  std::vector<caf::strong_actor_ptr> frame_senders;
};

// Passes everything on to `gate`, noting who sent it.
caf::behavior sniffer(caf::event_based_actor* self, caf::actor gate,
                      std::shared_ptr<sniffed> seen) {
  return {
    [=](peer_atom a, pb<peer::PeerHello>& h) {
      seen->handshake_senders.push_back(self->current_sender());
      return self->delegate(gate, a, std::move(h));
    },
    [=](peer_atom a, pb<peer::PeerHello>& h, caf::actor& offer) {
      seen->handshake_senders.push_back(self->current_sender());
      return self->delegate(gate, a, std::move(h), std::move(offer));
    },
    [=](peer_atom a, pb<peer::PeerConfirm>& c) {
      seen->handshake_senders.push_back(self->current_sender());
      return self->delegate(gate, a, std::move(c));
    },
    [=](raft_atom a, pb<peer::PeerFrame>& f) {
      seen->frame_senders.push_back(self->current_sender());
      self->send(gate, a, std::move(f));
    },
  };
}

TEST_F(TransportTest, TheTransportNeverShowsItsAddressToAPeer) {
  auto seen = std::make_shared<sniffed>();
  auto tap = sys.spawn(sniffer, caf::actor_cast<caf::actor>(peers.at("n2").gate), seen);
  (*published)[n2_port] = tap;
  start();
  send(frame({msg(0, "n1", "n2", 1)}));
  sched.run();
  ASSERT_EQ(received_by("n2").size(), 1u); // the tap is transparent
  // The handshake comes from the dialer, and frames from nobody: a peer never
  // learns a handle with which it could give the transport orders.
  ASSERT_EQ(seen->handshake_senders.size(), 2u);
  auto t = caf::actor_cast<caf::strong_actor_ptr>(transport);
  for (auto& s : seen->handshake_senders) {
    EXPECT_TRUE(s);
    EXPECT_NE(s, t);
  }
  ASSERT_EQ(seen->frame_senders.size(), 1u);
  EXPECT_FALSE(seen->frame_senders[0]);
  seen->handshake_senders.clear(); // strong references to the dialer, which
                                   // must be free to go at shutdown
  anon_send_exit(tap, caf::exit_reason::user_shutdown);
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
peer_port = 7201

[[node]]
id = "n2"
host = "127.0.0.2"
port = 7102
peer_port = 7202

[[node]]
id = "n3"
host = "127.0.0.3"
port = 7103
)",
                                             "test.conf", "/tmp");
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  const auto* cfg = &*parsed;
  auto t = transport::make_transport_config(*cfg, "n2", nullptr);
  EXPECT_EQ(t.node_id, "n2");
  EXPECT_EQ(t.address, "127.0.0.2:7102");
  EXPECT_EQ(t.root_path, "/n2");
  ASSERT_EQ(t.peers.size(), 2u); // everyone but itself, in file order, at the peer port
  EXPECT_EQ(t.peers[0].id, "n1");
  EXPECT_EQ(t.peers[0].host, "127.0.0.1");
  EXPECT_EQ(t.peers[0].port, 7201);
  EXPECT_EQ(t.peers[1].id, "n3");
  EXPECT_EQ(t.peers[1].port, 8103); // port + 1000 when not set
  EXPECT_EQ(t.idle_heartbeat_ms, 80u);
  EXPECT_DOUBLE_EQ(t.failure_detector.threshold, 10.0);
  EXPECT_EQ(t.failure_detector.first_heartbeat_estimate_ms, 80u);
  EXPECT_NE(t.seed, transport::make_transport_config(*cfg, "n1", nullptr).seed);
  EXPECT_EQ(t.seed, transport::make_transport_config(*cfg, "n2", nullptr).seed);
  EXPECT_FALSE(t.connector); // the middleman actor is used
  EXPECT_FALSE(t.trust);     // keel-node loads it
}

} // namespace
