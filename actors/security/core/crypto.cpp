#include "actors/security/core/crypto.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace keel::security {

namespace {

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;

} // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("OpenSSL's random number generator failed");
  return out;
}

uint64_t random_nonzero_u64() {
  for (;;) {
    auto b = random_bytes(8);
    uint64_t v = 0;
    for (unsigned char c : b)
      v = (v << 8) | c;
    if (v != 0)
      return v;
  }
}

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(u8(data), data.size(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// The keyed context is a template: each MAC works on a copy of it, so the
// key's padded digests are computed once and a const key serves any caller.
struct hmac_sha256_key::impl {
  struct mac_ctx_free {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  using ctx_ptr = std::unique_ptr<EVP_MAC_CTX, mac_ctx_free>;
  ctx_ptr keyed;

  static ctx_ptr dup(const ctx_ptr& from) {
    ctx_ptr out{EVP_MAC_CTX_dup(from.get())};
    if (!out)
      throw std::runtime_error("HMAC-SHA256: copying the keyed context failed");
    return out;
  }
};

hmac_sha256_key::hmac_sha256_key(std::string_view key)
  : impl_(std::make_unique<impl>()) {
  std::unique_ptr<EVP_MAC, void (*)(EVP_MAC*)> hmac{EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                    EVP_MAC_free};
  if (hmac)
    impl_->keyed.reset(EVP_MAC_CTX_new(hmac.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[]
    = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
  // A null key would mean "the key set before" to EVP_MAC_init: an empty one
  // (which callers never pass; keys are derived) still points somewhere.
  static const unsigned char empty = 0;
  const unsigned char* bytes = key.empty() ? &empty : u8(key);
  if (!impl_->keyed || EVP_MAC_init(impl_->keyed.get(), bytes, key.size(), params) != 1)
    throw std::runtime_error("HMAC-SHA256: setting the key up failed");
}

hmac_sha256_key::hmac_sha256_key(const hmac_sha256_key& other)
  : impl_(std::make_unique<impl>()) {
  impl_->keyed = impl::dup(other.impl_->keyed);
}

hmac_sha256_key& hmac_sha256_key::operator=(const hmac_sha256_key& other) {
  if (this != &other)
    *this = hmac_sha256_key{other};
  return *this;
}

hmac_sha256_key::hmac_sha256_key(hmac_sha256_key&&) noexcept = default;
hmac_sha256_key& hmac_sha256_key::operator=(hmac_sha256_key&&) noexcept = default;
hmac_sha256_key::~hmac_sha256_key() = default;

std::string hmac_sha256_key::mac(std::initializer_list<std::string_view> parts) const {
  auto ctx = impl::dup(impl_->keyed);
  for (auto part : parts)
    if (EVP_MAC_update(ctx.get(), u8(part), part.size()) != 1)
      throw std::runtime_error("HMAC-SHA256 failed");
  std::string out(32, '\0');
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) != 1
      || len != 32)
    throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256_key{key}.mac({data});
}

std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length) {
  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr)};
  std::string out(length, '\0');
  std::size_t out_len = length;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0
      || EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0
      || EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), u8(salt), static_cast<int>(salt.size())) <= 0
      || EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), u8(ikm), static_cast<int>(ikm.size())) <= 0
      || EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), u8(info), static_cast<int>(info.size())) <= 0
      || EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_len) <= 0
      || out_len != length)
    throw std::runtime_error("HKDF-SHA256 failed");
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void append_u64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void append_field(std::string& out, std::string_view field) {
  append_u64(out, field.size());
  out.append(field);
}

struct x25519_key::impl {
  pkey_ptr key;
};

x25519_key::x25519_key(std::unique_ptr<impl> p)
  : impl_(std::move(p)) {}
x25519_key::x25519_key(x25519_key&&) noexcept = default;
x25519_key& x25519_key::operator=(x25519_key&&) noexcept = default;
x25519_key::~x25519_key() = default;

x25519_key x25519_key::generate() {
  pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")};
  if (!key)
    throw std::runtime_error("cannot generate an X25519 key");
  auto p = std::make_unique<impl>();
  p->key = std::move(key);
  return x25519_key{std::move(p)};
}

std::string x25519_key::public_key() const {
  std::string out(public_size, '\0');
  std::size_t len = public_size;
  if (EVP_PKEY_get_raw_public_key(impl_->key.get(), reinterpret_cast<unsigned char*>(out.data()),
                                  &len)
        != 1
      || len != public_size)
    throw std::runtime_error("cannot read an X25519 public key");
  return out;
}

result<std::string> x25519_key::agree(std::string_view peer_public) const {
  const security_error bad_key{errc::bad_key_share, "not a valid X25519 public key"};
  if (peer_public.size() != public_size)
    return bad_key;
  pkey_ptr peer{
    EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, u8(peer_public), peer_public.size())};
  if (!peer)
    return bad_key;
  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new(impl_->key.get(), nullptr)};
  std::string secret(32, '\0');
  std::size_t len = secret.size();
  // OpenSSL refuses (derive fails) when the result is all zeros, i.e. a
  // low-order peer point: exactly the check RFC 7748 §6.1 asks for.
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0
      || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) <= 0
      || EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &len) <= 0
      || len != 32)
    return bad_key;
  return secret;
}

} // namespace keel::security
