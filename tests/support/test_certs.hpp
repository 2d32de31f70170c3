// test_certs: a throw-away certificate authority for tests, made with
// OpenSSL's API (no openssl command line needed): a CA, and leaf certificates
// with a chosen CN and OU, written as PEM files into a directory.
// scripts/gen-certs.sh makes the same kind of set for users.
#pragma once

#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace keel::testing {

class test_ca {
public:
  /// A CA "keel test CA <name>" valid from 30 days ago until `days` from now, its files in `dir`.
  test_ca(std::string dir, std::string name = "main", int days = 30)
    : dir_(std::move(dir)) {
    ca_key_ = new_key();
    // Valid from 30 days back, so that tests can check leaves at past times.
    ca_cert_ = make_cert("keel test CA " + name, "", ca_key_.get(), nullptr, nullptr, days + 30,
                         true, -30);
    write_cert(ca_file(), ca_cert_.get());
  }

  std::string ca_file() const { return dir_ + "/ca.pem"; }

  struct files {
    std::string cert;
    std::string key;
  };

  /// A leaf signed by this CA; `valid_from_days`/`days` allow expired ones
  /// (e.g. -10 and 5: valid from 10 days ago until 5 days after that).
  files issue(const std::string& cn, const std::string& ou, int days = 30,
              int valid_from_days = 0) {
    auto key = new_key();
    auto cert
      = make_cert(cn, ou, key.get(), ca_cert_.get(), ca_key_.get(), days, false, valid_from_days);
    files f{dir_ + "/" + cn + "-" + ou + ".pem", dir_ + "/" + cn + "-" + ou + ".key"};
    write_cert(f.cert, cert.get());
    FILE* out = std::fopen(f.key.c_str(), "w");
    PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
    return f;
  }

private:
  struct key_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  struct cert_free {
    void operator()(X509* x) const { X509_free(x); }
  };
  using key_ptr = std::unique_ptr<EVP_PKEY, key_free>;
  using cert_ptr = std::unique_ptr<X509, cert_free>;

  static key_ptr new_key() {
    key_ptr k{EVP_EC_gen("P-256")};
    if (!k)
      throw std::runtime_error("test_ca: cannot make a key");
    return k;
  }

  static cert_ptr make_cert(const std::string& cn, const std::string& ou, EVP_PKEY* key,
                            X509* issuer, EVP_PKEY* issuer_key, int days, bool ca,
                            int valid_from_days = 0) {
    static long serial = 1;
    cert_ptr x{X509_new()};
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++ + std::time(nullptr));
    X509_gmtime_adj(X509_getm_notBefore(x.get()), valid_from_days * 86400L - 3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), (valid_from_days + days) * 86400L);
    X509_set_pubkey(x.get(), key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    if (!ou.empty())
      X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(ou.c_str()), -1, -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
    auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints,
                                    ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (ca) {
      ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
      X509_add_ext(x.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    if (!X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()))
      throw std::runtime_error("test_ca: cannot sign");
    return x;
  }

  static void write_cert(const std::string& path, X509* x) {
    FILE* out = std::fopen(path.c_str(), "w");
    if (!out)
      throw std::runtime_error("test_ca: cannot write " + path);
    PEM_write_X509(out, x);
    std::fclose(out);
  }

  std::string dir_;
  key_ptr ca_key_;
  cert_ptr ca_cert_;
};

} // namespace keel::testing
