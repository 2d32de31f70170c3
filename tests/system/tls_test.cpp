// A TLS cluster (mutual TLS through CAF's openssl module, identities bound by
// Keel's peer handshake): it serves clients with the cluster's certificates,
// and refuses a plaintext client, a certificate from another CA, a node
// certificate that claims another node's id, and faults from a mere client.
// (ctest's system_tls entry also runs every other system test on TLS.)
#include <chrono>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"

#include "actors/client/client.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "local_cluster.hpp"
#include "messages/type_ids.hpp"
#include "test_certs.hpp"

namespace {

using namespace keel;

// The handshakes these tests make by hand are about proofs, not data
// directories: they all share one book, so one incarnation.
security::peer_incarnations book{0x1c0ffee};
using namespace std::chrono_literals;

// An actor system that dials with TLS, presenting `cert`/`key` and trusting `ca`.
std::unique_ptr<caf::actor_system> tls_system(caf::actor_system_config& cfg, const std::string& ca,
                                              const std::string& cert, const std::string& key) {
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  register_message_types(cfg);
  cfg.set("openssl.cafile", ca);
  cfg.set("openssl.certificate", cert);
  cfg.set("openssl.key", key);
  return std::make_unique<caf::actor_system>(cfg);
}

TEST(Tls, AClusterWithTlsServesItsClients) {
  test::local_cluster cluster{3, 3, 3, "", /*tls=*/true};
  cluster.start_all();
  auto put = cluster.keelctl({"put", "k", "v"});
  ASSERT_EQ(put.code, 0) << put.err;
  auto get = cluster.keelctl({"get", "k"});
  EXPECT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.out, "v\n");
  client::runtime rt{cluster.transport()};
  client::session s{rt, cluster.client_options(5000)};
  EXPECT_TRUE(s.put("lib", "x").ok());
  // Every node authenticates every peer: members shows them all connected.
  auto all_connected = [&] {
    for (auto& m : s.members_all()) {
      if (!m.ok())
        return false;
      for (auto& p : m.value->nodes())
        if (!p.self() && !p.connected())
          return false;
    }
    return true;
  };
  EXPECT_TRUE(test::eventually(all_connected, 10s));
}

TEST(Tls, APlaintextClientIsRefused) {
  test::local_cluster cluster{1, 1, 1, "", /*tls=*/true};
  ASSERT_TRUE(cluster.start("n1"));
  client::runtime plain; // no TLS settings
  client::session s{plain, cluster.client_options(5000)};
  auto r = s.put("k", "v");
  EXPECT_FALSE(r.ok());
  auto via_keelctl = test::run_program(
    std::string(KEEL_BIN_DIR) + "/keelctl",
    {"--endpoints", "127.0.0.1:" + std::to_string(cluster.port("n1")), "put", "k", "v"}, 30s);
  EXPECT_NE(via_keelctl.code, 0);
  EXPECT_FALSE(via_keelctl.err.empty());
}

TEST(Tls, ACertificateFromAnotherCaIsRefusedOnBothPorts) {
  test::local_cluster cluster{1, 1, 1, "", /*tls=*/true};
  ASSERT_TRUE(cluster.start("n1"));
  auto rogue_dir = cluster.dir() + "/rogue";
  std::filesystem::create_directories(rogue_dir);
  keel::testing::test_ca rogue{rogue_dir, "rogue"};
  auto f = rogue.issue("n2", "keel-node");
  caf::actor_system_config cfg;
  auto sys = tls_system(cfg, rogue.ca_file(), f.cert, f.key);
  for (auto port : {cluster.port("n1"), cluster.peer_port("n1")}) {
    auto h = caf::openssl::remote_actor(*sys, "127.0.0.1", port);
    EXPECT_FALSE(h) << "port " << port << " accepted a foreign CA";
  }
  // The same with keelctl and a client certificate of the rogue CA.
  auto r = cluster.keelctl(
    {"--cacert", cluster.certs_dir() + "/ca.pem", "--cert", f.cert, "--key", f.key, "get", "k"});
  EXPECT_NE(r.code, 0);
}

TEST(Tls, ANodeCertificateCannotClaimAnotherNodesId) {
  test::local_cluster cluster{3, 1, 3, "", /*tls=*/true};
  ASSERT_TRUE(cluster.start("n2"));
  // n3's genuine certificate (signed by the cluster's CA): TLS lets it in, the
  // peer handshake must not let it speak as n1.
  auto certs = cluster.certs_dir();
  auto n3_cert = certs + "/n3-keel-node.pem";
  auto n3_key = certs + "/n3-keel-node.key";
  caf::actor_system_config cfg;
  auto sys = tls_system(cfg, certs + "/ca.pem", n3_cert, n3_key);
  auto gate = caf::openssl::remote_actor(*sys, "127.0.0.1", cluster.peer_port("n2"));
  ASSERT_TRUE(gate) << sys->render(gate.error());
  auto n3 = security::trust::with_certificates(certs + "/ca.pem", n3_cert, n3_key);
  ASSERT_TRUE(n3.ok()) << n3.error().detail;
  security::dialer_handshake claim{*n3, book, "n1", "n2"};
  caf::scoped_actor self{*sys};
  std::string refusal;
  self->request(*gate, 5s, peer_atom_v, make_pb(claim.hello()))
    .receive([&](pb<peer::PeerChallenge>& c) { refusal = c->error(); },
             [&](caf::error& e) { refusal = "no answer: " + sys->render(e); });
  EXPECT_NE(refusal.find("CN=n3, not CN=n1"), std::string::npos) << refusal;
  // A client certificate is not a node's at all.
  auto client = security::trust::with_certificates(certs + "/ca.pem", cluster.client_cert().cert,
                                                   cluster.client_cert().key);
  ASSERT_TRUE(client.ok()) << client.error().detail;
  security::dialer_handshake as_client{*client, book, "n1", "n2"};
  self->request(*gate, 5s, peer_atom_v, make_pb(as_client.hello()))
    .receive([&](pb<peer::PeerChallenge>& c) { refusal = c->error(); },
             [&](caf::error& e) { refusal = "no answer: " + sys->render(e); });
  EXPECT_NE(refusal.find("OU=keel-client"), std::string::npos) << refusal;
}

TEST(Tls, OnlyAnOperatorMayInjectFaults) {
  test::local_cluster cluster{3, 1, 3, "", /*tls=*/true};
  cluster.start_all();
  auto ca = cluster.certs_dir() + "/ca.pem";
  auto as_client = cluster.keelctl({"--cacert", ca, "--cert", cluster.client_cert().cert, "--key",
                                    cluster.client_cert().key, "fault", "partition", "n1", "n2"});
  EXPECT_EQ(as_client.code, 3) << as_client.out << as_client.err;
  EXPECT_NE(as_client.err.find("not an operator"), std::string::npos) << as_client.err;
  auto as_operator
    = cluster.keelctl({"--cacert", ca, "--cert", cluster.operator_cert().cert, "--key",
                       cluster.operator_cert().key, "fault", "partition", "n1", "n2"});
  EXPECT_EQ(as_operator.code, 0) << as_operator.err;
}

} // namespace
