// The leader's pending linearizable reads (ReadIndex, thesis §6.4): each read
// remembers the commit index at the time it arrived and waits until a
// majority has acknowledged a heartbeat sent after it, which proves that no
// newer leader existed at that moment. Owned by raft::node while leader;
// modeled on etcd raft's readOnly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace keel::raft {

/// A read that may be served once the state machine has applied `index`.
struct read_state {
  std::string context; // the caller's id for the read (read_index's argument)
  uint64_t index = 0;  // serve the read after applying at least this index

  friend bool operator==(const read_state&, const read_state&) = default;
};

/// Reads waiting for a heartbeat quorum, in arrival order.
class read_index_queue {
public:
  /// Queues a read that arrived when the commit index was `index`. A
  /// context already queued is ignored (contexts must be unique).
  void add(std::string context, uint64_t index);

  /// Records that `voter` answered the heartbeat carrying `context`, and
  /// returns how many distinct voters have acknowledged it (0 if unknown).
  size_t ack(const std::string& voter, const std::string& context);

  /// Removes and returns every read queued up to and including `context`: a
  /// quorum acknowledging a later heartbeat confirms the earlier reads too.
  std::vector<read_state> confirm_through(const std::string& context);

  /// The context of the newest read, which heartbeats carry; empty if none.
  std::string last_context() const;

  /// Removes every read and returns their contexts (leadership was lost).
  std::vector<std::string> drain_contexts();

  bool empty() const { return order_.empty(); }

private:
  struct pending_read {
    uint64_t index = 0;
    std::set<std::string> acks;
  };
  std::map<std::string, pending_read> pending_;
  std::deque<std::string> order_; // contexts, oldest first
};

} // namespace keel::raft
