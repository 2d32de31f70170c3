#include "apps/common/cluster_config_security.hpp"

#include <utility>

#include "actors/config/core/loopback.hpp"
#include "apps/common/cluster_config_toml.hpp"

namespace keel::config::parsing {

checked check_security(const toml::table& root, const cluster_config& cfg) {
  const auto& sec = cfg.security;
  section tls{root.get_as<toml::table>("tls"), "tls", cfg.source};
  auto* array = root.get_as<toml::array>("node");
  auto node_section = [&](size_t i) {
    return section{array->get(i)->as_table(), concat("node[", i + 1, "]"), cfg.source};
  };
  if (sec.client_cert_file.empty() != sec.client_key_file.empty()) {
    bool has_cert = !sec.client_cert_file.empty();
    return tls.error(has_cert ? "client_cert" : "client_key",
                     has_cert
                       ? "needs tls.client_key too: a certificate is of no use without its key"
                       : "needs tls.client_cert too: a key is of no use without its certificate");
  }
  if (!sec.tls()) {
    for (auto key : {"client_cert", "client_key"})
      if (tls.has(key))
        return tls.error(key,
                         "needs tls.ca_file: without it TLS is off and no certificate is used");
    for (size_t i = 0; i < cfg.nodes.size(); ++i) {
      auto s = node_section(i);
      for (auto key : {"cert", "key"})
        if (s.has(key))
          return s.error(key, "needs [tls] ca_file: node certificates are used only with TLS (set "
                              "ca_file in [tls], or remove cert and key)");
    }
    if (sec.insecure_plaintext)
      return {};
    for (size_t i = 0; i < cfg.nodes.size(); ++i) {
      if (is_loopback(cfg.nodes[i].host))
        continue;
      return node_section(i).error(
        "host", "'" + cfg.nodes[i].host
                  + "' is not a loopback address and TLS is off, so keys, values and Raft "
                    "traffic would cross the network in plaintext: enable TLS ([tls] ca_file, "
                    "and cert and key for every node; scripts/gen-certs.sh makes them), or set "
                    "insecure_plaintext = true in [cluster] to accept plaintext");
    }
    return {};
  }
  if (auto r = tls.require_readable("ca_file", sec.ca_file); !r)
    return r;
  if (!sec.client_cert_file.empty()) {
    if (auto r = tls.require_readable("client_cert", sec.client_cert_file); !r)
      return r;
    if (auto r = tls.require_readable("client_key", sec.client_key_file); !r)
      return r;
  }
  for (size_t i = 0; i < cfg.nodes.size(); ++i) {
    auto s = node_section(i);
    const auto& node = cfg.nodes[i];
    for (auto [key, file] :
         {std::pair{"cert", &node.cert_file}, std::pair{"key", &node.key_file}}) {
      if (file->empty())
        return s.error(key, concat("is required with [tls] ca_file: every node presents its own "
                                   "certificate (CN = ",
                                   node.id,
                                   ", OU = keel-node) and key; "
                                   "scripts/gen-certs.sh makes them"));
      if (auto r = s.require_readable(key, *file); !r)
        return r;
    }
  }
  return {};
}

} // namespace keel::config::parsing
