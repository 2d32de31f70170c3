#include "actors/client/core/tls_files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

namespace keel::client {
namespace {

/// Why `path`, given as `flag`, cannot be read; nothing when it can.
std::optional<std::string> unreadable(const std::string& flag, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return flag + ": '" + path + "' is a directory, not a file";
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return flag + ": cannot read '" + path + "': " + std::strerror(errno);
  return std::nullopt;
}

} // namespace

std::variant<tls_settings, std::string> resolve_tls(const tls_flags& flags,
                                                     const config::security_config* cluster,
                                                     const std::string& config_path) {
  if (flags.any()) {
    std::string missing;
    for (auto [flag, value] : {std::pair{"--cacert", &flags.ca_file},
                               std::pair{"--cert", &flags.cert_file},
                               std::pair{"--key", &flags.key_file}})
      if (value->empty())
        missing += (missing.empty() ? "" : " and ") + std::string{flag};
    if (!missing.empty())
      return "--cacert, --cert and --key go together: " + missing + " missing";
    if (cluster != nullptr && !cluster->tls())
      return "--cacert, --cert and --key given, but " + config_path
             + " has no [tls] ca_file: its nodes speak plaintext";
    for (auto [flag, value] : {std::pair{"--cacert", &flags.ca_file},
                               std::pair{"--cert", &flags.cert_file},
                               std::pair{"--key", &flags.key_file}})
      if (auto why = unreadable(flag, *value))
        return *why;
    return tls_settings{flags.ca_file, flags.cert_file, flags.key_file, ""};
  }
  if (cluster == nullptr || !cluster->tls())
    return tls_settings{};
  if (cluster->client_cert_file.empty())
    return config_path + ": the cluster uses TLS, and [tls] names no client_cert and "
                         "client_key: pass --cacert FILE --cert FILE --key FILE, or set them";
  return tls_settings{cluster->ca_file, cluster->client_cert_file, cluster->client_key_file, ""};
}

} // namespace keel::client
