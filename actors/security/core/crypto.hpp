// crypto: the few primitives Keel's trust boundary is built from, as thin
// wrappers over OpenSSL's libcrypto (a well-kept, audited library: nothing here
// is hand-rolled cryptography). Byte strings are std::string. Pure: no CAF, no
// clock; randomness comes from OpenSSL's CSPRNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "actors/security/core/errc.hpp"

namespace keel::security {

/// `n` bytes from OpenSSL's CSPRNG. Throws std::runtime_error if it fails
/// (a machine without entropy cannot run a secure cluster).
std::string random_bytes(std::size_t n);

/// A random 64-bit number that is never 0 (0 means "none" in the protocols).
uint64_t random_nonzero_u64();

std::string sha256(std::string_view data);

/// HMAC-SHA256 (RFC 2104) of one message under a key used once: 32 bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// A key for HMAC-SHA256 over many messages, as a session's frames need: the
/// algorithm is fetched and the padded key hashed once, not per message; and
/// a message may come in parts, so a frame's header and its batch are not
/// first copied into one string.
class hmac_sha256_key {
public:
  /// Throws std::runtime_error if OpenSSL cannot set the key up.
  explicit hmac_sha256_key(std::string_view key);
  hmac_sha256_key(const hmac_sha256_key& other);
  hmac_sha256_key& operator=(const hmac_sha256_key& other);
  hmac_sha256_key(hmac_sha256_key&&) noexcept;
  hmac_sha256_key& operator=(hmac_sha256_key&&) noexcept;
  ~hmac_sha256_key();

  /// HMAC-SHA256 of the concatenation of `parts`: 32 bytes, the same as
  /// hmac_sha256(key, concatenation).
  std::string mac(std::initializer_list<std::string_view> parts) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// HKDF-SHA256 (RFC 5869): `length` bytes of key material.
std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length);

/// Compares in time independent of where the inputs differ (for MACs).
bool equal_constant_time(std::string_view a, std::string_view b);

/// Appends a length-prefixed field, so that concatenated fields cannot be
/// re-split differently ("ab"+"c" vs "a"+"bc") when they are signed.
void append_field(std::string& out, std::string_view field);
void append_u64(std::string& out, uint64_t value);

/// An ephemeral X25519 key pair (RFC 7748) for one handshake.
class x25519_key {
public:
  static constexpr std::size_t public_size = 32;

  /// A fresh key pair. Throws std::runtime_error if OpenSSL cannot make one.
  static x25519_key generate();

  x25519_key(x25519_key&&) noexcept;
  x25519_key& operator=(x25519_key&&) noexcept;
  ~x25519_key();

  std::string public_key() const;

  /// The shared secret with the holder of `peer_public`, or errc::bad_key_share
  /// if that is not a valid X25519 public key (wrong size, or a low-order
  /// point that would give an all-zero secret).
  result<std::string> agree(std::string_view peer_public) const;

private:
  struct impl;
  explicit x25519_key(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace keel::security
