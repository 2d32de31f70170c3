// The transport and the peer gate over real TCP: two actor systems in one
// process on 127.0.0.1, each with a peer gate published on its own port, a
// transport and a recording replica, authenticating with a cluster secret.
// Proves delivery in both directions through CAF's middleman, a snapshot in
// acknowledged pieces, the reconnect
// after the peer's actor system goes away and a new one is published on the
// same port (and after the gate alone restarts, on either side), that a node with the wrong
// secret never delivers anything either way, and that a remote actor holding
// the transport's handle cannot give it orders. Ports are picked by the OS;
// every wait is bounded by a deadline (no sleeps).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <gtest/gtest.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/paths.hpp"
#include "actors/replication/peer_gate_actor.hpp"
#include "actors/replication/transport_actor.hpp"
#include "actors/security/core/peer_incarnations.hpp"
#include "actors/security/core/trust.hpp"
#include "keel_test_config.hpp"
#include "supervisors/directory.hpp"
#include "test_trust.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;
using keel::test::secret_trust;

struct node_config : keel::test::keel_config {
  node_config() {
    set("scheduler.max-threads", 2); // two systems share a 2-core box
  }
};

// A replica that passes every frame on to the test's probe, and takes the
// transport's news of a lost connection (replica_api) without acting on it.
caf::behavior replica_stub(caf::event_based_actor* self, caf::actor probe) {
  return {
    [self, probe](raft_atom, pb<raft::MessageBatch>& b) {
      self->send(probe, raft_atom_v, std::move(b));
    },
    [](peer_atom, const std::string&) {},
  };
}

// One keel node reduced to its transport: peer gate (published), transport,
// replica of shard 0, and a probe that receives what the replica gets and
// stands in for the node's replicas and operators when it talks to the
// transport.
struct node {
  std::string id;
  std::string peer_id; // the one other node of the cluster
  std::shared_ptr<const security::trust> trust;
  // This node's data directory incarnation and its record of the peer's.
  std::shared_ptr<security::peer_incarnations> incarnations
    = std::make_shared<security::peer_incarnations>(0x7c9);
  node_config cfg; // the actor system keeps a reference: it must outlive sys
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>();
  std::optional<caf::scoped_actor> probe;
  transport::peer_gate_api gate;
  transport::transport_api transport;
  uint16_t port = 0; // the gate's

  node(std::string node_id, std::string peer, uint16_t wanted_port,
       std::shared_ptr<const security::trust> t)
    : id(std::move(node_id)),
      peer_id(std::move(peer)),
      trust(std::move(t)) {
    sys = std::make_unique<caf::actor_system>(cfg);
    probe.emplace(*sys);
    publish_gate(wanted_port);
    auto probe_hdl = caf::actor_cast<caf::actor>(*probe);
    dir->put(paths::replica("/" + id, 0), sys->spawn(replica_stub, probe_hdl));
  }

  // Published by the test (publish = false), so that it learns the port the
  // OS picked. SO_REUSEADDR on every publish, the first included (field
  // guide §3).
  void publish_gate(uint16_t wanted_port) {
    transport::peer_gate_config gc;
    gc.node_id = id;
    gc.root_path = "/" + id;
    gc.members = {peer_id};
    gc.trust = trust;
    gc.incarnations = incarnations;
    gc.dir = dir;
    gc.publish = false;
    gate = transport::spawn_peer_gate(*sys, gc);
    dir->put(paths::peer_gate("/" + id), caf::actor_cast<caf::actor>(gate));
    // Untyped, as a node publishes its gate (publish_self.hpp): a typed
    // publish would refuse every peer that asks for a caf::actor.
    auto published
      = caf::io::publish(caf::actor_cast<caf::actor>(gate), wanted_port, "127.0.0.1", true);
    if (published)
      port = *published;
    else
      ADD_FAILURE() << "publish failed: " << sys->render(published.error());
  }

  // What the node's supervisor does when the gate crashes: a new gate,
  // published on the same port, in the same actor system.
  void restart_gate() {
    sys->middleman().unpublish(gate, port);
    dir->erase(paths::peer_gate("/" + id), caf::actor_cast<caf::actor>(gate));
    caf::anon_send_exit(gate, caf::exit_reason::kill);
    publish_gate(port);
  }

