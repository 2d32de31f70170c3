#include "actors/security/core/peer_handshake.hpp"

#include <algorithm>
#include <utility>

namespace keel::security {

namespace {

constexpr std::size_t handshake_nonce_size = 32;
constexpr std::size_t max_id_size = 64;
constexpr std::string_view gate_label = "keel-peer-gate-v1";
constexpr std::string_view dialer_label = "keel-peer-dialer-v1";
constexpr std::string_view key_label = "keel-peer-frames-v1";

// Everything both sides said, length-prefixed: what each proof covers and what
// the session key is bound to. The gate's proof therefore covers the dialer's
// fresh nonce, and the dialer's covers the gate's.
std::string transcript(const peer::PeerHello& h, const peer::PeerChallenge& c) {
  std::string t;
  append_u64(t, h.version());
  append_field(t, h.from());
  append_field(t, h.to());
  append_field(t, h.nonce());
  append_field(t, h.ephemeral_key());
  append_field(t, h.certificate());
  append_u64(t, h.incarnation());
  append_field(t, c.from());
  append_field(t, c.to());
  append_u64(t, c.session());
  append_field(t, c.nonce());
  append_field(t, c.ephemeral_key());
  append_field(t, c.certificate());
  append_u64(t, c.incarnation());
  return sha256(t);
}

// The secret goes into the key too: with a cluster secret, a party that
// broke the X25519 exchange would still lack it.
result<std::string> session_key(const trust& t, const x25519_key& mine, std::string_view theirs,
                                const peer::PeerHello& h, const peer::PeerChallenge& c) {
  auto shared = mine.agree(theirs);
  if (!shared)
    return shared;
  std::string ikm = *shared + t.shared_secret();
  std::string salt = h.nonce() + c.nonce();
  std::string info{key_label};
  info += transcript(h, c);
  return hkdf_sha256(ikm, salt, info, 32);
}

bool valid_id(std::string_view id) { return !id.empty() && id.size() <= max_id_size; }

// A failed check of a node's proof, in words that name the node.
security_error not_proven(const std::string& node, const security_error& why) {
  return {why.code, "node " + node + " did not prove its id: " + why.detail};
}

peer::PeerChallenge refusal(std::string why) {
  peer::PeerChallenge c;
  c.set_error(std::move(why));
  return c;
}

} // namespace

dialer_handshake::dialer_handshake(const trust& t, peer_incarnations& book, std::string self,
                                   std::string peer)
  : trust_(&t),
    book_(&book),
    self_(std::move(self)),
    peer_(std::move(peer)),
    ephemeral_(x25519_key::generate()) {
  hello_.set_version(peer_protocol_version);
  hello_.set_from(self_);
  hello_.set_to(peer_);
  hello_.set_nonce(random_bytes(handshake_nonce_size));
  hello_.set_ephemeral_key(ephemeral_.public_key());
  hello_.set_certificate(t.certificate());
  hello_.set_incarnation(book.self());
}

result<std::pair<peer::PeerConfirm, session_keys>>
dialer_handshake::on_challenge(const peer::PeerChallenge& c, int64_t now_s) const {
  if (!c.error().empty())
    return security_error{errc::refused,
                          "the peer refused the handshake: " + c.error().substr(0, 200)};
  if (c.from() != peer_ || c.to() != self_)
    return security_error{errc::wrong_identity, "the challenge is for "
                                                  + c.to().substr(0, max_id_size) + " from "
                                                  + c.from().substr(0, max_id_size) + ", not for "
                                                  + self_ + " from " + peer_};
  if (c.session() == 0 || c.nonce().size() != handshake_nonce_size)
    return security_error{errc::malformed, "the challenge is malformed"};
  auto t = transcript(hello_, c);
  auto who = trust_->check(gate_label, t, c.proof(), c.certificate(), role::node, peer_, now_s);
  if (!who)
    return not_proven(peer_, who.error());
  // Only now that the gate proved its id: an unproven party must not get its
  // incarnation recorded in the gate's name.
  if (auto admitted = book_->admit(peer_, c.incarnation()); !admitted)
    return std::move(admitted).error();
  auto key = session_key(*trust_, ephemeral_, c.ephemeral_key(), hello_, c);
  if (!key)
    return security_error{key.error().code, "the challenge carries no valid X25519 key"};
  peer::PeerConfirm confirm;
  confirm.set_session(c.session());
  confirm.set_proof(trust_->prove(dialer_label, t));
  return std::make_pair(std::move(confirm), session_keys{c.session(), std::move(*key), peer_});
}

gate_handshakes::gate_handshakes(const trust& t, peer_incarnations& book, std::string self,
                                 std::function<bool(std::string_view)> is_member,
                                 std::size_t max_open)
  : trust_(&t),
    book_(&book),
    self_(std::move(self)),
    is_member_(std::move(is_member)),
    max_open_(std::max<std::size_t>(max_open, 1)) {}

peer::PeerChallenge gate_handshakes::on_hello(const peer::PeerHello& h, int64_t now_s) {
  if (h.version() != peer_protocol_version)
    return refusal("unsupported peer protocol version " + std::to_string(h.version())
                   + " (this node speaks " + std::to_string(peer_protocol_version) + ")");
  if (h.to() != self_)
    return refusal("this is node " + self_ + ", not " + h.to().substr(0, max_id_size));
  if (!valid_id(h.from()) || h.from() == self_ || !is_member_(h.from()))
    return refusal("'" + h.from().substr(0, max_id_size) + "' is not a member of this cluster");
  if (h.nonce().size() != handshake_nonce_size
      || h.ephemeral_key().size() != x25519_key::public_size)
    return refusal("the hello is malformed");
  // Refuse a foreign or wrong certificate before spending a key pair on it.
  if (trust_->uses_certificates()) {
    auto who = trust_->check_certificate(h.certificate(), role::node, h.from(), now_s);
    if (!who)
      return refusal(who.error().detail);
  } else if (!h.certificate().empty()) {
    return refusal("a certificate was presented to a cluster without TLS");
  }
  open_challenge o{h, {}, x25519_key::generate()};
  auto& c = o.challenge;
  c.set_from(self_);
  c.set_to(h.from());
  c.set_session(random_nonzero_u64());
  c.set_nonce(random_bytes(handshake_nonce_size));
  c.set_ephemeral_key(o.ephemeral.public_key());
  c.set_certificate(trust_->certificate());
  c.set_incarnation(book_->self());
  c.set_proof(trust_->prove(gate_label, transcript(h, c)));
  auto answer = c;
  if (open_.size() >= max_open_)
    open_.pop_front();
  open_.push_back(std::move(o));
  return answer;
}

result<session_keys> gate_handshakes::on_confirm(const peer::PeerConfirm& c, int64_t now_s) {
  auto it = std::find_if(open_.begin(), open_.end(), [&](const open_challenge& o) {
    return o.challenge.session() == c.session();
  });
  if (it == open_.end())
    return security_error{errc::unknown_session,
                          "no open challenge for this session (expired, replayed or forged)"};
  auto o = std::move(*it);
  open_.erase(it);
  auto t = transcript(o.hello, o.challenge);
  auto who = trust_->check(dialer_label, t, c.proof(), o.hello.certificate(), role::node,
                           o.hello.from(), now_s);
  if (!who)
    return not_proven(o.hello.from(), who.error());
  if (auto admitted = book_->admit(o.hello.from(), o.hello.incarnation()); !admitted)
    return std::move(admitted).error();
  auto key = session_key(*trust_, o.ephemeral, o.hello.ephemeral_key(), o.hello, o.challenge);
  if (!key)
    return security_error{key.error().code, "the hello carries no valid X25519 key"};
  return session_keys{c.session(), std::move(*key), o.hello.from()};
}

} // namespace keel::security
