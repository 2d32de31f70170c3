// The trust boundary, tested as an attacker would (issue 6): a program that
// knows nothing but the nodes' addresses connects to every listening port of
// every node of a running cluster and sends what once stopped a cluster for
// good: a raft heartbeat "from n2" with term 10^9 and with term 2^64-1, as a
// bare MessageBatch, inside a forged PeerFrame, and after a forged peer
// handshake. No node may adopt the term, none may crash, and the cluster keeps
// serving; the gates count what they refused.
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/client/client.hpp"
#include "local_cluster.hpp"
#include "messages/type_ids.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

constexpr int shards = 4;

uint64_t highest_term(client::session& s) {
  uint64_t term = 0;
  for (auto& st : s.status_all())
    if (st.ok())
      for (auto& sh : st.value->shards())
        term = std::max<uint64_t>(term, sh.term());
  return term;
}

// A heartbeat that claims to come from `from` to `to`, for every shard.
raft::MessageBatch forged_batch(const std::string& from, const std::string& to, uint64_t term) {
  raft::MessageBatch b;
  for (uint32_t shard = 0; shard < shards; ++shard) {
    auto* m = b.add_messages();
    m->set_type(raft::MSG_HEARTBEAT);
    m->set_shard(shard);
    m->set_from(from);
    m->set_to(to);
    m->set_term(term);
    m->set_commit(1'000'000);
  }
  return b;
}

