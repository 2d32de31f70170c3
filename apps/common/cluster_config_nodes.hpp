// cluster_config_nodes: the [[node]] tables of cluster.conf: one per keel-node, each
// with a valid id, host and client port, a peer port (port + 1000 unless set),
// and no id or host:port used twice across the nodes.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "apps/common/cluster_config_toml.hpp"

namespace keel::config::parsing {

/// Appends the nodes of `root` to cfg.nodes, in file order; cert and key made
/// absolute against `base_dir`. Returns the first problem.
checked read_nodes(const toml::table& root, const std::string& base_dir, cluster_config& cfg);

} // namespace keel::config::parsing
