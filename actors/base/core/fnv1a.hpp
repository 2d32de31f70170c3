// fnv1a: the FNV-1a 64-bit hash (offset basis and prime from the FNV
// reference), the one stable, non-cryptographic hash of Keel. Stable across
// versions, builds and machines, which is why it is used where a hash decides
// something durable or shared: which shard a key lives in (placement), the
// digest of an applied command (exactly-once retries), the digest of a
// shard's state (convergence checks), a node's PRNG seed. Never where an
// attacker chooses the input and gains from a collision. Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace keel {

class fnv1a {
public:
  void byte(uint8_t b) {
    hash_ ^= b;
    hash_ *= 0x100000001b3ULL;
  }

  /// The bytes of `s` alone: the plain FNV-1a of a string.
  void raw(std::string_view s) {
    for (char c : s)
      byte(static_cast<uint8_t>(c));
  }

  /// `v` as 8 bytes, least significant first.
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      byte(static_cast<uint8_t>(v >> (8 * i)));
  }

  /// `s` preceded by its length, so that a sequence of strings hashes
  /// unambiguously: ("ab", "c") != ("a", "bc").
  void bytes(std::string_view s) {
    u64(s.size());
    raw(s);
  }

  uint64_t value() const { return hash_; }

  /// The plain FNV-1a 64 of `s`.
  static uint64_t of(std::string_view s) {
    fnv1a h;
    h.raw(s);
    return h.value();
  }

private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

} // namespace keel