// Bytes that a node's CAF reads as a config_value whose variant index is out
// of range: the attacker registers its own one-byte type under the built-in's
// name. CAF 0.17.6 threw on it from the middleman's deserializer, which
// terminated the node (found by fuzz/caf_message_fuzz.cpp).
struct forged_config_value {
  uint8_t variant_index = 200;
  friend bool operator==(const forged_config_value&, const forged_config_value&) { return true; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forged_config_value& x) {
  return f(x.variant_index);
}

// The attacker: its own actor system with Keel's types, and whatever else it
// chooses to register.
struct attacker {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  explicit attacker(bool forges_builtin_types = false) {
    cfg.load<caf::io::middleman>();
    register_message_types(cfg);
    if (forges_builtin_types)
      cfg.add_message_type<forged_config_value>("@config_value");
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  // Everything it can think of, at one port that claims to be `victim`'s.
  void assault(uint16_t port, const std::string& claimed_from, const std::string& victim) {
    auto target = sys->middleman().remote_actor("127.0.0.1", port);
    ASSERT_TRUE(target) << "cannot reach port " << port;
    caf::scoped_actor self{*sys};
    for (uint64_t term : {uint64_t{1'000'000'000}, std::numeric_limits<uint64_t>::max()}) {
      auto batch = forged_batch(claimed_from, victim, term);
      // 1. The frame of the original report: a bare batch to the published actor.
      caf::anon_send(*target, raft_atom_v, make_pb(batch));
      // 2. The same inside a frame of a session that does not exist.
      peer::PeerFrame frame;
      frame.set_session(42);
      frame.set_seq(1);
      frame.set_batch(batch.SerializeAsString());
      frame.set_mac(std::string(32, 'm'));
      caf::anon_send(*target, raft_atom_v, make_pb(frame));
      // 3. A handshake claiming to be a member, with a made-up proof.
      peer::PeerHello hello;
      hello.set_version(1);
      hello.set_from(claimed_from);
      hello.set_to(victim);
      hello.set_nonce(std::string(32, 'n'));
      hello.set_ephemeral_key(std::string(32, '\x09'));
      uint64_t session = 0;
      self->request(*target, 2s, peer_atom_v, make_pb(hello))
        .receive([&](pb<peer::PeerChallenge>& c) { session = c->session(); },
                 [&](caf::error&) { /* the client port does not speak the peer protocol */ });
      if (session != 0) {
        peer::PeerConfirm confirm;
        confirm.set_session(session);
        confirm.set_proof(std::string(32, 'p'));
        std::string error;
        self->request(*target, 2s, peer_atom_v, make_pb(confirm))
          .receive([&](pb<peer::PeerAccepted>& a) { error = a->error(); },
                   [&](caf::error& e) { error = sys->render(e); });
        EXPECT_FALSE(error.empty()) << "a made-up proof opened a session on port " << port;
        // And frames on that session, which the gate never opened.
        frame.set_session(session);
        caf::anon_send(*target, raft_atom_v, make_pb(frame));
      }
    }
  }
};

TEST(TrustBoundary, ForgedRaftTrafficOnEveryPortChangesNothing) {
  test::local_cluster cluster{3, shards, 3, "", /*tls=*/false}; // the plaintext boundary
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  ASSERT_TRUE(s.put("before", "1").ok());
  auto term_before = highest_term(s);
  ASSERT_GT(term_before, 0u);

  {
    attacker mallory;
    auto ids = cluster.node_ids();
    for (size_t i = 0; i < ids.size(); ++i) {
      auto& victim = ids[i];
      auto& claimed = ids[(i + 1) % ids.size()];
      mallory.assault(cluster.port(victim), claimed, victim);
      mallory.assault(cluster.peer_port(victim), claimed, victim);
    }
  }
  // Wait until the gates have counted what they refused (the membership view
  // is sampled every heartbeat): by then every forged message has arrived.
  // Per node: 2 terms x (frame of no session + frame of a refused session).
  uint64_t unauthenticated = 0, refused = 0;
  test::eventually(
    [&] {
      unauthenticated = refused = 0;
      for (auto& m : s.members_all())
        if (m.ok()) {
          unauthenticated += m.value->dropped_unauthenticated();
          refused += m.value->refused_handshakes();
        }
      return unauthenticated >= 12 && refused >= 6;
    },
    10s);
  EXPECT_GE(unauthenticated, 12u);
  EXPECT_GE(refused, 6u);

  for (auto& id : cluster.node_ids())
    EXPECT_TRUE(cluster.running(id)) << id << " died";
  EXPECT_LT(highest_term(s), 1000u) << "a forged term was adopted";
  auto w = s.put("after", "2");
  EXPECT_TRUE(w.ok()) << w.error;
  auto r = s.get("before");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, "1");
}

TEST(TrustBoundary, APlaintextFaultRequestWithoutTheSecretIsRefused) {
  test::local_cluster cluster{3, shards, 3, "", /*tls=*/false}; // the plaintext boundary
  cluster.start_all();
  // keelctl with --config signs with the cluster secret: accepted.
  auto ok = cluster.keelctl({"fault", "partition", "n1", "n2"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(cluster.keelctl({"fault", "heal", "n1"}).code, 0);
  // A client that knows only the address sends an unsigned request: refused.
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  admin::FaultRequest req;
  req.mutable_partition()->set_peer("n2");
  auto r = s.fault(0, req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value->ok());
  EXPECT_NE(r.value->error().find("cluster secret"), std::string::npos) << r.value->error();
}

// Restart counts of every actor of a node's tree, by path.
void restart_counts(const admin::ActorInfo& a, std::map<std::string, uint32_t>& out) {
  out[a.path()] = a.restart_count();
  for (auto& c : a.children())
    restart_counts(c, out);
}

TEST(TrustBoundary, RemoteExitAndErrorMessagesCannotStopAPublishedActor) {
  test::local_cluster cluster{3, shards, 3, "", /*tls=*/false};
  cluster.start_all();
  {
    attacker mallory;
    for (auto& id : cluster.node_ids())
      for (auto port : {cluster.port(id), cluster.peer_port(id)}) {
        auto target = mallory.sys->middleman().remote_actor("127.0.0.1", port);
        ASSERT_TRUE(target);
        // kill cannot be trapped by any actor that receives it.
        caf::anon_send_exit(*target, caf::exit_reason::kill);
        caf::anon_send_exit(*target, caf::exit_reason::user_shutdown);
        caf::anon_send(*target, caf::make_error(caf::sec::runtime_error));
      }
    std::this_thread::sleep_for(1s);
  }
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  for (auto& t : s.tree_all()) {
    ASSERT_TRUE(t.ok()) << t.error;
    std::map<std::string, uint32_t> counts;
    restart_counts(t.value->root(), counts);
    auto root = "/" + t.value->node_id();
    EXPECT_EQ(counts[root + "/service"], 0u) << root;
    EXPECT_EQ(counts[root + "/replication/gate"], 0u) << root;
  }
  EXPECT_TRUE(s.put("still", "serving").ok());
}

// One message of a type Keel never sends, built to make CAF's deserializer
// throw, at every port of every node: refused by the type allowlist
// (actors/client/message_type_filter.cpp), so every node lives and serves.
TEST(TrustBoundary, AForgedBuiltinTypeCannotTerminateANode) {
  test::local_cluster cluster{3, shards, 3, "", /*tls=*/false}; // the plaintext boundary
  cluster.start_all();
  {
    attacker mallory{/*forges_builtin_types=*/true};
    for (auto& id : cluster.node_ids())
      for (auto port : {cluster.port(id), cluster.peer_port(id)}) {
        auto target = mallory.sys->middleman().remote_actor("127.0.0.1", port);
        ASSERT_TRUE(target) << "cannot reach port " << port;
        caf::anon_send(*target, forged_config_value{});
        caf::anon_send(*target, kv_atom_v, forged_config_value{});
      }
    std::this_thread::sleep_for(1s);
  }
  for (auto& id : cluster.node_ids())
    EXPECT_TRUE(cluster.running(id)) << id << " died of a forged message";
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  auto w = s.put("after", "forged");
  EXPECT_TRUE(w.ok()) << w.error;
}

} // namespace
