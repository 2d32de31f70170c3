// cluster_render: a cluster_report as `keelctl cluster` prints it: a table for
// status, a line per node for the verbs that act, or one JSON object.
#pragma once

#include <iosfwd>
#include <string>

#include "apps/launcher/cluster_report.hpp"

namespace keel::launcher {

/// With `json`: {"verb": ..., "nodes": [{"id", "host", "port", "peer_port",
/// "pid" (or null), "state", "port_open", "peer_port_open", "stale_pid_file",
/// and "action" when there is one}]}. Else a table for `status`, and for the
/// other verbs "n1: started (running, pid 42, 127.0.0.1:7001 open, peer 8001 open)".
void render(const std::string& verb, const cluster_report& report, bool json, std::ostream& out);

} // namespace keel::launcher
