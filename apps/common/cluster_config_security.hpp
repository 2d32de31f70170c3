// cluster_config_security: the rules that tie [tls], [cluster] insecure_plaintext and
// the nodes' cert, key and host together: TLS all or nothing, every file
// readable, and no plaintext cluster beyond loopback unless asked for.
#pragma once

#include <toml++/toml.h>

#include "apps/common/cluster_config_toml.hpp"

namespace keel::config::parsing {

/// Runs after everything has been read; returns the first problem.
checked check_security(const toml::table& root, const cluster_config& cfg);

} // namespace keel::config::parsing
