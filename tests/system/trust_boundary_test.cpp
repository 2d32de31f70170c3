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
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/client/client.hpp"
#include "local_cluster.hpp"
#include "messages/service_api.hpp"
#include "messages/type_ids.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;

constexpr int boundary_shards = 4;

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
  for (uint32_t shard = 0; shard < boundary_shards; ++shard) {
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
  test::local_cluster cluster{3, boundary_shards, 3, "", /*tls=*/false}; // the plaintext boundary
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
  test::local_cluster cluster{3, boundary_shards, 3, "", /*tls=*/false}; // the plaintext boundary
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
  test::local_cluster cluster{3, boundary_shards, 3, "", /*tls=*/false};
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
  test::local_cluster cluster{3, boundary_shards, 3, "", /*tls=*/false}; // the plaintext boundary
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

kv::Request batch_put(uint64_t client_id, uint64_t seq, const std::string& key,
                      const std::string& value) {
  kv::Request r;
  r.set_client_id(client_id);
  r.set_seq(seq);
  r.mutable_put()->set_key(key);
  r.mutable_put()->set_value(value);
  return r;
}

// Sends `batch` to `target` from `self` and collects the answers that come
// within `wait` (the service answers each request as it is ready, so they
// may come in several messages).
std::vector<kv::ResponseBatch> send_batch(caf::scoped_actor& self, const caf::actor& target,
                                          const kv::RequestBatch& batch, size_t expected_answers,
                                          std::chrono::milliseconds wait = 10s) {
  self->send(target, kv_atom_v, make_pb(batch));
  std::vector<kv::ResponseBatch> got;
  size_t answers = 0;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (answers < expected_answers && std::chrono::steady_clock::now() < deadline) {
    self->receive(
      [&](kv_atom, pb<kv::ResponseBatch>& b) {
        answers += static_cast<size_t>(b->responses_size()) + (b->refusal().empty() ? 0 : 1);
        got.push_back(std::move(b.msg));
      },
      caf::after(std::chrono::milliseconds(200)) >> [] {});
  }
  return got;
}

std::map<uint64_t, std::vector<kv::Response>> by_tag(const std::vector<kv::ResponseBatch>& got) {
  std::map<uint64_t, std::vector<kv::Response>> out;
  for (auto& b : got)
    for (auto& t : b.responses())
      out[t.tag()].push_back(t.response());
  return out;
}

// Request batches (kv.proto, RequestBatch) as an attacker sends them, to every
// node's client port: one above the limit is refused whole and runs nothing;
// a bad request in a batch gets its own answer and spoils no other; a batch
// replayed word for word is applied once (the session's seq, Raft thesis
// §6.3); a batch without a sender is dropped. Every node serves on.
TEST(TrustBoundary, ForgedOversizedAndReplayedRequestBatchesLoseNothing) {
  test::local_cluster cluster{3, boundary_shards, 3, "", /*tls=*/false};
  cluster.start_all();
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options()};
  auto warm = s.put("warm", "up");
  ASSERT_TRUE(warm.ok()) << warm.error;

  attacker mallory;
  caf::scoped_actor self{*mallory.sys};
  std::map<std::string, caf::actor> ports;
  for (auto& id : cluster.node_ids()) {
    auto target = mallory.sys->middleman().remote_actor("127.0.0.1", cluster.port(id));
    ASSERT_TRUE(target) << id;
    ports[id] = *target;
  }

  // Part 2 reads a key serializably at every node, where a replica that has
  // applied nothing yet rightly answers UNAVAILABLE: the write above commits
  // at a majority, so wait until every replica of the key's shard has applied.
  kv::RequestBatch probe;
  probe.set_batch_id(76);
  auto* p = probe.add_requests();
  p->set_tag(1);
  p->mutable_request()->mutable_get()->set_key("never-written");
  p->mutable_request()->mutable_get()->set_serializable(true);
  for (auto& [id, target] : ports)
    ASSERT_TRUE(test::eventually(
      [&] {
        auto answers = by_tag(send_batch(self, target, probe, 1));
        return answers[1].size() == 1 && answers[1][0].status() == kv::STATUS_NOT_FOUND;
      },
      20s))
      << id << " never applied the first entry of the key's shard";

  for (auto& [id, target] : ports) {
    // 1. One request more than the limit: refused whole, with the reason.
    kv::RequestBatch over;
    over.set_batch_id(77);
    for (int i = 0; i <= max_batch_requests; ++i) {
      auto* t = over.add_requests();
      t->set_tag(static_cast<uint64_t>(i));
      *t->mutable_request() = batch_put(9001, static_cast<uint64_t>(i + 1), "over-" + id, "x");
    }
    auto got = send_batch(self, target, over, 1);
    ASSERT_EQ(got.size(), 1u) << id;
    EXPECT_EQ(got[0].refused_batch_id(), 77u);
    EXPECT_NE(got[0].refusal().find("at most"), std::string::npos) << got[0].refusal();
    EXPECT_EQ(got[0].responses_size(), 0);

    // 2. Bad requests beside good ones: each answered on its own; a tag used
    // twice is answered twice.
    kv::RequestBatch mixed;
    mixed.set_batch_id(78);
    auto add = [&](uint64_t tag, kv::Request r) {
      auto* t = mixed.add_requests();
      t->set_tag(tag);
      *t->mutable_request() = std::move(r);
    };
    add(1, batch_put(0, 0, std::string(5000, 'k'), "v")); // key above max_key_bytes
    add(2, kv::Request{});                                // no operation at all
    kv::Request read;
    read.mutable_get()->set_key("never-written"); // the same answer at every replica
    read.mutable_get()->set_serializable(true);
    add(3, read);
    add(3, read);
    auto answers = by_tag(send_batch(self, target, mixed, 4));
    ASSERT_EQ(answers[1].size(), 1u) << id;
    EXPECT_EQ(answers[1][0].status(), kv::STATUS_INVALID_ARGUMENT);
    EXPECT_NE(answers[1][0].error().find("max_key_bytes"), std::string::npos);
    ASSERT_EQ(answers[2].size(), 1u) << id;
    EXPECT_EQ(answers[2][0].status(), kv::STATUS_INVALID_ARGUMENT);
    ASSERT_EQ(answers[3].size(), 2u) << id;
    for (auto& r : answers[3])
      EXPECT_EQ(r.status(), kv::STATUS_NOT_FOUND) << r.error();

    // 3. A batch without a sender has nowhere to be answered: dropped.
    caf::anon_send(target, kv_atom_v, make_pb(mixed));
  }

  // 4. A write batch replayed word for word: applied once. A create-if-absent,
  // so that a second application would answer CAS_MISMATCH where the
  // session's cached answer (thesis §6.3) repeats OK. Sent to every node, so
  // that one of them leads the key's shard.
  kv::RequestBatch once;
  once.set_batch_id(79);
  auto* t = once.add_requests();
  t->set_tag(1);
  t->mutable_request()->set_client_id(4242);
  t->mutable_request()->set_seq(1);
  t->mutable_request()->mutable_cas()->set_key("replayed");
  t->mutable_request()->mutable_cas()->set_expect_absent(true);
  t->mutable_request()->mutable_cas()->set_value("first");
  std::string leader;
  uint64_t index = 0;
  for (auto& [id, target] : ports) {
    auto answers = by_tag(send_batch(self, target, once, 1));
    ASSERT_EQ(answers[1].size(), 1u) << id;
    if (answers[1][0].status() == kv::STATUS_OK) {
      leader = id;
      index = answers[1][0].index();
    } else {
      EXPECT_EQ(answers[1][0].status(), kv::STATUS_NOT_LEADER) << id;
    }
  }
  ASSERT_FALSE(leader.empty()) << "no node applied the write";
  EXPECT_GT(index, 0u);
  auto again = by_tag(send_batch(self, ports[leader], once, 1));
  ASSERT_EQ(again[1].size(), 1u);
  EXPECT_EQ(again[1][0].status(), kv::STATUS_OK)
    << "the replayed write was applied a second time: " << again[1][0].error();
  EXPECT_EQ(again[1][0].index(), index) << "the replay's answer names another log index";

  // Nothing of the refused batches ran, and every node serves on.
  for (auto& id : cluster.node_ids()) {
    EXPECT_TRUE(cluster.running(id)) << id;
    EXPECT_EQ(s.get("over-" + id).outcome, client::outcome::not_found) << id;
  }
  auto r = s.get("replayed");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value, "first");
  EXPECT_TRUE(s.put("after", "batches").ok());
}

} // namespace
