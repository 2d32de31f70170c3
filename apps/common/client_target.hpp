// client_target: the cluster a client program talks to, from the flags every
// Keel client tool shares: the nodes of a cluster.conf (--config) or an
// explicit list (--endpoints host:port,...), and TLS (--cacert, --cert, --key,
// or the config's [tls]), resolved into session options and transport settings
// before anything is sent. Used by keelctl and keel-bench. It lives with the
// apps because it reads cluster.conf; the client library takes the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/client/client.hpp"
#include "apps/common/cluster_config.hpp"

namespace keel::client {

/// Where requests go, and how.
struct target {
  std::optional<config::cluster_config> cluster; // set when it came from a file
  std::string config_path;                       // the file, when there is one
  ::keel::client::options options;               // endpoints, deadline, shards
  transport_options transport;                   // matching the nodes' middleman,
                                                 // and TLS (transport.tls)
};

/// Resolves the shared flags; a non-empty `endpoints` wins over the file.
/// `timeout_ms` becomes the whole-operation deadline, and caps each request.
/// `tls`: the TLS flags, resolved against the file by resolve_tls
/// (core/tls_files.hpp). Returns the target, or why it cannot be used: a
/// malformed list (errc::bad_endpoints), the config_error of a bad file
/// (errc::bad_config, its to_string() as the message), or a TLS error.
setup_result<target> resolve_target(const std::string& config_path, const std::string& endpoints,
                                    uint32_t timeout_ms, const tls_flags& tls = {});

} // namespace keel::client
