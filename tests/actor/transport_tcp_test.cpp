// The transport over real TCP: two actor systems in one process on 127.0.0.1,
// each with a published stand-in for the client service (it forwards Raft
// frames to its node's transport, as the real service does), a transport and a
// recording replica. Proves delivery in both directions through CAF's
// middleman and the reconnect after the peer's actor system goes away and a
// new one is published on the same port. Ports are picked by the OS; every
// wait is bounded by a deadline (no sleeps).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/paths.hpp"
#include "actors/replication/transport_actor.hpp"
#include "keel_test_config.hpp"
#include "supervisors/directory.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

struct node_config : keel::test::keel_config {
  node_config() {
    set("scheduler.max-threads", 2); // two systems share a 2-core box
  }
};

// The client service's part in the transport: forward inbound frames to this
// node's transport, unchanged.
caf::behavior service_stub(caf::event_based_actor* self, std::shared_ptr<sup::directory> dir,
                           std::string root) {
  return {
    [self, dir, root](raft_atom, pb<raft::MessageBatch>& b) {
      if (auto t = dir->get(paths::transport(root)))
        self->send(t, raft_atom_v, std::move(b));
    },
  };
}

// A replica that passes every frame on to the test's probe.
caf::behavior replica_stub(caf::event_based_actor* self, caf::actor probe) {
  return {
    [self, probe](raft_atom, pb<raft::MessageBatch>& b) {
      self->send(probe, raft_atom_v, std::move(b));
    },
  };
}

// One keel node reduced to its transport: service stub, transport, replica of
// shard 0, and a probe that receives what the replica gets.
struct node {
  std::string id;
  node_config cfg; // the actor system keeps a reference: it must outlive sys
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<sup::directory> dir = std::make_shared<sup::directory>();
  std::optional<caf::scoped_actor> probe;
  caf::actor service;
  caf::actor transport;
  uint16_t port = 0;

  node(std::string node_id, uint16_t wanted_port) : id(std::move(node_id)) {
    sys = std::make_unique<caf::actor_system>(cfg);
    probe.emplace(*sys);
    service = sys->spawn(service_stub, dir, "/" + id);
    // SO_REUSEADDR on every publish, the first included (field guide §3).
    auto published = caf::io::publish(service, wanted_port, nullptr, true);
    if (published)
      port = *published;
    else
      ADD_FAILURE() << "publish failed: " << sys->render(published.error());
    auto probe_hdl = caf::actor_cast<caf::actor>(*probe);
    dir->put(paths::replica("/" + id, 0), sys->spawn(replica_stub, probe_hdl));
  }

  // What the node's supervisor does when the service crashes: a new service
  // actor, published on the same port, in the same actor system.
  void restart_service() {
    sys->middleman().unpublish(service, port);
    caf::anon_send_exit(service, caf::exit_reason::kill);
    service = sys->spawn(service_stub, dir, "/" + id);
    auto published = caf::io::publish(service, port, nullptr, true);
    if (!published)
      ADD_FAILURE() << "re-publish failed: " << sys->render(published.error());
  }

  void start_transport(const std::string& peer_id, uint16_t peer_port) {
    transport::transport_config cfg;
    cfg.node_id = id;
    cfg.address = "127.0.0.1:" + std::to_string(port);
    cfg.peers = {{peer_id, "127.0.0.1", peer_port}};
    cfg.root_path = "/" + id;
    cfg.dir = dir;
    cfg.reconnect = {20, 200};
    cfg.connect_timeout_ms = 2000;
    cfg.idle_heartbeat_ms = 0;
    transport = transport::spawn_transport(*sys, cfg);
    dir->put(paths::transport("/" + id), transport);
  }

