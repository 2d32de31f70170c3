// Operator proofs: only an operator may inject faults; a proof is bound to
// its node, its time and its nonce.
#include <ctime>

#include <gtest/gtest.h>

#include "actors/security/core/operator_proof.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/unit/security_results.hpp"
#include "tests/unit/storage_test_dir.hpp"

namespace keel::security {
namespace {

using storage::test::temp_dir;
using test::ok;
using test::refusal;

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
    return ok(trust::with_certificates(ca.ca_file(), f.cert, f.key));
  }
  trust node = load("n1", "keel-node");
  operator_gate gate{node, "n1"};
};

TEST_F(operator_test, an_operator_certificate_is_accepted) {
  auto op = load("alice", "keel-operator");
  auto req = partition("n2");
  attach_operator_proof(op, "n1", now_ms, req);
  EXPECT_TRUE(gate.check(req, now_ms).ok());
}

TEST_F(operator_test, a_request_without_proof_or_from_a_client_is_refused) {
  auto req = partition("n2");
  auto bare = gate.check(req, now_ms);
  ASSERT_EQ(refusal(bare), errc::no_proof);
  EXPECT_NE(bare.error().detail.find("operator certificate"), std::string::npos);
  auto client = load("bob", "keel-client");
  attach_operator_proof(client, "n1", now_ms, req);
  EXPECT_EQ(refusal(gate.check(req, now_ms)), errc::wrong_identity);
}

TEST_F(operator_test, a_proof_is_good_once_for_one_node_and_one_request) {
  auto op = load("alice", "keel-operator");
  auto req = partition("n2");
  attach_operator_proof(op, "n1", now_ms, req);
  EXPECT_TRUE(gate.check(req, now_ms).ok());
  auto again = gate.check(req, now_ms);
  ASSERT_EQ(refusal(again), errc::replayed);
  EXPECT_NE(again.error().detail.find("replay"), std::string::npos);
  auto for_n2 = partition("n2");
  attach_operator_proof(op, "n2", now_ms, for_n2);
  EXPECT_EQ(refusal(gate.check(for_n2, now_ms)), errc::bad_proof);
  auto changed = partition("n2");
  attach_operator_proof(op, "n1", now_ms, changed);
  changed.mutable_partition()->set_peer("n3"); // the proof covers the request
  EXPECT_EQ(refusal(gate.check(changed, now_ms)), errc::bad_proof);
}

TEST_F(operator_test, a_stale_or_future_proof_is_refused) {
  auto op = load("alice", "keel-operator");
  auto req = partition("n2");
  attach_operator_proof(op, "n1", now_ms - 120'000, req);
  EXPECT_EQ(refusal(gate.check(req, now_ms)), errc::stale);
  attach_operator_proof(op, "n1", now_ms + 120'000, req);
  EXPECT_EQ(refusal(gate.check(req, now_ms)), errc::stale);
}

TEST_F(operator_test, a_malformed_proof_and_a_full_nonce_table_are_refused) {
  auto op = load("alice", "keel-operator");
  auto req = partition("n2");
  attach_operator_proof(op, "n1", now_ms, req);
  auto cut = req;
  cut.mutable_proof()->set_nonce("short");
  EXPECT_EQ(refusal(gate.check(cut, now_ms)), errc::malformed);
  operator_gate small{node, "n1", /*window_ms=*/60'000, /*max_nonces=*/1};
  EXPECT_TRUE(small.check(req, now_ms).ok());
  auto next = partition("n2");
  attach_operator_proof(op, "n1", now_ms, next);
  EXPECT_EQ(refusal(small.check(next, now_ms)), errc::busy);
}

TEST(operator_secret, the_cluster_secret_makes_an_operator_in_a_plaintext_cluster) {
  auto t = ok(trust::with_secret(std::string(32, 's')));
  auto wrong = ok(trust::with_secret(std::string(32, 'w')));
  operator_gate gate{t, "n1"};
  auto req = partition("n2");
  attach_operator_proof(t, "n1", now_ms, req);
  EXPECT_TRUE(gate.check(req, now_ms).ok());
  attach_operator_proof(wrong, "n1", now_ms, req);
  EXPECT_EQ(refusal(gate.check(req, now_ms)), errc::bad_proof);
}

} // namespace
} // namespace keel::security
