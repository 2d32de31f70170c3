// Errors of the trust boundary (docs/design.md, "Errors and assertions"): why
// a party's files, certificate, proof or handshake message is refused. The
// code is for the program, the detail for the operator's log.
#pragma once

#include <string>

#include "actors/base/core/errors.hpp"

namespace keel::security {

/// Why the trust boundary refuses something.
enum class errc {
  bad_files,       ///< our own CA, certificate or key cannot be loaded or do not match
  short_secret,    ///< the cluster secret is under 32 bytes
  wrong_mode,      ///< a certificate where a secret is used, or the reverse
  no_certificate,  ///< a certificate was needed and none was presented
  malformed,       ///< bytes that no correct party sends (size, PEM, fields)
  untrusted,       ///< the certificate does not chain to the CA or is not valid now
  wrong_identity,  ///< the certificate's OU or CN is not the one expected
  bad_proof,       ///< the signature or HMAC does not match
  bad_key_share,   ///< not a valid X25519 public key
  refused,         ///< the peer refused the handshake (its reason in the detail)
  unknown_session, ///< a confirm for no open challenge: expired, replayed or forged
  no_proof,        ///< an operator request without a proof
  stale,           ///< an operator proof made too far from this node's clock
  replayed,        ///< an operator proof used before
  busy,            ///< too many operator requests within the window
  lost_data,       ///< a known node came back with another data directory (incarnation)
  io,              ///< this node could not record what it believed (its storage failed)
};

/// A short stable name for `code`.
const char* to_string(errc code);

/// The code, and the sentence that says what was refused and why.
struct security_error {
  errc code;
  std::string detail;
};

/// keel::result with the trust boundary's error.
template <class T>
using result = keel::result<T, security_error>;

} // namespace keel::security
