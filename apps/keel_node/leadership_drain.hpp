// Graceful shutdown, first step: before its supervision tree stops, a node
// hands the leadership of every shard it leads to a caught-up follower
// (leadership transfer, Raft thesis §3.10). Clients then find a new leader at
// once instead of waiting out an election timeout. The node keeps serving
// (and receiving peer traffic through its service) while it drains.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

namespace keel::sup {
class directory;
}

namespace keel::node {

/// Asks each replica at `replica_paths` to hand over leadership, then waits
/// until none of them leads or `deadline` passes. Returns how many still lead.
/// Blocks the calling thread: call it from a thread of its own, never from
/// an actor.
size_t drain_leadership(caf::actor_system& sys, const sup::directory& dir,
                        const std::vector<std::string>& replica_paths,
                        std::chrono::milliseconds deadline);

} // namespace keel::node
