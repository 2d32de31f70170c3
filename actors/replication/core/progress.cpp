// progress: per-follower replication state of the leader.
#include "actors/replication/core/progress.hpp"

#include <algorithm>

#include "actors/base/core/errors.hpp"

namespace keel::raft {

const char* to_string(progress_state s) {
  switch (s) {
    case progress_state::probe: return "probe";
    case progress_state::replicate: return "replicate";
    case progress_state::snapshot: return "snapshot";
  }
  return "unknown";
}

void inflight_window::add(uint64_t last_index) {
  KEEL_ASSERT(!full(), "more appends in flight than the window allows");
  last_indexes_.push_back(last_index);
}

void inflight_window::free_up_to(uint64_t index) {
  while (!last_indexes_.empty() && last_indexes_.front() <= index)
    last_indexes_.pop_front();
}

void inflight_window::free_first() {
  if (!last_indexes_.empty())
    last_indexes_.pop_front();
}

void progress::become_probe() {
  // Coming back from a snapshot, the follower holds at least the snapshot.
  auto floor = state == progress_state::snapshot ? std::max(match, pending_snapshot) : match;
  state = progress_state::probe;
  probe_sent = false;
  pending_snapshot = 0;
  snapshot_elapsed_ticks = 0;
  inflight.clear();
  next = floor + 1;
}

void progress::become_replicate() {
  state = progress_state::replicate;
  probe_sent = false;
  pending_snapshot = 0;
  snapshot_elapsed_ticks = 0;
  inflight.clear();
  next = match + 1;
}

void progress::become_snapshot(uint64_t snapshot_index) {
  state = progress_state::snapshot;
  probe_sent = false;
  pending_snapshot = snapshot_index;
  snapshot_elapsed_ticks = 0;
  inflight.clear();
}

bool progress::maybe_update(uint64_t index) {
  if (index <= match)
    return false;
  match = index;
  next = std::max(next, index + 1);
  probe_sent = false;
  snapshots_unanswered = 0; // it answers: a snapshot's round trip takes no longer than this one
  return true;
}

void progress::on_append_sent(uint64_t last_index, bool carried_entries) {
  switch (state) {
    case progress_state::replicate:
      // Pipelining: assume the append will succeed and send the next one
      // right away; a rejection brings next back to match + 1.
      if (carried_entries) {
        next = last_index + 1;
        inflight.add(last_index);
      }
      break;
    case progress_state::probe: probe_sent = true; break;
    case progress_state::snapshot:
      KEEL_ASSERT(false, "append sent to a follower waiting for a snapshot");
  }
}

bool progress::maybe_decrease_to(uint64_t rejected, uint64_t match_hint) {
  if (state == progress_state::replicate) {
    // Appends beyond match were optimistic; one failed, so restart from match.
    if (rejected <= match)
      return false; // stale: answers an append older than what is already matched
    next = match + 1;
    return true;
  }
  // Probing: only the answer to the append at next - 1 counts.
  if (next - 1 != rejected)
    return false;
  next = std::max<uint64_t>(std::min(rejected, match_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

bool progress::is_paused() const {
  switch (state) {
    case progress_state::probe: return probe_sent;
    case progress_state::replicate: return inflight.full();
    case progress_state::snapshot: return true;
  }
  return true;
}

} // namespace keel::raft
