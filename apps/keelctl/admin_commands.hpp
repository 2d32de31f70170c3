// keelctl's operator commands: status, members, tree and fault. They ask the
// nodes' client services (in parallel where they ask several), print a table,
// a tree or JSON, and return the contract's exit code.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "apps/keelctl/target.hpp"

namespace keel::keelctl {

/// Output settings shared by the operator commands.
struct admin_io {
  bool json = false;
  std::ostream& out;
  std::ostream& err;
};

/// Per node: reachable or not, uptime; per shard replica: role, term, commit
/// and applied index, leader. Exit 0 if any node answered.
int run_status(const target& t, const admin_io& io);

/// Per node: its view of every node (connection, phi, verdict, active
/// faults), or, from a node that cannot tell, whether keelctl reaches it.
int run_members(const target& t, const admin_io& io);

/// The live supervision tree of `node` (a node id or host:port), or of every
/// node when it is empty.
int run_tree(const target& t, const std::string& node, const admin_io& io);

/// One `keelctl fault` command line.
struct fault_command {
  std::string kind;           // crash, partition, drop, delay or heal
  std::string node;           // crash/partition/drop/delay: where it is applied;
                              // heal: the node to heal, empty for every node
  std::string path;           // crash: the supervision path to crash
  std::string peer;           // partition/drop/delay: the other node
  uint32_t amount = 0;        // drop: percent; delay: milliseconds
};

/// Sends the fault request(s); exit 0 only if every addressed node applied it.
int run_fault(const target& t, const fault_command& cmd, const admin_io& io);

} // namespace keel::keelctl
