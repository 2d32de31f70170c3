// target: the cluster a client program talks to, from the flags every Keel
// client tool shares: the nodes of a cluster.conf (--config) or an explicit
// list (--endpoints host:port,...), resolved into session options and
// middleman settings before anything is sent. Used by keelctl and keel-bench.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "actors/client/client.hpp"
#include "apps/common/cluster_config.hpp"

namespace keel::client {

/// Where requests go, and how.
struct target {
  std::optional<config::cluster_config> cluster; // set when it came from a file
  std::string config_path;                       // the file, when there is one
  ::keel::client::options options;               // endpoints, deadline, shards
  transport_options transport;                   // matching the nodes' middleman
};

/// Resolves the shared flags; a non-empty `endpoints` wins over the file.
/// `timeout_ms` becomes the whole-operation deadline, and caps each request.
/// Returns the target, or the one-line reason it cannot be used (a malformed
/// list, or the config_error of a bad file).
std::variant<target, std::string> resolve_target(const std::string& config_path,
                                                 const std::string& endpoints,
                                                 uint32_t timeout_ms);

} // namespace keel::client
