// trust: certificates bind roles and node ids; proofs are checked against the
// CA, the role, the name, the time and the key; a secret cluster checks HMACs.
#include <ctime>

#include <gtest/gtest.h>

#include "actors/security/core/trust.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_trust.hpp"
#include "tests/unit/security_results.hpp"
#include "tests/unit/storage_test_dir.hpp"

namespace keel::security {
namespace {

using keel::test::now_s; // cert validity only
using storage::test::temp_dir;
using test::ok;
using test::refusal;

trust load(const testing::test_ca& ca, const testing::test_ca::files& f) {
  return ok(trust::with_certificates(ca.ca_file(), f.cert, f.key));
}

struct trust_test : ::testing::Test {
  temp_dir dir;
  testing::test_ca ca{dir.path().string()};
};

TEST_F(trust_test, a_node_proves_its_id_with_its_certificate) {
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  auto n2 = load(ca, ca.issue("n2", "keel-node"));
  auto proof = n1.prove("label", "message");
  auto who = n2.check("label", "message", proof, n1.certificate(), role::node, "n1", now_s);
  ASSERT_TRUE(who.ok()) << who.error().detail;
  EXPECT_EQ(who->name, "n1");
}

TEST_F(trust_test, the_certificate_of_another_node_id_is_refused) {
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  auto proof = n1.prove("label", "message");
  auto who = n1.check("label", "message", proof, n1.certificate(), role::node, "n2", now_s);
  ASSERT_EQ(refusal(who), errc::wrong_identity);
  EXPECT_NE(who.error().detail.find("CN=n1, not CN=n2"), std::string::npos);
}

TEST_F(trust_test, a_client_certificate_cannot_act_as_a_node_or_operator) {
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  auto client = load(ca, ca.issue("n2", "keel-client"));
  auto proof = client.prove("label", "m");
  EXPECT_EQ(refusal(n1.check("label", "m", proof, client.certificate(), role::node, "n2", now_s)),
            errc::wrong_identity);
  EXPECT_EQ(
    refusal(n1.check("label", "m", proof, client.certificate(), role::operator_, "", now_s)),
    errc::wrong_identity);
}

TEST_F(trust_test, a_certificate_from_another_ca_is_refused) {
  temp_dir other_dir;
  testing::test_ca other{other_dir.path().string(), "other"};
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  auto rogue = load(other, other.issue("n2", "keel-node"));
  auto proof = rogue.prove("label", "m");
  auto who = n1.check("label", "m", proof, rogue.certificate(), role::node, "n2", now_s);
  ASSERT_EQ(refusal(who), errc::untrusted);
  EXPECT_NE(who.error().detail.find("not trusted"), std::string::npos);
}

TEST_F(trust_test, an_expired_certificate_is_refused_at_the_given_time) {
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  auto old = load(ca, ca.issue("n2", "keel-node", /*days=*/5, /*valid_from_days=*/-10));
  auto proof = old.prove("label", "m");
  EXPECT_EQ(refusal(n1.check("label", "m", proof, old.certificate(), role::node, "n2", now_s)),
            errc::untrusted);
  // The same certificate at a time when it was valid passes: time is an input.
  EXPECT_TRUE(
    n1.check("label", "m", proof, old.certificate(), role::node, "n2", now_s - 7 * 86400).ok());
}

TEST_F(trust_test, a_signature_over_another_message_or_label_is_refused) {
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  auto n2 = load(ca, ca.issue("n2", "keel-node"));
  auto proof = n2.prove("label", "message");
  EXPECT_EQ(refusal(n1.check("label", "messagE", proof, n2.certificate(), role::node, "n2", now_s)),
            errc::bad_proof);
  EXPECT_EQ(refusal(n1.check("other", "message", proof, n2.certificate(), role::node, "n2", now_s)),
            errc::bad_proof);
}

TEST_F(trust_test, someone_elses_certificate_without_its_key_proves_nothing) {
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  auto n2 = load(ca, ca.issue("n2", "keel-node"));
  auto thief = load(ca, ca.issue("client", "keel-client"));
  // The thief presents n2's (public) certificate but can only sign with its own key.
  auto proof = thief.prove("label", "m");
  EXPECT_EQ(refusal(n1.check("label", "m", proof, n2.certificate(), role::node, "n2", now_s)),
            errc::bad_proof);
}

TEST_F(trust_test, garbage_and_oversized_certificates_are_refused) {
  auto n1 = load(ca, ca.issue("n1", "keel-node"));
  EXPECT_EQ(refusal(n1.check_certificate("", role::node, "n2", now_s)), errc::no_certificate);
  for (std::string bad :
       {std::string{"not a certificate"}, std::string(max_certificate_bytes + 1, 'A'),
        std::string{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}})
    EXPECT_EQ(refusal(n1.check_certificate(bad, role::node, "n2", now_s)), errc::malformed)
      << bad.substr(0, 40);
}

TEST_F(trust_test, loading_names_the_file_that_is_wrong) {
  auto f = ca.issue("n1", "keel-node");
  auto other = ca.issue("n2", "keel-node");
  auto missing = trust::with_certificates(ca.ca_file(), dir.sub("nope.pem"), f.key);
  ASSERT_EQ(refusal(missing), errc::bad_files);
  EXPECT_NE(missing.error().detail.find("nope.pem"), std::string::npos);
  auto mismatch = trust::with_certificates(ca.ca_file(), f.cert, other.key);
  ASSERT_EQ(refusal(mismatch), errc::bad_files);
  EXPECT_NE(mismatch.error().detail.find("does not belong"), std::string::npos);
  auto bad_ca = trust::with_certificates(f.key, f.cert, f.key);
  EXPECT_EQ(refusal(bad_ca), errc::bad_files);
}

TEST(trust_secret, proofs_need_the_same_secret) {
  auto a = ok(trust::with_secret(std::string(32, 'a')));
  auto b = ok(trust::with_secret(std::string(32, 'b')));
  auto proof = a.prove("label", "m");
  EXPECT_TRUE(a.check("label", "m", proof, "", role::node, "n1", 0).ok());
  EXPECT_EQ(refusal(b.check("label", "m", proof, "", role::node, "n1", 0)), errc::bad_proof);
  EXPECT_EQ(refusal(a.check("label", "m2", proof, "", role::node, "n1", 0)), errc::bad_proof);
  EXPECT_EQ(refusal(a.check("label", "m", proof, "PEM", role::node, "n1", 0)), errc::wrong_mode);
  EXPECT_EQ(refusal(a.check_certificate("PEM", role::node, "n1", 0)), errc::wrong_mode);
}

TEST(trust_secret, a_short_secret_is_refused) {
  EXPECT_EQ(refusal(trust::with_secret("short")), errc::short_secret);
}

} // namespace
} // namespace keel::security
