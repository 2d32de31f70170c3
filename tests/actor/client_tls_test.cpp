// The client runtime over TLS (CAF's openssl module), for real: a fake node's
// client service published with caf::openssl::publish on 127.0.0.1 in a
// second actor system, which demands a certificate signed by its CA, and
// client runtimes that present the right certificate, none, or another CA's.
//
// The certificates are made per test by tests/support/test_certs.hpp (the
// OpenSSL API): nothing secret is committed, nothing expires in the
// repository, and the test needs no openssl command line. scripts/gen-certs.sh
// makes the same kind of set for users and has its own test (gen_certs).
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include <gtest/gtest.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"

#include "actors/client/client.hpp"
#include "client_fake_node.hpp"
#include "test_certs.hpp"
#include "tests/unit/storage_test_dir.hpp"

namespace {

using namespace keel;
using namespace std::chrono_literals;
using client::outcome;

/// A fresh directory for the certificates; removed afterwards.
struct cert_dir : keel::storage::test::temp_dir {
  std::string path = keel::storage::test::temp_dir::path().string();
};

/// A node's client service published over TLS on 127.0.0.1 (any free port),
/// in an actor system of its own, as keel-node runs it in its own process.
struct tls_node {
  caf::actor_system_config cfg; // outlives the system
  std::optional<caf::actor_system> sys;
  caf::actor service;
  uint16_t port = 0;

  tls_node(const keel::testing::test_ca::files& node_cert, const std::string& ca_file) {
    cfg.load<caf::io::middleman>();
    cfg.load<caf::openssl::manager>();
    register_message_types(cfg);
    // The same heartbeat settings as the client runtime's defaults (field
    // guide §0, pitfall 8).
    client::transport_options t;
    cfg.set("middleman.heartbeat-interval",
            caf::timespan{std::chrono::milliseconds(t.heartbeat_ms)});
    cfg.set("middleman.connection-timeout",
            caf::timespan{std::chrono::milliseconds(t.connection_timeout_ms)});
    cfg.set("openssl.cafile", ca_file);
    cfg.set("openssl.certificate", node_cert.cert);
    cfg.set("openssl.key", node_cert.key);
    sys.emplace(cfg);
    auto node = std::make_shared<test::fake_node>();
    node->id = "n1";
    node->store = std::make_shared<test::fake_store>();
    node->otherwise = test::act::serve;
    service = sys->spawn(test::fake_service, node);
    auto published = caf::openssl::publish(service, 0, "127.0.0.1", true);
    if (!published)
      throw std::runtime_error("openssl::publish failed: " + caf::to_string(published.error()));
    port = *published;
  }

  ~tls_node() {
    // Field guide §8: unpublish and stop the actor, or the system never exits.
    // (caf/openssl/unpublish.hpp of 0.17.6 does not compile: ask the manager.)
    caf::scoped_actor self{*sys};
    self
      ->request(sys->openssl_manager().actor_handle(), std::chrono::seconds(5),
                caf::unpublish_atom::value, service.address(), port)
      .receive([] {}, [](caf::error&) {});
    caf::anon_send_exit(service, caf::exit_reason::user_shutdown);
  }
};

std::string made(const std::string& dir) {
  std::filesystem::create_directories(dir);
  return dir;
}

struct ClientTls : ::testing::Test {
  cert_dir dir;
  keel::testing::test_ca ca{dir.path, "main"};
  keel::testing::test_ca other_ca{made(dir.path + "/other"), "other"}; // its own ca.pem
  std::optional<tls_node> node;

  ClientTls() { node.emplace(ca.issue("n1", "keel-node"), ca.ca_file()); }

  client::options options() const {
    client::options o;
    o.endpoints.push_back(client::endpoint{"n1", "127.0.0.1", node->port});
    // Room for a refused TLS handshake to be reported as refused: under ASan
    // (CI's sanitizer step) OpenSSL's failing handshake alone can take over
    // 1.5 s, and the budget running out first hides the reason.
    o.timeout_ms = 5000;
    return o;
  }

  client::transport_options with_tls(const keel::testing::test_ca::files& me,
                                     const std::string& ca_file) const {
    client::transport_options t;
    t.tls = client::tls_settings{ca_file, me.cert, me.key, ""};
    return t;
  }
};

TEST_F(ClientTls, ClientWithACertificateOfTheNodesCaReadsAndWrites) {
  client::runtime rt{with_tls(ca.issue("client", "keel-client"), ca.ca_file())};
  client::session s{rt, options()};
  auto put = s.put("k", "v");
  ASSERT_EQ(put.outcome, outcome::ok) << put.error;
  EXPECT_EQ(put.node, "n1");
  auto got = s.get("k");
  ASSERT_EQ(got.outcome, outcome::ok) << got.error;
  EXPECT_EQ(got.value, "v");
}

TEST_F(ClientTls, PlaintextClientIsRefused) {
  client::runtime rt; // no TLS: dials through the plain middleman
  client::session s{rt, options()};
  auto put = s.put("k", "v");
  EXPECT_EQ(put.outcome, outcome::unavailable) << put.error;
  EXPECT_FALSE(put.contacted);
  // Closed during the handshake, or dropped at the first heartbeat tick before
  // it completed: which one comes first is a race; both say what to check.
  EXPECT_NE(put.error.find("need TLS?"), std::string::npos) << put.error;
}

TEST_F(ClientTls, ClientCertificateOfAnotherCaIsRefused) {
  client::runtime rt{with_tls(other_ca.issue("client", "keel-client"), ca.ca_file())};
  client::session s{rt, options()};
  auto put = s.put("k", "v");
  EXPECT_EQ(put.outcome, outcome::unavailable) << put.error;
  EXPECT_FALSE(put.contacted);
  EXPECT_NE(put.error.find("certificates not accepted"), std::string::npos) << put.error;
}

TEST_F(ClientTls, ClientThatTrustsAnotherCaRefusesTheNode) {
  client::runtime rt{with_tls(other_ca.issue("client", "keel-client"), other_ca.ca_file())};
  client::session s{rt, options()};
  auto put = s.put("k", "v");
  EXPECT_EQ(put.outcome, outcome::unavailable) << put.error;
  EXPECT_FALSE(put.contacted);
}

TEST(ClientTlsRuntime, CaFileWithoutCertificateIsAnErrorNotATerminate) {
  client::transport_options t;
  t.tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(client::runtime{t}, std::invalid_argument);
}

} // namespace
