// Which addresses never leave the machine: where plaintext is allowed between
// nodes (apps/common/cluster_config_security.cpp) and where a node's HTTP
// endpoint may take the dashboard's fault buttons (apps/node_http/).
#pragma once

#include <string_view>

namespace keel::config {

/// 127.0.0.0/8, ::1 or "localhost".
bool is_loopback(std::string_view host);

} // namespace keel::config
