// What a leader knows about each follower's log: matchIndex and nextIndex of
// the paper (§5.3, Figure 2), plus the flow control of etcd raft's Progress:
// a follower is either probed (one append at a time, to find where the logs
// agree), replicated to (appends pipelined up to a window), or being sent a
// snapshot (§7). Owned by raft::node while it is leader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace keel::raft {

/// How the leader currently feeds one follower.
enum class progress_state {
  probe,     ///< next_index is a guess: send one append, wait for the answer
  replicate, ///< the logs agree up to match: stream appends, several in flight
  snapshot,  ///< the follower needs compacted entries: a snapshot is on its way
};

/// Name of the state for logs and status output.
const char* to_string(progress_state s);

/// The sliding window of appends in flight to one follower (pipelining).
/// Each element is the last index an in-flight append carries.
class inflight_window {
public:
  explicit inflight_window(size_t capacity)
    : capacity_(capacity) {}

  /// Records an append carrying entries up to `last_index`. REQUIRES: !full().
  void add(uint64_t last_index);
  /// Frees every append whose entries are all at or below `index` (acknowledged).
  void free_up_to(uint64_t index);
  /// Frees the oldest append (presumed lost, so the window cannot stay full forever).
  void free_first();
  void clear() { last_indexes_.clear(); }

  bool full() const { return last_indexes_.size() >= capacity_; }
  size_t count() const { return last_indexes_.size(); }

private:
  std::deque<uint64_t> last_indexes_; // increasing
  size_t capacity_;
};

/// The leader's record of one voter.
/// invariant: match < next.
struct progress {
  explicit progress(size_t max_inflight)
    : inflight(max_inflight) {}

  uint64_t match = 0; // matchIndex: highest index known to be replicated there
  uint64_t next = 1;  // nextIndex: index of the next entry to send
  progress_state state = progress_state::probe;
  bool probe_sent = false; // probe state: an append is out; wait for its answer or a heartbeat
  uint64_t pending_snapshot = 0;    // snapshot state: index of the snapshot sent
  int snapshot_elapsed_ticks = 0;   // snapshot state: ticks since it was sent (to retry a lost one)
  int snapshots_unanswered = 0;     // in a row, presumed lost: each waits twice as long as the last
                                    // (node::snapshot_timeout); reset when match moves
  uint64_t refused_snapshot = 0;    // index of a snapshot the follower refused: not sent again
  bool recent_active = false;       // heard from since the last check-quorum round (thesis §6.2)
  uint64_t commit_sent = 0;         // highest commit index the follower was sent and may use
                                    // (capped by the log it holds or was sent with it)
  uint64_t lost_entries_warned = 0; // the match at which it was found to have lost entries
  inflight_window inflight;         // replicate state: appends not yet acknowledged

  void become_probe();
  void become_replicate();
  void become_snapshot(uint64_t snapshot_index);

  /// Handles an acknowledgement that the follower's log matches up to `index`.
  /// Returns whether match moved.
  bool maybe_update(uint64_t index);

  /// Records an append sent with entries up to `last_index` (none if last_index < next).
  void on_append_sent(uint64_t last_index, bool carried_entries);

  /// Handles a rejected append of the entries after `rejected`, the follower
  /// hinting that the logs may agree up to `match_hint`. Returns false if the
  /// rejection is stale (it answers an older append) and was ignored.
  bool maybe_decrease_to(uint64_t rejected, uint64_t match_hint);

  /// True if no append should be sent now (flow control).
  bool is_paused() const;
};

} // namespace keel::raft
