#include "actors/client/core/tls_files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace keel::client {
namespace {

/// Success if `path`, given as `flag`, can be read.
setup_result<void> readable(const std::string& flag, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return setup_error{errc::unreadable_file, flag + ": '" + path + "' is a directory, not a file"};
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return setup_error{errc::unreadable_file,
                       flag + ": cannot read '" + path + "': " + std::strerror(errno)};
  return {};
}

} // namespace

setup_result<tls_settings> resolve_tls(const tls_flags& flags,
                                       const config::security_config* cluster,
                                       const std::string& config_path) {
  if (flags.any()) {
    std::string missing;
    for (auto [flag, value] :
         {std::pair{"--cacert", &flags.ca_file}, std::pair{"--cert", &flags.cert_file},
          std::pair{"--key", &flags.key_file}})
      if (value->empty())
        missing += (missing.empty() ? "" : " and ") + std::string{flag};
    if (!missing.empty())
      return setup_error{errc::tls_flags,
                         "--cacert, --cert and --key go together: " + missing + " missing"};
    if (cluster != nullptr && !cluster->tls())
      return setup_error{errc::tls_flags, "--cacert, --cert and --key given, but " + config_path
                                            + " has no [tls] ca_file: its nodes speak plaintext"};
    for (auto [flag, value] :
         {std::pair{"--cacert", &flags.ca_file}, std::pair{"--cert", &flags.cert_file},
          std::pair{"--key", &flags.key_file}})
      if (auto checked = readable(flag, *value); !checked)
        return checked.error();
    return tls_settings{flags.ca_file, flags.cert_file, flags.key_file, ""};
  }
  if (cluster == nullptr || !cluster->tls())
    return tls_settings{};
  if (cluster->client_cert_file.empty())
    return setup_error{errc::no_client_certificate,
                       config_path
                         + ": the cluster uses TLS, and [tls] names no client_cert and "
                           "client_key: pass --cacert FILE --cert FILE --key FILE, or "
                           "set them"};
  return tls_settings{cluster->ca_file, cluster->client_cert_file, cluster->client_key_file, ""};
}

} // namespace keel::client
