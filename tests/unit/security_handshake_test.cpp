// The peer handshake and its frames: both ends derive the same key only when
// each proved its id; forged, replayed, relayed or tampered steps get nothing.
#include <ctime>

#include <gtest/gtest.h>

#include "actors/security/core/frame_seal.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_trust.hpp"
#include "tests/unit/security_results.hpp"
#include "tests/unit/storage_test_dir.hpp"

namespace keel::security {
namespace {

using keel::test::book;
using keel::test::members;
using keel::test::now_s;
using keel::test::secret;
using storage::test::temp_dir;
using test::ok;
using test::refusal;

// Runs a whole handshake n1 -> n2; returns both ends' keys.
std::pair<session_keys, session_keys> shake(const trust& dialer_trust, const trust& gate_trust) {
  dialer_handshake d{dialer_trust, book, "n1", "n2"};
  gate_handshakes g{gate_trust, book, "n2", members};
  auto challenge = g.on_hello(d.hello(), now_s);
  auto [confirm, dialer_keys] = ok(d.on_challenge(challenge, now_s));
  auto gate_keys = ok(g.on_confirm(confirm, now_s));
  return {dialer_keys, gate_keys};
}

TEST(peer_handshake, with_the_secret_both_ends_share_a_key_and_the_dialers_id) {
  auto t = secret();
  auto [d, g] = shake(t, t);
  EXPECT_EQ(d.key, g.key);
  EXPECT_EQ(d.session, g.session);
  EXPECT_EQ(g.peer, "n1");
  EXPECT_EQ(d.peer, "n2");
}

TEST(peer_handshake, a_dialer_without_the_secret_is_refused) {
  auto good = secret('s');
  auto bad = secret('x');
  dialer_handshake d{bad, book, "n1", "n2"};
  gate_handshakes g{good, book, "n2", members};
  auto challenge = g.on_hello(d.hello(), now_s);
  // The dialer already sees that the gate does not share its secret...
  EXPECT_EQ(refusal(d.on_challenge(challenge, now_s)), errc::bad_proof);
  // ...and a confirm it makes up does not open a session.
  peer::PeerConfirm forged;
  forged.set_session(challenge.session());
  forged.set_proof(std::string(32, 'z'));
  EXPECT_EQ(refusal(g.on_confirm(forged, now_s)), errc::bad_proof);
}

TEST(peer_handshake, a_confirm_is_good_once) {
  auto t = secret();
  dialer_handshake d{t, book, "n1", "n2"};
  gate_handshakes g{t, book, "n2", members};
  auto challenge = g.on_hello(d.hello(), now_s);
  auto [confirm, keys] = ok(d.on_challenge(challenge, now_s));
  EXPECT_TRUE(g.on_confirm(confirm, now_s).ok());
  EXPECT_EQ(refusal(g.on_confirm(confirm, now_s)), errc::unknown_session);
}

TEST(peer_handshake, a_replayed_hello_and_confirm_open_no_session) {
  auto t = secret();
  dialer_handshake d{t, book, "n1", "n2"};
  gate_handshakes g{t, book, "n2", members};
  auto c1 = g.on_hello(d.hello(), now_s);
  auto [confirm, keys] = ok(d.on_challenge(c1, now_s));
  ASSERT_TRUE(g.on_confirm(confirm, now_s).ok());
  // An eavesdropper replays both recorded messages: the gate's new challenge
  // has a new session and nonce, which the old confirm does not cover.
  auto c2 = g.on_hello(d.hello(), now_s);
  EXPECT_NE(c2.session(), c1.session());
  auto replay = confirm;
  replay.set_session(c2.session());
  EXPECT_EQ(refusal(g.on_confirm(replay, now_s)), errc::bad_proof);
}

TEST(peer_handshake, hellos_from_non_members_to_other_nodes_or_malformed_are_refused) {
  auto t = secret();
  gate_handshakes g{t, book, "n2", members};
  auto hello = dialer_handshake{t, book, "n1", "n2"}.hello();
  auto refused = [&](peer::PeerHello h) { return !g.on_hello(h, now_s).error().empty(); };
  auto h = hello;
  h.set_from("mallory");
  EXPECT_TRUE(refused(h));
  h = hello;
  h.set_from("n2"); // the gate itself
  EXPECT_TRUE(refused(h));
  h = hello;
  h.set_to("n3");
  EXPECT_TRUE(refused(h));
  h = hello;
  h.set_version(2);
  EXPECT_TRUE(refused(h));
  h = hello;
  h.set_nonce("short");
  EXPECT_TRUE(refused(h));
  h = hello;
  h.set_ephemeral_key(std::string(31, 'k'));
  EXPECT_TRUE(refused(h));
  h = hello;
  h.set_certificate("-----BEGIN CERTIFICATE-----");
  EXPECT_TRUE(refused(h));
  EXPECT_FALSE(refused(hello));
}

TEST(peer_handshake, open_challenges_are_bounded) {
  auto t = secret();
  gate_handshakes g{t, book, "n2", members, /*max_open=*/4};
  dialer_handshake first{t, book, "n1", "n2"};
  auto c = g.on_hello(first.hello(), now_s);
  for (int i = 0; i < 10; ++i)
    g.on_hello(dialer_handshake{t, book, "n3", "n2"}.hello(), now_s);
  EXPECT_EQ(g.open_challenges(), 4u);
  // The oldest challenge was dropped: its confirm finds nothing.
  auto [confirm, keys] = ok(first.on_challenge(c, now_s));
  EXPECT_EQ(refusal(g.on_confirm(confirm, now_s)), errc::unknown_session);
}

TEST(peer_handshake, a_challenge_for_someone_else_or_tampered_is_refused) {
  auto t = secret();
  dialer_handshake d{t, book, "n1", "n2"};
  gate_handshakes g{t, book, "n2", members};
  auto c = g.on_hello(d.hello(), now_s);
  auto bad = c;
  bad.set_from("n3");
  EXPECT_EQ(refusal(d.on_challenge(bad, now_s)), errc::wrong_identity);
  bad = c;
  bad.set_ephemeral_key(std::string(32, '\x01')); // the proof covers the key
  EXPECT_EQ(refusal(d.on_challenge(bad, now_s)), errc::bad_proof);
  bad = c;
  bad.set_error("go away");
  EXPECT_EQ(refusal(d.on_challenge(bad, now_s)), errc::refused);
}

TEST(x25519, both_ends_agree_and_a_bad_public_key_is_refused) {
  auto a = x25519_key::generate();
  auto b = x25519_key::generate();
  EXPECT_EQ(ok(a.agree(b.public_key())), ok(b.agree(a.public_key())));
  EXPECT_EQ(refusal(a.agree(std::string(31, 'k'))), errc::bad_key_share);
  // A low-order point (here 0) would give an all-zero secret (RFC 7748 §6.1).
  EXPECT_EQ(refusal(a.agree(std::string(32, '\0'))), errc::bad_key_share);
}

struct cert_handshake : ::testing::Test {
  temp_dir dir;
  testing::test_ca ca{dir.path().string()};
  trust load(const std::string& cn, const std::string& ou) {
    auto f = ca.issue(cn, ou);
    return ok(trust::with_certificates(ca.ca_file(), f.cert, f.key));
  }
};

TEST_F(cert_handshake, nodes_prove_their_ids_with_their_certificates) {
  auto n1 = load("n1", "keel-node");
  auto n2 = load("n2", "keel-node");
  auto [d, g] = shake(n1, n2);
  EXPECT_EQ(d.key, g.key);
  EXPECT_EQ(g.peer, "n1");
}

TEST_F(cert_handshake, a_node_presenting_another_nodes_certificate_id_is_refused) {
  auto n3 = load("n3", "keel-node");
  auto n2 = load("n2", "keel-node");
  // n3's certificate, claiming to be n1.
  dialer_handshake d{n3, book, "n1", "n2"};
  gate_handshakes g{n2, book, "n2", members};
  auto c = g.on_hello(d.hello(), now_s);
  EXPECT_NE(c.error().find("CN=n3, not CN=n1"), std::string::npos) << c.error();
}

TEST_F(cert_handshake, a_client_certificate_cannot_open_a_peer_session) {
  auto client = load("n1", "keel-client");
  auto n2 = load("n2", "keel-node");
  dialer_handshake d{client, book, "n1", "n2"};
  gate_handshakes g{n2, book, "n2", members};
  EXPECT_FALSE(g.on_hello(d.hello(), now_s).error().empty());
}

TEST_F(cert_handshake, a_certificate_from_another_ca_is_refused) {
  temp_dir other_dir;
  testing::test_ca other{other_dir.path().string(), "other"};
  auto f = other.issue("n1", "keel-node");
  auto rogue = ok(trust::with_certificates(other.ca_file(), f.cert, f.key));
  auto n2 = load("n2", "keel-node");
  dialer_handshake d{rogue, book, "n1", "n2"};
  gate_handshakes g{n2, book, "n2", members};
  EXPECT_NE(g.on_hello(d.hello(), now_s).error().find("not trusted"), std::string::npos);
}

// Why `opened` refused its frame; nullopt when it accepted it.
std::optional<frame_fault> fault(const keel::result<void, frame_fault>& opened) {
  return opened ? std::nullopt : std::optional{opened.error()};
}

TEST(frames, a_sealed_frame_opens_once_and_in_order) {
  auto t = secret();
  auto [d, g] = shake(t, t);
  frame_sealer sealer{d};
  frame_opener opener{g};
  auto f1 = sealer.seal("batch one");
  auto f2 = sealer.seal("batch two");
  EXPECT_TRUE(opener.open(f1).ok());
  EXPECT_EQ(fault(opener.open(f1)), frame_fault::replayed);
  EXPECT_TRUE(opener.open(f2).ok());
  EXPECT_EQ(fault(opener.open(f1)), frame_fault::replayed);
}

// The wire format of a frame's MAC: HMAC-SHA256 under the session key of the
// session and the frame's number (8 bytes each, big-endian), then the batch.
TEST(frames, the_mac_covers_the_session_the_number_and_the_batch) {
  auto t = secret();
  auto [d, g] = shake(t, t);
  frame_sealer sealer{d};
  sealer.seal("first");
  auto f = sealer.seal("second");
  std::string covered;
  append_u64(covered, d.session);
  append_u64(covered, 2);
  covered += "second";
  EXPECT_EQ(f.mac(), hmac_sha256(d.key, covered));
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

// RFC 4231, test cases 2 and 6 (a key shorter and one longer than SHA-256's
// block), whole and in parts, from the key, a copy and a moved key.
TEST(hmac, a_kept_key_gives_rfc_4231s_macs_whole_or_in_parts) {
  hmac_sha256_key jefe{"Jefe"};
  auto expected = std::string{"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"};
  EXPECT_EQ(hex(jefe.mac({"what do ya want for nothing?"})), expected);
  EXPECT_EQ(hex(jefe.mac({"what do ya ", "", "want for nothing?"})), expected);
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")), expected);
  auto copy = jefe;
  EXPECT_EQ(hex(copy.mac({"what do ya want for nothing?"})), expected);
  auto moved = std::move(copy);
  EXPECT_EQ(hex(moved.mac({"what do ya want ", "for nothing?"})), expected);
  hmac_sha256_key long_key{std::string(131, '\xaa')};
  EXPECT_EQ(hex(long_key.mac({"Test Using Larger Than Block-Size Key - Hash Key First"})),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_NE(jefe.mac({"a"}), jefe.mac({"b"}));
}

TEST(frames, tampered_or_forged_frames_are_refused_and_do_not_advance) {
  auto t = secret();
  auto [d, g] = shake(t, t);
  frame_sealer sealer{d};
  frame_opener opener{g};
  auto f = sealer.seal("batch");
  auto bad = f;
  bad.set_batch("batcH");
  EXPECT_EQ(fault(opener.open(bad)), frame_fault::bad_mac);
  bad = f;
  bad.set_seq(1000); // a forged jump ahead would otherwise block all real frames
  EXPECT_EQ(fault(opener.open(bad)), frame_fault::bad_mac);
  bad = f;
  bad.set_session(f.session() + 1);
  EXPECT_EQ(fault(opener.open(bad)), frame_fault::bad_mac);
  EXPECT_TRUE(opener.open(f).ok());
}

TEST(frames, keys_of_another_session_do_not_open_a_frame) {
  auto t = secret();
  auto [d1, g1] = shake(t, t);
  auto [d2, g2] = shake(t, t);
  EXPECT_NE(d1.key, d2.key);
  frame_sealer sealer{d2};
  auto f = sealer.seal("batch");
  f.set_session(g1.session);
  frame_opener opener{g1};
  EXPECT_EQ(fault(opener.open(f)), frame_fault::bad_mac);
}

} // namespace
} // namespace keel::security
