// The simulated network between the replicas of one Raft group: every
// message gets a random delay (so messages reorder), may be dropped or
// duplicated, and is lost if a partition separates its ends when it
// arrives. Deterministic given the simulation's PRNG.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "messages/raft.pb.h"
#include "sim_random.hpp"

namespace keel::sim {

/// How hostile the network is.
struct network_faults {
  uint32_t drop_permille = 0;      // chance a message is lost
  uint32_t duplicate_permille = 0; // chance a message is delivered twice
  uint64_t max_delay_ticks = 0;    // delays are uniform in [0, max_delay_ticks]
};

/// Messages in flight, with partitions.
class sim_network {
public:
  explicit sim_network(sim_random& rng)
    : rng_(rng) {}

  void set_faults(network_faults f) { faults_ = f; }

  /// Sends m at time now: it arrives after a random delay, unless dropped.
  void send(raft::Message m, uint64_t now);

  /// The next message due at or before now, in delivery order; nothing if none is due.
  std::optional<raft::Message> next_due(uint64_t now);

  /// Splits the nodes: messages between different groups are lost.
  void partition(std::map<std::string, int> group_of) { group_of_ = std::move(group_of); }

  /// Removes every partition.
  void heal() { group_of_.clear(); }

  /// True if no partition separates a and b.
  bool connected(const std::string& a, const std::string& b) const;

  bool partitioned() const { return !group_of_.empty(); }
  size_t in_flight() const { return queue_.size(); }

  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;

private:
  struct envelope {
    uint64_t deliver_at;
    uint64_t tie_break; // random: equal delays deliver in random order
    raft::Message message;
  };
  struct later {
    bool operator()(const envelope& a, const envelope& b) const {
      return a.deliver_at != b.deliver_at ? a.deliver_at > b.deliver_at : a.tie_break > b.tie_break;
    }
  };

  void enqueue(raft::Message m, uint64_t now);

  sim_random& rng_;
  network_faults faults_;
  std::priority_queue<envelope, std::vector<envelope>, later> queue_;
  std::map<std::string, int> group_of_; // empty: fully connected
};

} // namespace keel::sim
