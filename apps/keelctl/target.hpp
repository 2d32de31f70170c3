// Where keelctl sends its requests: the nodes of a cluster.conf (--config, by
// default ./cluster.conf) or an explicit list (--endpoints host:port,...),
// resolved into client options before anything is sent. A bad file or list is
// a usage error: keelctl exits 2 with the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "actors/client/client.hpp"
#include "apps/common/cluster_config.hpp"

namespace keel::keelctl {

/// The cluster keelctl talks to.
struct target {
  std::optional<config::cluster_config> cluster; // set when it came from a file
  std::string config_path;                       // the file, when there is one
  client::options options;                       // endpoints, deadline, shards
  client::transport_options transport;           // matching the nodes' middleman
};

/// Resolves the global flags. `endpoints` non-empty wins over the file.
/// Returns the target, or the one-line reason it cannot be used.
std::variant<target, std::string> resolve_target(const std::string& config_path,
                                                 const std::string& endpoints,
                                                 uint32_t timeout_ms);

/// The endpoint a NODE argument names (a node id, or host:port), or the
/// one-line usage error that lists the known nodes.
std::variant<size_t, std::string> find_node(const target& t, const std::string& node);

/// Checks a key and a value against cluster.conf's [limits] (or, without a
/// file, only that the key is not empty). Returns the problem, if any.
std::optional<std::string> check_input(const target& t, const std::string& key,
                                       const std::string* value);

} // namespace keel::keelctl
