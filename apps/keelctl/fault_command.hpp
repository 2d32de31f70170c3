// keelctl fault: builds one fault-injection request (crash, partition, drop,
// delay or heal), signs it for each addressed node as the operator, sends it
// and reports, per node, whether the fault is in effect.
#pragma once

#include <cstdint>
#include <string>

#include "apps/keelctl/admin_answers.hpp"

namespace keel::keelctl {

/// One `keelctl fault` command line.
struct fault_command {
  std::string kind;    // crash, partition, drop, delay or heal
  std::string node;    // crash/partition/drop/delay: where it is applied;
                       // heal: the node to heal, empty for every node
  std::string path;    // crash: the supervision path to crash
  std::string peer;    // partition/drop/delay: the other node
  uint32_t amount = 0; // drop: percent; delay: milliseconds
};

/// Sends the fault request(s); exit 0 only if every addressed node applied it.
int run_fault(const target& t, const fault_command& cmd, const admin_io& io);

} // namespace keel::keelctl
