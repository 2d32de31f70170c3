// cluster_report: what one `keelctl cluster` verb did to each node and the
// state it left behind, the input of the rendering.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "apps/common/cluster_config.hpp"
#include "apps/launcher/node_process.hpp"

namespace keel::launcher {

/// One node after a verb.
struct node_report {
  const config::node_config* node = nullptr;
  std::string action; // empty for status
  node_process process;
  bool port_open = false;
  bool peer_port_open = false;
};

/// By index in cluster_config::nodes, so that output follows the file's order.
using cluster_report = std::map<size_t, node_report>;

/// "host:port" of a node's client port, as the verbs and the rendering name it.
inline std::string client_address(const config::node_config& node) {
  return node.host + ":" + std::to_string(node.port);
}

} // namespace keel::launcher