  void start_transport(uint16_t peer_port, transport::chunking snapshot_chunks = {}) {
    transport::transport_config tc;
    tc.snapshot_chunks = snapshot_chunks;
    tc.node_id = id;
    tc.address = "127.0.0.1:" + std::to_string(port);
    tc.peers = {{peer_id, "127.0.0.1", peer_port}};
    tc.local_shards = {0};
    tc.trust = trust;
    tc.incarnations = incarnations;
    tc.root_path = "/" + id;
    tc.dir = dir;
    tc.reconnect = {20, 200};
    tc.connect_timeout_ms = 2000;
    tc.idle_heartbeat_ms = 0;
    transport = transport::spawn_transport(*sys, tc);
    dir->put(paths::transport("/" + id), caf::actor_cast<caf::actor>(transport));
  }

  // The clean shutdown order of the field guide (§8): unpublish, then stop
  // every actor, then let the system go.
  ~node() {
    sys->middleman().unpublish(gate, port);
    for (auto& path : dir->paths())
      if (auto a = dir->get(path)) {
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
        dir->erase(path, a);
      }
    gate = nullptr;
    transport = nullptr;
    probe.reset();
    sys.reset();
  }
};

// A message that passes raft::check_inbound on `to` (shard 0, term 1).
raft::MessageBatch append(const std::string& from, const std::string& to, uint64_t index) {
  raft::MessageBatch b;
  auto* m = b.add_messages();
  m->set_type(raft::MSG_APPEND);
  m->set_shard(0);
  m->set_from(from);
  m->set_to(to);
  m->set_term(1);
  m->set_index(index);
  return b;
}

// Whether `n`'s replica receives a message with `index` within `wait`.
bool replica_receives(node& n, uint64_t index, std::chrono::milliseconds wait) {
  auto until = std::chrono::steady_clock::now() + wait;
  bool received = false;
  while (!received && std::chrono::steady_clock::now() < until) {
    (*n.probe)->receive(
      [&](raft_atom, pb<raft::MessageBatch>& b) {
        for (auto& m : b->messages())
          received = received || m.index() == index;
      },
      caf::after(20ms) >> [] {});
  }
  return received;
}

// Hands `index` to `from`'s transport, as its replica would (a local actor:
// the transport ignores anonymous orders), until `to`'s replica receives it
// or the deadline passes. Retrying is what Raft does too: messages sent while
// the connection is still down are dropped.
bool deliver(node& from, node& to, uint64_t index, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    (*from.probe)->send(from.transport, raft_atom_v, make_pb(append(from.id, to.id, index)));
    if (replica_receives(to, index, 50ms))
      return true;
  }
  return false;
}

admin::Members members(node& n) {
  admin::Members out;
  (*n.probe)
    ->request(n.transport, 5s, members_atom_v)
    .receive([&](pb<admin::Members>& m) { out = m.msg; },
             [&](caf::error& e) { ADD_FAILURE() << n.sys->render(e); });
  return out;
}

admin::PeerInfo peer_info(node& n, const std::string& peer_id) {
  auto all = members(n);
  for (auto& p : all.nodes())
    if (p.node_id() == peer_id)
      return p;
  ADD_FAILURE() << "no member " << peer_id;
  return {};
}

TEST(TransportOverTcp, DeliversInBothDirections) {
  auto secret = secret_trust('s');
  node a("n1", "n2", 0, secret);
  node b("n2", "n1", 0, secret);
  a.start_transport(b.port);
  b.start_transport(a.port);
  EXPECT_TRUE(deliver(a, b, 1, 10s));
  EXPECT_TRUE(deliver(b, a, 2, 10s));
  EXPECT_TRUE(peer_info(a, "n2").connected());
  EXPECT_GE(peer_info(b, "n1").messages_received(), 1u);
  for (node* n : {&a, &b}) {
    auto m = members(*n);
    EXPECT_EQ(m.dropped_unauthenticated(), 0u) << n->id;
    EXPECT_EQ(m.refused_handshakes(), 0u) << n->id;
  }
}

