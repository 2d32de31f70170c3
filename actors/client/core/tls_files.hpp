// tls_files: which certificate files a Keel client program presents, decided
// once from its flags (--cacert, --cert, --key) and its cluster.conf ([tls]),
// with a one-line error for every inconsistent or unreadable choice, before
// anything is sent. Pure (reads only whether files can be opened); used by
// client::resolve_target and the unit tests.
#pragma once

#include <string>

#include "actors/client/core/errc.hpp"
#include "actors/config/core/cluster_config.hpp"

namespace keel::client {

/// The TLS settings of a client runtime (CAF's openssl module, mutual TLS):
/// the CA that signed the nodes' certificates, and the client's own
/// certificate (OU=keel-client, or keel-operator for `keelctl fault`) and key.
/// All empty: plaintext.
struct tls_settings {
  std::string ca_file;    // PEM
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
  std::string passphrase; // of an encrypted key_file; empty: not encrypted

  bool enabled() const { return !ca_file.empty(); }
};

/// The TLS flags of a command line; empty when absent.
struct tls_flags {
  std::string ca_file;   // --cacert
  std::string cert_file; // --cert
  std::string key_file;  // --key

  bool any() const { return !ca_file.empty() || !cert_file.empty() || !key_file.empty(); }
};

/// Decides the TLS settings. `cluster` is the security section of the
/// cluster.conf at `config_path`, or null when the nodes were given as
/// --endpoints.
///  - The three flags go together. Given, they win over the file (an operator
///    certificate instead of the file's client certificate), but a cluster.conf
///    without [tls] describes plaintext nodes, so TLS flags with it are an error.
///  - Without flags, the file decides: plaintext without [tls] ca_file; with
///    it, the file's client_cert and client_key, which must then be set.
///  - Every file taken from the flags must be a readable file (the config's
///    own files were checked when it was loaded).
/// Returns the settings, or the one-line reason they cannot be used.
setup_result<tls_settings> resolve_tls(const tls_flags& flags,
                                       const config::security_config* cluster,
                                       const std::string& config_path);

} // namespace keel::client
