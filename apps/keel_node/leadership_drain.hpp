// Graceful shutdown, first step: before its supervision tree stops, a node
// hands the leadership of every shard it leads to a caught-up follower
// (leadership transfer, Raft thesis §3.10). Clients then find a new leader at
// once instead of waiting out an election timeout. The node keeps serving
// (and receiving peer traffic through its service) while it drains.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

namespace keel::sup {
class directory;
}

namespace keel::node {

/// Asks the replica of each of `shards` under the supervision root `root`
/// (e.g. "/n1") to hand over leadership, then waits
/// until none of them leads or `deadline` passes. Returns how many still lead.
/// Blocks the calling thread: call it from a thread of its own, never from
/// an actor.
size_t drain_leadership(caf::actor_system& sys, const sup::directory& dir, const std::string& root,
                        const std::vector<uint32_t>& shards, std::chrono::milliseconds deadline);

} // namespace keel::node
