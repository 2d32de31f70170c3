// keelctl status: asks every node's client service for its status, in
// parallel, and prints a table (or JSON) of the nodes and their shard replicas.
#pragma once

#include "apps/keelctl/admin_answers.hpp"

namespace keel::keelctl {

/// Per node: reachable or not, uptime; per shard replica: role, term, commit
/// and applied index, lag, leader. Exit 0 if any node answered.
int run_status(const target& t, const admin_io& io);

} // namespace keel::keelctl
