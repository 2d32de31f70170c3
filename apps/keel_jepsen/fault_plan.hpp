// fault_plan: what keel-jepsen's nemesis does and when, drawn in advance from
// the run's seed so that a failing run can be repeated fault for fault. The
// run alternates quiet periods and faults: each fault is injected, held for a
// while (longer than an election timeout, so that it bites), then healed, and
// the cluster gets a quiet period to recover before the next one. Which fault
// comes next cycles through the enabled kinds in a seeded order, so a run
// with room for k faults injects k different kinds before any repeats.
// Pure: no clock, no processes; the nemesis (nemesis.hpp) carries it out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::jepsen {

enum class fault_kind : uint8_t {
  kill,           // kill -9 of a random node; restarted at heal
  kill_leader,    // kill -9 of the node that leads a random shard; restarted at heal
  kill_majority,  // kill -9 of a majority of the nodes; restarted at heal
  pause,          // SIGSTOP of a random node; SIGCONT at heal
  partition,      // a random minority of the nodes cut off from the rest
  isolate_leader, // the node that leads a random shard cut off from every other
  bridge,         // two halves that cannot reach each other but both reach one node
  flap,           // a random minority cut off and reconnected, about every second
  loss,           // 30 % of the messages between every pair of nodes dropped
  delay,          // every message between a random node and the rest held 50-200 ms
  crash,          // crash of random actors (by supervision path) on random nodes
  restart_all,    // kill -9 of every node, then all restarted at once
  lose_data,      // kill -9 of a random node, its data directory taken away, the node
                  // restarted empty (its peers must refuse it); at heal, killed again and
                  // restarted on the directory put back
};

/// Every kind, in declaration order.
inline constexpr fault_kind all_fault_kinds[] = {
  fault_kind::kill,      fault_kind::kill_leader, fault_kind::kill_majority,
  fault_kind::pause,     fault_kind::partition,   fault_kind::isolate_leader,
  fault_kind::bridge,    fault_kind::flap,        fault_kind::loss,
  fault_kind::delay,     fault_kind::crash,       fault_kind::restart_all,
  fault_kind::lose_data,
};

/// "kill", "kill-leader", "kill-majority", "pause", "partition",
/// "isolate-leader", "bridge", "flap", "loss", "delay", "crash", "restart-all",
/// "lose-data".
const char* to_string(fault_kind k);

/// Parses a comma-separated list of kinds ("all" = every kind; "none" = no
/// faults); duplicates are ignored. On error, the message names the bad word
/// and lists the valid ones.
struct fault_list_result {
  std::vector<fault_kind> kinds;
  std::string error;
};
fault_list_result parse_fault_list(std::string_view text);

/// One fault of the plan. Times are milliseconds from the start of the load.
struct planned_fault {
  fault_kind kind = fault_kind::kill;
  uint64_t start_ms = 0;
  uint64_t heal_ms = 0;
  /// The nodes it acts on (indexes into cluster.conf's nodes), chosen here
  /// for the kinds that do not depend on who leads: kill, pause, delay, crash,
  /// lose_data (one node), kill_majority, partition, flap (the group cut off or
  /// killed), bridge (the bridging node first, then one half). Empty for
  /// kill_leader, isolate_leader, loss and restart_all.
  std::vector<size_t> nodes;
  /// A random number for choices made when the fault is injected (which
  /// shard's leader, which actor, which delay).
  uint64_t pick = 0;
};

struct plan_settings {
  uint64_t duration_ms = 30'000; // the load's length; no fault starts in its last quiet period
  uint64_t quiet_ms = 3'000;     // before the first fault and after each heal
  uint64_t fault_ms = 4'000;     // how long a fault is held
  size_t nodes = 3;
  std::vector<fault_kind> kinds;
  uint64_t seed = 1;
};

/// The faults of a run, in time order, none overlapping: quiet, fault, quiet,
/// fault, ..., every fault healed at least quiet_ms before the end.
// REQUIRES: nodes >= 1 (bridge needs 3 and is skipped with fewer)
std::vector<planned_fault> make_plan(const plan_settings& s);

} // namespace keel::jepsen
