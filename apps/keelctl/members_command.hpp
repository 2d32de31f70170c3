// keelctl members: asks every node, in parallel, how it sees the others (its
// transport and failure detector) and prints one table per node, or JSON.
#pragma once

#include "apps/keelctl/admin_answers.hpp"

namespace keel::keelctl {

/// Per node: its view of every node (connection, phi, verdict, active
/// faults), or, from a node that cannot tell, whether keelctl reaches it.
/// Exit 0 if any node was reached.
int run_members(const target& t, const admin_io& io);

} // namespace keel::keelctl
