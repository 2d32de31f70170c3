// cluster_config_schema: what cluster.conf may hold: its sections, each
// section's settings with their types, ranges and defaults, and the rules that
// relate settings of one section (election vs heartbeat ticks) or the nodes to
// [cluster] (replication_factor). Reading a table is cluster_config_toml's job,
// the [[node]] tables cluster_config_nodes', the TLS rules
// cluster_config_security's.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "apps/common/cluster_config_toml.hpp"

namespace keel::config::parsing {

/// Reads every section of `root` into `cfg` (whose source is set), in the
/// order the checks need: the top level, [cluster], [tls], [timing], [raft],
/// [limits], [log], the nodes, then replication_factor against the nodes.
/// Returns the first problem.
checked read_settings(const toml::table& root, const std::string& base_dir, cluster_config& cfg);

} // namespace keel::config::parsing
