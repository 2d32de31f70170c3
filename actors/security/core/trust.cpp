#include "actors/security/core/trust.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "actors/security/core/crypto.hpp"

namespace keel::security {

namespace {

struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
struct store_free {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct store_ctx_free {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct chain_free {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;
using store_ptr = std::unique_ptr<X509_STORE, store_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, store_ctx_free>;
using chain_ptr = std::unique_ptr<STACK_OF(X509), chain_free>;

// OpenSSL reports through a thread-local queue; take its newest entry as
// text and leave the queue empty for the next call.
std::string openssl_error() {
  unsigned long code = ERR_peek_last_error();
  std::string text
    = code ? ERR_reason_error_string(code) ? ERR_reason_error_string(code) : "unknown OpenSSL error"
           : "unknown error";
  ERR_clear_error();
  return text;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every certificate of a PEM chain, leaf first; empty if there is none.
std::vector<x509_ptr> parse_chain(std::string_view pem) {
  std::vector<x509_ptr> out;
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  if (!bio)
    return out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    out.emplace_back(x);
  ERR_clear_error(); // the read that ends the loop leaves "no start line"
  return out;
}

std::string subject_field(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0)
    return {};
  // A second entry of the same kind makes the subject ambiguous: refuse it
  // by returning nothing rather than picking one.
  if (X509_NAME_get_index_by_NID(name, nid, i) >= 0)
    return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0)
    return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

// Ed25519/Ed448 sign the message itself; every other key type signs SHA-256.
const EVP_MD* digest_for(EVP_PKEY* key) {
  int id = EVP_PKEY_get_base_id(key);
  return (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
}

std::string labelled(std::string_view label, std::string_view message) {
  std::string m;
  append_field(m, label);
  append_field(m, message);
  return m;
}

} // namespace

std::string_view ou_of(role r) {
  switch (r) {
    case role::node: return "keel-node";
    case role::client: return "keel-client";
    case role::operator_: return "keel-operator";
  }
  return "?";
}

struct trust::impl {
  // Certificates: the CA store, our chain (PEM) and key.
  store_ptr store;
  std::string certificate;
  pkey_ptr key;
  // Secret.
  std::string secret;
};

trust::trust(std::unique_ptr<impl> p)
  : impl_(std::move(p)) {}
trust::trust(trust&&) noexcept = default;
trust& trust::operator=(trust&&) noexcept = default;
trust::~trust() = default;

result<trust> trust::with_certificates(const std::string& ca_file, const std::string& cert_file,
                                       const std::string& key_file) {
  auto bad = [](std::string why) { return security_error{errc::bad_files, std::move(why)}; };
  auto p = std::make_unique<impl>();
  p->store.reset(X509_STORE_new());
  if (!p->store || X509_STORE_load_file(p->store.get(), ca_file.c_str()) != 1)
    return bad("cannot load the CA certificate " + ca_file + ": " + openssl_error());
  auto pem = read_file(cert_file);
  if (!pem)
    return bad("cannot read the certificate " + cert_file);
  if (parse_chain(*pem).empty())
    return bad("no PEM certificate in " + cert_file);
  p->certificate = std::move(*pem);
  auto key_pem = read_file(key_file);
  if (!key_pem)
    return bad("cannot read the private key " + key_file);
  bio_ptr bio{BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size()))};
  p->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!p->key)
    return bad("no usable private key in " + key_file
               + " (encrypted keys are not supported): " + openssl_error());
  auto chain = parse_chain(p->certificate);
  if (X509_check_private_key(chain.front().get(), p->key.get()) != 1) {
    ERR_clear_error();
    return bad("the private key " + key_file + " does not belong to the certificate " + cert_file);
  }
  return trust{std::move(p)};
}

result<trust> trust::with_secret(std::string secret) {
  if (secret.size() < 32)
    return security_error{errc::short_secret, "the cluster secret must be at least 32 bytes (got "
                                                + std::to_string(secret.size()) + ")"};
  auto p = std::make_unique<impl>();
  p->secret = std::move(secret);
  return trust{std::move(p)};
}

bool trust::uses_certificates() const { return static_cast<bool>(impl_->store); }

const std::string& trust::certificate() const { return impl_->certificate; }

const std::string& trust::shared_secret() const { return impl_->secret; }

std::string trust::prove(std::string_view label, std::string_view message) const {
  auto m = labelled(label, message);
  if (!uses_certificates())
    return hmac_sha256(impl_->secret, m);
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  std::size_t len = 0;
  if (!ctx
      || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(impl_->key.get()), nullptr,
                            impl_->key.get())
           != 1
      || EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(m.data()),
                        m.size())
           != 1)
    throw std::runtime_error("cannot sign: " + openssl_error());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(m.data()), m.size())
      != 1)
    throw std::runtime_error("cannot sign: " + openssl_error());
  sig.resize(len);
  return sig;
}

