// Operator proofs: only an operator may inject faults; a proof is bound to
// its node, its time and its nonce.
#include <ctime>
#include <variant>

#include <gtest/gtest.h>

#include "actors/security/core/operator_proof.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/unit/storage_test_dir.hpp"

namespace keel::security {
namespace {

using storage::test::temp_dir;

const uint64_t now_ms = static_cast<uint64_t>(std::time(nullptr)) * 1000;

admin::FaultRequest partition(const std::string& peer) {
  admin::FaultRequest r;
  r.mutable_partition()->set_peer(peer);
  return r;
}

struct operator_test : ::testing::Test {
  temp_dir dir;
  testing::test_ca ca{dir.path().string()};
  trust load(const std::string& cn, const std::string& ou) {
    auto f = ca.issue(cn, ou);
    return std::get<trust>(trust::with_certificates(ca.ca_file(), f.cert, f.key));
  }
  trust node = load("n1", "keel-node");
  operator_gate gate{node, "n1"};
};

TEST_F(operator_test, an_operator_certificate_is_accepted) {
  auto op = load("alice", "keel-operator");
  auto req = partition("n2");
  attach_operator_proof(op, "n1", now_ms, req);
  EXPECT_EQ(gate.check(req, now_ms), std::nullopt);
}

TEST_F(operator_test, a_request_without_proof_or_from_a_client_is_refused) {
  auto req = partition("n2");
  ASSERT_TRUE(gate.check(req, now_ms).has_value());
  EXPECT_NE(gate.check(req, now_ms)->find("operator certificate"), std::string::npos);
  auto client = load("bob", "keel-client");
  attach_operator_proof(client, "n1", now_ms, req);
  EXPECT_TRUE(gate.check(req, now_ms).has_value());
}

TEST_F(operator_test, a_proof_is_good_once_for_one_node_and_one_request) {
  auto op = load("alice", "keel-operator");
  auto req = partition("n2");
  attach_operator_proof(op, "n1", now_ms, req);
  EXPECT_EQ(gate.check(req, now_ms), std::nullopt);
  EXPECT_NE(gate.check(req, now_ms)->find("replay"), std::string::npos);
  auto for_n2 = partition("n2");
  attach_operator_proof(op, "n2", now_ms, for_n2);
  EXPECT_TRUE(gate.check(for_n2, now_ms).has_value());
  auto changed = partition("n2");
  attach_operator_proof(op, "n1", now_ms, changed);
  changed.mutable_partition()->set_peer("n3"); // the proof covers the request
  EXPECT_TRUE(gate.check(changed, now_ms).has_value());
}

TEST_F(operator_test, a_stale_or_future_proof_is_refused) {
  auto op = load("alice", "keel-operator");
  auto req = partition("n2");
  attach_operator_proof(op, "n1", now_ms - 120'000, req);
  EXPECT_TRUE(gate.check(req, now_ms).has_value());
  attach_operator_proof(op, "n1", now_ms + 120'000, req);
  EXPECT_TRUE(gate.check(req, now_ms).has_value());
}

TEST(operator_secret, the_cluster_secret_makes_an_operator_in_a_plaintext_cluster) {
  auto t = std::get<trust>(trust::with_secret(std::string(32, 's')));
  auto wrong = std::get<trust>(trust::with_secret(std::string(32, 'w')));
  operator_gate gate{t, "n1"};
  auto req = partition("n2");
  attach_operator_proof(t, "n1", now_ms, req);
  EXPECT_EQ(gate.check(req, now_ms), std::nullopt);
  attach_operator_proof(wrong, "n1", now_ms, req);
  EXPECT_TRUE(gate.check(req, now_ms).has_value());
}

} // namespace
} // namespace keel::security
