// trust: what a Keel process believes and how it proves who it is.
//
// A TLS cluster trusts one certificate authority. Every party holds a
// certificate signed by it whose subject says its role (OU=keel-node,
// keel-client or keel-operator) and, for nodes, its node id (CN). CAF's TLS
// layer checks "signed by the CA" on every connection but exposes neither the
// peer's certificate nor a host name check, so Keel binds identities itself:
// a party sends its certificate inside the protocol and proves with a
// signature that it holds the certificate's key (see peer_handshake.hpp and
// operator_proof.hpp). A plaintext cluster trusts whoever knows the cluster
// secret; its proofs are HMACs.
//
// Pure: no CAF, no clock. Certificate validity is checked at a time the caller
// passes in (seconds since the epoch), so tests can be exact about expiry.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "actors/security/core/errc.hpp"

namespace keel::security {

/// The role a certificate's subject OU grants.
enum class role { node, client, operator_ };

/// "keel-node", "keel-client", "keel-operator".
std::string_view ou_of(role r);

/// Who a checked certificate belongs to.
struct identity {
  std::string name; // the subject CN, e.g. "n2" for a node
  role what = role::client;
};

class trust {
public:
  /// Trust the CA in `ca_file`; prove with the certificate chain in
  /// `cert_file` and its private key `key_file` (PEM). The error
  /// (errc::bad_files) names the file and what is wrong with it; a key that
  /// does not match the certificate is an error.
  static result<trust> with_certificates(const std::string& ca_file, const std::string& cert_file,
                                         const std::string& key_file);

  /// Trust whoever knows `secret` (at least 32 bytes, else errc::short_secret).
  static result<trust> with_secret(std::string secret);

  trust(trust&&) noexcept;
  trust& operator=(trust&&) noexcept;
  ~trust();

  bool uses_certificates() const;

  /// This party's certificate chain (PEM); empty with a secret.
  const std::string& certificate() const;

  /// Key material that only the members share: the secret, or empty with
  /// certificates (where the members share nothing; signatures do the work).
  const std::string& shared_secret() const;

  /// A proof, bound to `label` (one per protocol step, so that a proof made
  /// for one step never passes as another), that this party vouches for
  /// `message`: a signature with the certificate's key, or an HMAC with the
  /// secret.
  std::string prove(std::string_view label, std::string_view message) const;

  /// Checks a proof made with prove(label, message). With certificates:
  /// `certificate` (PEM, sent by the other party, untrusted) must chain to
  /// the CA and be valid at `now_s`, carry the role `expected` in its OU and,
  /// if `expected_name` is not empty, that CN; the proof must be its key's
  /// signature. With a secret, `certificate` must be empty and the proof the
  /// HMAC. Returns who it is, or why not.
  result<identity> check(std::string_view label, std::string_view message, std::string_view proof,
                         std::string_view certificate, role expected,
                         std::string_view expected_name, int64_t now_s) const;

  /// Checks only the certificate (as check() does), for refusing a hello
  /// before any work is spent on it.
  result<identity> check_certificate(std::string_view certificate, role expected,
                                     std::string_view expected_name, int64_t now_s) const;

private:
  struct impl;
  explicit trust(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// Largest certificate chain accepted from the network, in bytes.
inline constexpr std::size_t max_certificate_bytes = 16 * 1024;

} // namespace keel::security