TEST(TransportOverTcp, ASnapshotCrossesInAcknowledgedPieces) {
  // 1 MiB in pieces of 4 KiB, two unacknowledged: 256 pieces and 255
  // acknowledgements through both middlemen, interleaved with appends.
  auto secret = secret_trust('s');
  node a("n1", "n2", 0, secret);
  node b("n2", "n1", 0, secret);
  a.start_transport(b.port, {.chunk_bytes = 4096, .window = 2});
  b.start_transport(a.port);
  ASSERT_TRUE(deliver(a, b, 1, 10s));
  raft::MessageBatch batch;
  auto* snapshot = batch.add_messages();
  snapshot->set_type(raft::MSG_SNAPSHOT);
  snapshot->set_shard(0);
  snapshot->set_from("n1");
  snapshot->set_to("n2");
  snapshot->set_term(2);
  snapshot->mutable_snapshot()->mutable_metadata()->set_index(7);
  snapshot->mutable_snapshot()->mutable_metadata()->set_term(1);
  snapshot->mutable_snapshot()->mutable_metadata()->add_voters("n1");
  snapshot->mutable_snapshot()->mutable_metadata()->add_voters("n2");
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(i * 7919 % 251); // not one repeated byte: order matters
  snapshot->mutable_snapshot()->set_data(data);
  auto original = snapshot->SerializeAsString();
  (*a.probe)->send(a.transport, raft_atom_v, make_pb(batch));
  for (uint64_t i = 2; i < 40; ++i) // appends keep going while the pieces travel
    (*a.probe)->send(a.transport, raft_atom_v, make_pb(append("n1", "n2", i)));

  std::optional<std::string> received;
  auto until = std::chrono::steady_clock::now() + 20s;
  while (!received && std::chrono::steady_clock::now() < until)
    (*b.probe)->receive(
      [&](raft_atom, pb<raft::MessageBatch>& got) {
        for (auto& m : got->messages())
          if (m.type() == raft::MSG_SNAPSHOT)
            received = m.SerializeAsString();
      },
      caf::after(50ms) >> [] {});
  ASSERT_TRUE(received) << "the snapshot never arrived whole";
  EXPECT_EQ(*received, original);
  auto seen_by_b = peer_info(b, "n1");
  EXPECT_EQ(seen_by_b.messages_invalid(), 0u);
  EXPECT_EQ(seen_by_b.messages_dropped(), 0u);
  EXPECT_GE(seen_by_b.messages_received(), 256u) << "the pieces, not one message";
  EXPECT_GE(peer_info(a, "n2").messages_received(), 255u) << "an acknowledgement for each piece";
}

TEST(TransportOverTcp, ReconnectsToARestartedPeerOnTheSamePort) {
  auto secret = secret_trust('s');
  node a("n1", "n2", 0, secret);
  auto b = std::make_unique<node>("n2", "n1", 0, secret);
  auto b_port = b->port;
  a.start_transport(b_port);
  b->start_transport(a.port);
  ASSERT_TRUE(deliver(a, *b, 1, 10s));

  // n2's actor system goes away, and a new incarnation of n2 is published on
  // the same port. Frames can only reach it through a new connection and a
  // new session.
  b.reset();
  node b2("n2", "n1", b_port, secret);
  ASSERT_EQ(b2.port, b_port);
  b2.start_transport(a.port);
  EXPECT_TRUE(deliver(a, b2, 2, 10s));
  EXPECT_TRUE(deliver(b2, a, 3, 10s));
  auto info = peer_info(a, "n2");
  EXPECT_TRUE(info.connected());
  EXPECT_EQ(info.reconnect_attempts(), 0u);
}

TEST(TransportOverTcp, ReconnectsToARestartedGateOfALiveNode) {
  auto secret = secret_trust('s');
  node a("n1", "n2", 0, secret);
  node b("n2", "n1", 0, secret);
  a.start_transport(b.port);
  b.start_transport(a.port);
  ASSERT_TRUE(deliver(a, b, 1, 10s));
  // Same process, same node id, new published gate without the old session:
  // the old handle is dead and only a new connect and handshake reach its
  // successor.
  b.restart_gate();
  EXPECT_TRUE(deliver(a, b, 2, 10s));
  EXPECT_TRUE(peer_info(a, "n2").connected());
}