result<identity> trust::check_certificate(std::string_view certificate, role expected,
                                          std::string_view expected_name, int64_t now_s) const {
  if (!uses_certificates())
    return security_error{errc::wrong_mode, "this cluster uses no certificates"};
  if (certificate.empty())
    return security_error{errc::no_certificate, "no certificate was presented"};
  if (certificate.size() > max_certificate_bytes)
    return security_error{errc::malformed,
                          "the certificate chain is " + std::to_string(certificate.size())
                            + " bytes; the limit is " + std::to_string(max_certificate_bytes)};
  auto chain = parse_chain(certificate);
  if (chain.empty())
    return security_error{errc::malformed, "the certificate is not PEM"};
  chain_ptr untrusted{sk_X509_new_null()};
  for (std::size_t i = 1; i < chain.size(); ++i)
    sk_X509_push(untrusted.get(), chain[i].get());
  store_ctx_ptr ctx{X509_STORE_CTX_new()};
  if (!ctx
      || X509_STORE_CTX_init(ctx.get(), impl_->store.get(), chain.front().get(), untrusted.get())
           != 1)
    return security_error{errc::untrusted, "cannot check the certificate: " + openssl_error()};
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now_s));
  int ok = X509_verify_cert(ctx.get());
  // The stack holds borrowed pointers: empty it before chain_free runs.
  while (sk_X509_num(untrusted.get()) > 0)
    sk_X509_pop(untrusted.get());
  if (ok != 1) {
    auto why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return security_error{errc::untrusted, std::string{"the certificate is not trusted: "} + why};
  }
  identity who;
  who.name = subject_field(chain.front().get(), NID_commonName);
  auto ou = subject_field(chain.front().get(), NID_organizationalUnitName);
  if (ou != ou_of(expected))
    return security_error{errc::wrong_identity,
                          "the certificate is for OU=" + (ou.empty() ? std::string{"(none)"} : ou)
                            + ", not OU=" + std::string{ou_of(expected)}};
  who.what = expected;
  if (who.name.empty())
    return security_error{errc::wrong_identity, "the certificate has no single subject CN"};
  if (!expected_name.empty() && who.name != expected_name)
    return security_error{errc::wrong_identity, "the certificate is for CN=" + who.name
                                                  + ", not CN=" + std::string{expected_name}};
  return who;
}

result<identity> trust::check(std::string_view label, std::string_view message,
                              std::string_view proof, std::string_view certificate, role expected,
                              std::string_view expected_name, int64_t now_s) const {
  auto m = labelled(label, message);
  if (!uses_certificates()) {
    if (!certificate.empty())
      return security_error{errc::wrong_mode,
                            "a certificate was presented to a cluster without TLS"};
    if (!equal_constant_time(proof, hmac_sha256(impl_->secret, m)))
      return security_error{errc::bad_proof, "the proof does not match the cluster secret"};
    return identity{std::string{expected_name}, expected};
  }
  auto who = check_certificate(certificate, expected, expected_name, now_s);
  if (!who)
    return who;
  auto chain = parse_chain(certificate);
  pkey_ptr key{X509_get_pubkey(chain.front().get())};
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  if (!key || !ctx
      || EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(key.get()), nullptr, key.get()) != 1
      || EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(proof.data()),
                          proof.size(), reinterpret_cast<const unsigned char*>(m.data()), m.size())
           != 1) {
    ERR_clear_error();
    return security_error{errc::bad_proof, "the signature does not match the certificate's key"};
  }
  return who;
}

} // namespace keel::security
