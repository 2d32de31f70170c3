// What the tests that make peer handshakes by hand share: one book of peer
// incarnations, the clock they read once, the members of their three-node
// cluster, and the trust of a cluster that shares a secret.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "actors/security/core/peer_incarnations.hpp"
#include "actors/security/core/trust.hpp"

namespace keel::test {

/// The handshakes these tests make by hand are about proofs, not data
/// directories: they all share one book, so one incarnation.
inline security::peer_incarnations book{0x1c0ffee};

/// The handshake's clock (seconds since the epoch), read once per process.
inline const int64_t now_s = static_cast<int64_t>(std::time(nullptr));

/// The members of the cluster: n1, n2 and n3.
inline bool members(std::string_view id) { return id == "n1" || id == "n2" || id == "n3"; }

/// The trust of a cluster whose nodes share 32 bytes of `fill`.
inline security::trust secret(char fill = 's') {
  auto t = security::trust::with_secret(std::string(32, fill));
  if (!t)
    throw std::runtime_error("trust::with_secret refused a 32-byte secret: " + t.error().detail);
  return *std::move(t);
}

/// The same, shared as a transport and a gate take it.
inline std::shared_ptr<const security::trust> secret_trust(char fill) {
  return std::make_shared<const security::trust>(secret(fill));
}

} // namespace keel::test