TEST(TransportOverTcp, ReachesTheDialingNodeAgainAfterItsGateRestarts) {
  auto secret = secret_trust('s');
  node a("n1", "n2", 0, secret); // the smaller id: it dials and offers its gate
  node b("n2", "n1", 0, secret);
  a.start_transport(b.port);
  b.start_transport(a.port);
  ASSERT_TRUE(deliver(a, b, 1, 10s));
  ASSERT_TRUE(deliver(b, a, 2, 10s));
  // n2 sends back through the front door n1 offered, which closes with the
  // old gate; only a new dial from n1 offers the new one.
  a.restart_gate();
  EXPECT_TRUE(deliver(b, a, 3, 10s));
  EXPECT_TRUE(deliver(a, b, 4, 10s));
  for (node* n : {&a, &b})
    EXPECT_EQ(members(*n).refused_handshakes(), 0u) << n->id;
}

TEST(TransportOverTcp, PeerWithTheWrongSecretNeverDeliversAnything) {
  node a("n1", "n2", 0, secret_trust('s'));
  node impostor("n2", "n1", 0, secret_trust('w'));
  a.start_transport(impostor.port);
  impostor.start_transport(a.port);
  EXPECT_FALSE(deliver(impostor, a, 1, 1500ms));
  EXPECT_FALSE(deliver(a, impostor, 2, 500ms));
  auto info = peer_info(a, "n2");
  EXPECT_FALSE(info.connected());
  EXPECT_GE(info.reconnect_attempts(), 2u); // it keeps trying, with backoff
  EXPECT_EQ(info.messages_received(), 0u);
  EXPECT_FALSE(peer_info(impostor, "n1").connected());
  // Each side refuses the other's challenge before it confirms, so no frame
  // is ever sent, let alone accepted.
  EXPECT_EQ(members(a).dropped_unauthenticated(), 0u);
}

TEST(TransportOverTcp, RemoteOrdersToTheTransportAreIgnored) {
  auto secret = secret_trust('s');
  node a("n1", "n2", 0, secret);
  node b("n2", "n1", 0, secret);
  a.start_transport(b.port);
  b.start_transport(a.port);
  ASSERT_TRUE(deliver(b, a, 1, 10s));
  // Suppose n1's transport handle leaked (it never should: frames are sent
  // anonymously). A remote actor that holds it still cannot use it.
  auto leaked = caf::io::publish(caf::actor_cast<caf::actor>(a.transport), 0, "127.0.0.1", true);
  ASSERT_TRUE(leaked) << a.sys->render(leaked.error());
  auto remote = caf::io::remote_actor(*b.sys, "127.0.0.1", *leaked);
  ASSERT_TRUE(remote) << b.sys->render(remote.error());
  auto& attacker = *b.probe;
  // "From n2" as if the gate had authenticated it, and "from n1 to n1" as if
  // a local replica had written it (that one would be delivered locally).
  attacker->send(*remote, raft_atom_v, std::string{"n2"}, make_pb(append("n2", "n1", 100)));
  attacker->send(*remote, raft_atom_v, make_pb(append("n1", "n1", 101)));
  admin::FaultRequest part;
  part.mutable_partition()->set_peer("n2");
  attacker->send(*remote, fault_atom_v, make_pb(part));
  // Requests are refused with an error, after the orders above (one
  // connection keeps their order).
  bool refused = false;
  attacker->request(*remote, 5s, members_atom_v)
    .receive([&](pb<admin::Members>&) {}, [&](caf::error&) { refused = true; });
  EXPECT_TRUE(refused);
  EXPECT_FALSE(replica_receives(a, 100, 300ms));
  EXPECT_FALSE(replica_receives(a, 101, 100ms));
  EXPECT_EQ(peer_info(a, "n2").faults_size(), 0);
  // The genuine path still works.
  EXPECT_TRUE(deliver(b, a, 2, 10s));
  a.sys->middleman().unpublish(a.transport, *leaked);
}

} // namespace