  // The clean shutdown order of the field guide (§8): unpublish, then stop
  // every actor, then let the system go.
  ~node() {
    sys->middleman().unpublish(service, port);
    for (auto& path : dir->paths())
      if (auto a = dir->get(path)) {
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
        dir->erase(path, a);
      }
    caf::anon_send_exit(service, caf::exit_reason::user_shutdown);
    service = caf::actor{};
    transport = caf::actor{};
    probe.reset();
    sys.reset();
  }
};

raft::MessageBatch append(const std::string& from, const std::string& to, uint64_t index) {
  raft::MessageBatch b;
  auto* m = b.add_messages();
  m->set_type(raft::MSG_APPEND);
  m->set_shard(0);
  m->set_from(from);
  m->set_to(to);
  m->set_index(index);
  return b;
}

// Hands `index` to `from`'s transport, as its replica would, until `to`'s
// replica receives it or the deadline passes. Retrying is what Raft does too:
// messages sent while the connection is still down are dropped.
bool deliver(node& from, node& to, uint64_t index, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    caf::anon_send(from.transport, raft_atom_v, make_pb(append(from.id, to.id, index)));
    bool received = false;
    // Wait for the frame for at most 50 ms, then send again.
    for (bool waiting = true; waiting && !received;) {
      (*to.probe)->receive(
        [&](raft_atom, pb<raft::MessageBatch>& b) {
          for (auto& m : b->messages())
            received = received || (m.index() == index && m.from() == from.id);
        },
        caf::after(50ms) >> [&] { waiting = false; });
    }
    if (received)
      return true;
  }
  return false;
}

admin::PeerInfo peer_info(node& n, const std::string& peer_id) {
  admin::PeerInfo out;
  (*n.probe)
    ->request(n.transport, 5s, members_atom_v)
    .receive(
      [&](pb<admin::Members>& m) {
        for (auto& p : m->nodes())
          if (p.node_id() == peer_id)
            out = p;
      },
      [&](caf::error& e) { ADD_FAILURE() << n.sys->render(e); });
  return out;
}

TEST(TransportOverTcp, DeliversInBothDirections) {
  node a("n1", 0);
  node b("n2", 0);
  a.start_transport("n2", b.port);
  b.start_transport("n1", a.port);
  EXPECT_TRUE(deliver(a, b, 1, 10s));
  EXPECT_TRUE(deliver(b, a, 2, 10s));
  EXPECT_TRUE(peer_info(a, "n2").connected());
  EXPECT_GE(peer_info(b, "n1").messages_received(), 1u);
}

TEST(TransportOverTcp, ReconnectsToARestartedPeerOnTheSamePort) {
  node a("n1", 0);
  auto b = std::make_unique<node>("n2", 0);
  auto b_port = b->port;
  a.start_transport("n2", b_port);
  b->start_transport("n1", a.port);
  ASSERT_TRUE(deliver(a, *b, 1, 10s));

  // n2's actor system goes away, and a new incarnation of n2 is published on
  // the same port. Frames can only reach it through a new connection.
  b.reset();
  node b2("n2", b_port);
  ASSERT_EQ(b2.port, b_port);
  b2.start_transport("n1", a.port);
  EXPECT_TRUE(deliver(a, b2, 2, 10s));
  EXPECT_TRUE(deliver(b2, a, 3, 10s));
  auto info = peer_info(a, "n2");
  EXPECT_TRUE(info.connected());
  EXPECT_EQ(info.reconnect_attempts(), 0u);
}

TEST(TransportOverTcp, ReconnectsToARestartedServiceOfALiveNode) {
  node a("n1", 0);
  node b("n2", 0);
  a.start_transport("n2", b.port);
  b.start_transport("n1", a.port);
  ASSERT_TRUE(deliver(a, b, 1, 10s));
  // Same process, same node id, new published actor: the old handle is dead
  // and only a new connect finds its successor.
  b.restart_service();
  EXPECT_TRUE(deliver(a, b, 2, 10s));
  EXPECT_TRUE(peer_info(a, "n2").connected());
}

} // namespace
