// A node that lost its data directory is refused by the peers that counted on
// it: the book of peer incarnations alone, then inside the peer handshake, from
// the gate's side and from the dialer's, where only a proven peer gets its
// incarnation recorded.
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/security/core/peer_handshake.hpp"
#include "actors/security/core/peer_incarnations.hpp"
#include "tests/support/test_trust.hpp"
#include "tests/unit/security_results.hpp"

namespace keel::security {
namespace {

using keel::test::members;
using keel::test::now_s;
using keel::test::secret;
using test::ok;
using test::refusal;

// What a node's storage engine would have made durable.
struct fake_disk {
  std::vector<std::pair<std::string, uint64_t>> writes;
  bool failing = false;

  peer_incarnations::persist_fn persist() {
    return [this](const std::string& peer, uint64_t inc) -> result<void> {
      if (failing)
        return security_error{errc::io, "disk full"};
      writes.emplace_back(peer, inc);
      return {};
    };
  }
};

TEST(peer_incarnations, a_first_peer_is_recorded_on_disk_before_it_is_admitted) {
  fake_disk disk;
  peer_incarnations book{0xa1, {}, disk.persist()};
  EXPECT_EQ(book.self(), 0xa1u);
  EXPECT_EQ(book.known("n2"), 0u);
  EXPECT_TRUE(book.admit("n2", 0xb2).ok());
  EXPECT_EQ(book.known("n2"), 0xb2u);
  ASSERT_EQ(disk.writes.size(), 1u);
  EXPECT_EQ(disk.writes[0], (std::pair<std::string, uint64_t>{"n2", 0xb2}));
  // The same incarnation again (a restart of n2) costs no write.
  EXPECT_TRUE(book.admit("n2", 0xb2).ok());
  EXPECT_EQ(disk.writes.size(), 1u);
}

TEST(peer_incarnations, a_known_peer_with_another_incarnation_is_refused_with_the_reason) {
  fake_disk disk;
  peer_incarnations book{0xa1, {{"n2", 0xb2}}, disk.persist()};
  auto refused = book.admit("n2", 0xc3);
  ASSERT_EQ(refusal(refused), errc::lost_data);
  const auto& why = refused.error().detail;
  EXPECT_NE(why.find("node n2"), std::string::npos) << why;
  EXPECT_NE(why.find("0x00000000000000c3"), std::string::npos) << why;
  EXPECT_NE(why.find("0x00000000000000b2"), std::string::npos) << why;
  EXPECT_NE(why.find("data directory was lost"), std::string::npos) << why;
  EXPECT_NE(why.find("Restore"), std::string::npos) << why;
  EXPECT_EQ(book.refusal("n2"), why);
  // Nothing was written, and the old incarnation still stands: asking again
  // is refused again, not admitted the second time round.
  EXPECT_TRUE(disk.writes.empty());
  EXPECT_EQ(book.known("n2"), 0xb2u);
  EXPECT_EQ(refusal(book.admit("n2", 0xc3)), errc::lost_data);
  // The directory restored: admitted, and the refusal is no longer shown.
  EXPECT_TRUE(book.admit("n2", 0xb2).ok());
  EXPECT_EQ(book.refusal("n2"), "");
}

TEST(peer_incarnations, a_failed_write_admits_nobody_and_the_next_try_writes_again) {
  fake_disk disk;
  disk.failing = true;
  peer_incarnations book{0xa1, {}, disk.persist()};
  auto failed = book.admit("n2", 0xb2);
  ASSERT_EQ(refusal(failed), errc::io);
  EXPECT_NE(failed.error().detail.find("disk full"), std::string::npos);
  EXPECT_EQ(book.known("n2"), 0u);
  disk.failing = false;
  EXPECT_TRUE(book.admit("n2", 0xb2).ok());
  EXPECT_EQ(disk.writes.size(), 1u);
}

TEST(peer_incarnations, zero_is_no_incarnation) {
  peer_incarnations book{0xa1};
  EXPECT_EQ(refusal(book.admit("n2", 0)), errc::malformed);
  EXPECT_EQ(book.known("n2"), 0u);
}

// n1 dials n2. Each node has its own book, as on real nodes.
struct two_nodes {
  trust t = secret();
  std::unique_ptr<peer_incarnations> n1 = std::make_unique<peer_incarnations>(0x11);
  std::unique_ptr<peer_incarnations> n2 = std::make_unique<peer_incarnations>(0x22);

  // One whole handshake n1 -> n2 with the books as they are; the refusal
  // code of whichever side refused, or nullopt.
  std::optional<errc> shake() {
    dialer_handshake d{t, *n1, "n1", "n2"};
    gate_handshakes g{t, *n2, "n2", members};
    auto challenge = g.on_hello(d.hello(), now_s);
    auto confirmed = d.on_challenge(challenge, now_s);
    if (!confirmed)
      return confirmed.error().code;
    auto accepted = g.on_confirm(confirmed->first, now_s);
    return refusal(accepted);
  }
};

TEST(peer_handshake_incarnations, both_ends_record_each_other_on_the_first_handshake) {
  two_nodes c;
  EXPECT_EQ(c.shake(), std::nullopt);
  EXPECT_EQ(c.n1->known("n2"), 0x22u);
  EXPECT_EQ(c.n2->known("n1"), 0x11u);
  EXPECT_EQ(c.shake(), std::nullopt); // a reconnect, both unchanged
}

TEST(peer_handshake_incarnations, the_gate_refuses_a_dialer_that_lost_its_data) {
  two_nodes c;
  ASSERT_EQ(c.shake(), std::nullopt);
  // n1 comes back with an empty data directory: a new incarnation, and it
  // remembers nobody. Its dialer admits n2 (new to it); n2's gate refuses it.
  c.n1 = std::make_unique<peer_incarnations>(0x1111);
  EXPECT_EQ(c.shake(), errc::lost_data);
  EXPECT_NE(c.n2->refusal("n1").find("node n1 came back"), std::string::npos);
  EXPECT_EQ(c.n2->known("n1"), 0x11u);
}

TEST(peer_handshake_incarnations, the_dialer_refuses_a_gate_that_lost_its_data) {
  two_nodes c;
  ASSERT_EQ(c.shake(), std::nullopt);
  c.n2 = std::make_unique<peer_incarnations>(0x2222);
  EXPECT_EQ(c.shake(), errc::lost_data);
  EXPECT_NE(c.n1->refusal("n2").find("node n2 came back"), std::string::npos);
}

TEST(peer_handshake_incarnations, only_a_proven_peer_gets_its_incarnation_recorded) {
  two_nodes c;
  // Mallory knows no secret but claims to be n1 with an incarnation of her
  // choosing: were it recorded before the proof, the real n1 would be
  // refused for good afterwards.
  auto mallory = secret('m');
  peer_incarnations hers{0xbad};
  dialer_handshake d{mallory, hers, "n1", "n2"};
  gate_handshakes g{c.t, *c.n2, "n2", members};
  auto challenge = g.on_hello(d.hello(), now_s);
  peer::PeerConfirm forged;
  forged.set_session(challenge.session());
  forged.set_proof(std::string(32, 'z'));
  EXPECT_EQ(refusal(g.on_confirm(forged, now_s)), errc::bad_proof);
  EXPECT_EQ(c.n2->known("n1"), 0u);
  // Nor does a gate that failed its proof get recorded by the dialer.
  dialer_handshake honest{c.t, *c.n1, "n1", "n2"};
  gate_handshakes fake_gate{mallory, hers, "n2", members};
  EXPECT_EQ(refusal(honest.on_challenge(fake_gate.on_hello(honest.hello(), now_s), now_s)),
            errc::bad_proof);
  EXPECT_EQ(c.n1->known("n2"), 0u);
  // The real pair still meets as if nothing happened.
  EXPECT_EQ(c.shake(), std::nullopt);
}

TEST(peer_handshake_incarnations, the_incarnations_are_covered_by_the_proofs) {
  two_nodes c;
  dialer_handshake d{c.t, *c.n1, "n1", "n2"};
  gate_handshakes g{c.t, *c.n2, "n2", members};
  // A relay rewrites the gate's incarnation in its challenge...
  auto challenge = g.on_hello(d.hello(), now_s);
  challenge.set_incarnation(0x9999);
  EXPECT_EQ(refusal(d.on_challenge(challenge, now_s)), errc::bad_proof);
  // ...or the dialer's in its hello.
  auto hello = d.hello();
  hello.set_incarnation(0x9999);
  auto c2 = g.on_hello(hello, now_s);
  EXPECT_EQ(refusal(d.on_challenge(c2, now_s)), errc::bad_proof);
  EXPECT_EQ(c.n1->known("n2"), 0u);
  EXPECT_EQ(c.n2->known("n1"), 0u);
}

} // namespace
} // namespace keel::security
