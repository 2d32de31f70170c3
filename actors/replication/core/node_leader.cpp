// raft::node as leader: log replication with batching and pipelining (§5.3),
// the commit rule (§5.4.2), snapshots for followers behind the compacted log
// (§7), heartbeats and check-quorum (§5.2, thesis §6.2), ReadIndex (thesis
// §6.4) and leadership transfer (thesis §3.10).
#include <algorithm>
#include <cstdint>
#include <limits>

#include "actors/replication/core/logger.hpp"
#include "actors/replication/core/node.hpp"

namespace keel::raft {

void node::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= cfg_.election_ticks) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum && !check_quorum_active()) {
      // Thesis §6.2: a leader cut off from the majority steps down, so that
      // its clients look for the leader the majority has since elected.
      write_log(log_level::warn, "stepping down: no quorum heard from within an election timeout");
      become_follower(term_, {});
      return;
    }
    if (!lead_transferee_.empty()) {
      // Thesis §3.10: the target did not take over within an election
      // timeout; resume normal operation.
      write_log(log_level::info, "aborted leadership transfer to=" + lead_transferee_);
      lead_transferee_.clear();
    }
  }
  for (auto& [id, pr] : progress_) {
    if (pr.state == progress_state::snapshot
        && ++pr.snapshot_elapsed_ticks >= snapshot_timeout(pr)) {
      write_log(log_level::warn, "snapshot unacknowledged within "
                                   + std::to_string(pr.snapshot_elapsed_ticks)
                                   + " ticks, will resend to=" + id);
      // Waiting out a refused snapshot (send_snapshot) is not one lost.
      if (pr.pending_snapshot != pr.refused_snapshot)
        pr.snapshots_unanswered = std::min(pr.snapshots_unanswered + 1, max_snapshot_backoff);
      report_snapshot(id, false);
    }
  }
  if (heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat(reads_pending_.last_context());
  }
  send_new_commit();
}

// A snapshot is the whole state machine: reading it out, sending it and
// installing it can take far longer than snapshot_timeout_ticks, and a resend
// starts all three again while the first is still under way (a follower of
// a few tens of MiB per shard drew a resend every half second, each a new
// read-out, and stalled the leader's node: docs/benchmarks.md section 34).
// A snapshot that went with its connection is resent at once
// (follower_link_lost), but only the timeout tells a slow follower from a
// message lost without one, so the timeout stays; each snapshot presumed
// lost in a row waits twice as long as the one before, up to
// 2^max_snapshot_backoff times the configured timeout, and the count starts
// again once the follower's match moves.
int node::snapshot_timeout(const progress& pr) const {
  auto ticks = static_cast<int64_t>(cfg_.snapshot_timeout_ticks) << pr.snapshots_unanswered;
  return static_cast<int>(std::min<int64_t>(ticks, std::numeric_limits<int>::max()));
}

void node::follower_link_lost(const std::string& follower) {
  auto i = progress_.find(follower);
  if (i == progress_.end())
    return;
  auto& pr = i->second;
  if (pr.state == progress_state::snapshot && pr.pending_snapshot != pr.refused_snapshot) {
    // Lost with the connection, not slow: resend it once the follower
    // answers a heartbeat, with the wait the last one had.
    write_log(log_level::info, "snapshot lost with the connection to=" + follower);
    report_snapshot(follower, false);
    return;
  }
  report_unreachable(follower);
}

bool node::check_quorum_active() {
  size_t active = 0;
  for (auto& [id, pr] : progress_) {
    if (id == cfg_.id || pr.recent_active)
      ++active;
    if (id != cfg_.id)
      pr.recent_active = false; // start the next round
  }
  return active >= majority(progress_.size());
}

uint64_t node::append_entry(Entry e) {
  e.set_term(term_);
  e.set_index(log_.last_index() + 1);
  auto index = e.index();
  log_.append(std::span<const Entry>(&e, 1));
  // The leader's own copy is not counted yet: its append leaves in this
  // ready's leader_messages, maybe before the leader's disk has it, so it
  // counts from the advance() that confirms it durable (thesis §10.2.1).
  return index;
}

void node::maybe_commit() {
  std::vector<uint64_t> matches;
  matches.reserve(progress_.size());
  for (const auto& [id, pr] : progress_)
    matches.push_back(pr.match);
  if (!log_.maybe_commit(quorum_index(std::move(matches)), term_))
    return;
  if (committed_entry_in_current_term() && !reads_before_commit_.empty()) {
    // Thesis §6.4: the leader knows the commit index now; start the reads that waited.
    auto waiting = std::move(reads_before_commit_);
    reads_before_commit_.clear();
    for (auto& context : waiting)
      start_read(std::move(context));
  }
}

bool node::committed_entry_in_current_term() const {
  auto t = log_.term(log_.committed());
  return t.ok() && *t == term_;
}

bool node::send_append(const std::string& to, bool send_if_empty) {
  auto& pr = progress_.at(to);
  if (pr.is_paused())
    return false;
  auto prev_index = pr.next - 1;
  auto prev_term = log_.term(prev_index);
  auto ents = log_.entries(pr.next, cfg_.max_entries_per_append, cfg_.max_bytes_per_append);
  if (prev_term.ok() && ents.ok() && ents->empty() && !send_if_empty)
    return false;
  if (!prev_term.ok() || !ents.ok())
    return send_snapshot(to, pr); // §7: what the follower needs is compacted
  Message m;
  m.set_type(MSG_APPEND);
  m.set_to(to);
  m.set_index(prev_index);
  m.set_log_term(*prev_term);
  m.set_commit(log_.committed());
  // Batching: one append carries up to max_entries_per_append entries.
  const bool carried_entries = !ents->empty();
  const auto last = carried_entries ? ents->back().index() : prev_index;
  for (auto& e : *ents)
    *m.add_entries() = std::move(e);
  pr.on_append_sent(last, carried_entries);
  // The follower commits up to min(commit, the last entry this append
  // leaves it with), which is all it learns from this message.
  pr.commit_sent = std::max(pr.commit_sent, std::min(log_.committed(), last));
  send(std::move(m));
  return true;
}

bool node::send_snapshot(const std::string& to, progress& pr) {
  // Only to a follower known to be alive: a snapshot can be large.
  if (!pr.recent_active)
    return false;
  auto snap = log_.snapshot();
  if (!snap.ok()) {
    write_log(log_level::debug, "snapshot not available for to=" + to);
    return false;
  }
  KEEL_ASSERT(snap->metadata().index() != 0, "entries compacted without a snapshot");
  if (snap->metadata().index() == pr.refused_snapshot) {
    // The follower cannot use this snapshot and would refuse it again: wait
    // a snapshot timeout (for a newer one, or for it to catch up otherwise).
    pr.become_snapshot(pr.refused_snapshot);
    write_log(log_level::debug, "not resending refused snapshot to=" + to);
    return false;
  }
  pr.become_snapshot(snap->metadata().index());
  write_log(log_level::info,
            "sending snapshot to=" + to + " index=" + std::to_string(snap->metadata().index()));
  Message m;
  m.set_type(MSG_SNAPSHOT);
  m.set_to(to);
  *m.mutable_snapshot() = std::move(*snap);
  send(std::move(m));
  return true;
}

void node::broadcast_append() {
  for (const auto& [id, pr] : progress_)
    if (id != cfg_.id)
      send_append(id);
}

void node::send_heartbeat(const std::string& to, const std::string& context) {
  // Never let a heartbeat commit beyond what the follower is known to hold:
  // its log past match may still differ from ours.
  Message m;
  m.set_type(MSG_HEARTBEAT);
  m.set_to(to);
  auto& pr = progress_.at(to);
  m.set_commit(std::min(pr.match, log_.committed()));
  m.set_context(context);
  pr.commit_sent = std::max(pr.commit_sent, m.commit());
  send(std::move(m));
}

void node::send_new_commit() {
  // §5.3: followers learn the commit index from the appends and heartbeats
  // that follow. A busy leader's next append comes within a round trip and
  // carries it; this sends an empty one only to followers that got neither
  // since the index moved, so their state machines lag at most a tick.
  for (auto& [id, pr] : progress_)
    if (id != cfg_.id && std::min(pr.match, log_.committed()) > pr.commit_sent)
      send_append(id);
}

void node::broadcast_heartbeat(const std::string& context) {
  for (const auto& [id, pr] : progress_)
    if (id != cfg_.id)
      send_heartbeat(id, context);
}

void node::handle_append_response(const Message& m) {
  auto& pr = progress_.at(m.from());
  pr.recent_active = true;
  if (m.reject() && m.context() == snapshot_refused_context) {
    // The snapshot sent may stand for a later index than the one this core
    // named (the storage owner may send its state as it is when it reads it
    // out, as Keel's replica does): a refusal at or past it is of this one.
    if (pr.state == progress_state::snapshot && m.index() >= pr.pending_snapshot) {
      write_log(log_level::warn, "snapshot refused by=" + m.from()
                                   + " index=" + std::to_string(m.index()) + "; not resending it");
      pr.refused_snapshot = pr.pending_snapshot;
      pr.snapshot_elapsed_ticks = 0;
      pr.snapshots_unanswered = 0; // an answer: the snapshot was not lost
    }
    return;
  }
  if (m.reject()) {
    // §5.3: the follower's log does not hold our entry m.index(). It hinted
    // at (reject_hint, reject_term), the last entry that might match; skip
    // back over our whole term that cannot match in one round trip.
    auto next_probe = m.reject_hint();
    if (m.reject_term() > 0)
      next_probe = log_.find_conflict_by_term(m.reject_hint(), m.reject_term()).first;
    if (pr.maybe_decrease_to(m.index(), next_probe)) {
      write_log(log_level::debug,
                "append rejected by=" + m.from() + " next=" + std::to_string(pr.next));
      if (pr.state == progress_state::replicate)
        pr.become_probe();
      // A correct follower never rejects the entry at its match (it synced
      // what it acknowledged). One that does lost acknowledged entries (its
      // log ends below its match, or holds another term there), the probe
      // cannot move back past match + 1, and the follower answers it the same
      // way every time: probe it again at the next heartbeat response, not
      // at once, or the two would loop for ever.
      if (m.index() <= pr.match) {
        // Once a warning per match: the rejection repeats every heartbeat round.
        auto level = pr.lost_entries_warned == pr.match ? log_level::debug : log_level::warn;
        pr.lost_entries_warned = pr.match;
        write_log(level, "follower " + m.from() + " rejects at or below its match "
                           + std::to_string(pr.match) + ": it lost entries");
        return;
      }
      send_append(m.from());
    }
    return;
  }
  const bool was_paused = pr.is_paused();
  if (!pr.maybe_update(m.index()))
    return; // an old or duplicated acknowledgement
  switch (pr.state) {
    case progress_state::probe:
      pr.become_replicate(); // the logs agree up to match: start streaming
      break;
    case progress_state::snapshot:
      // The follower installed the snapshot (or otherwise caught up): once
      // the log can serve what it needs next, stream again.
      if (pr.match + 1 >= log_.first_index()) {
        pr.become_probe();
        pr.become_replicate();
      }
      break;
    case progress_state::replicate: pr.inflight.free_up_to(m.index()); break;
  }
  // A new commit index is not broadcast at once: the next append or tick
  // takes it to the followers (send_new_commit), so that a busy leader sends
  // one append per entry and a follower answers one, not two.
  maybe_commit();
  if (was_paused)
    send_append(m.from());
  // Pipelining: keep sending while the window has room and entries remain.
  while (send_append(m.from(), false)) {
  }
  if (m.from() == lead_transferee_ && pr.match == log_.last_index()) {
    write_log(log_level::info, "transfer target caught up to=" + m.from());
    send_timeout_now(m.from());
  }
}

void node::handle_heartbeat_response(const Message& m) {
  auto& pr = progress_.at(m.from());
  pr.recent_active = true;
  pr.probe_sent = false; // a probe may have been lost: allow another
  if (pr.state == progress_state::replicate && pr.inflight.full())
    pr.inflight.free_first(); // appends may have been lost: let one more out
  if (pr.match < log_.last_index())
    send_append(m.from());
  if (m.context().empty())
    return;
  // Thesis §6.4 step 3: the follower acknowledged our leadership after the
  // read arrived. A majority doing so confirms it.
  if (reads_pending_.ack(m.from(), m.context()) + 1 < majority(progress_.size()))
    return; // + 1: the leader acknowledges itself
  for (auto& rs : reads_pending_.confirm_through(m.context()))
    reads_confirmed_.push_back(std::move(rs));
}

void node::start_read(std::string context) {
  // Thesis §6.4 steps 2 and 3: record the commit index, then confirm
  // leadership with a fresh heartbeat round carrying the read's context.
  auto context_copy = context;
  reads_pending_.add(std::move(context), log_.committed());
  broadcast_heartbeat(context_copy);
}

void node::send_timeout_now(const std::string& to) {
  Message m;
  m.set_type(MSG_TIMEOUT_NOW);
  m.set_to(to);
  send(std::move(m));
}

} // namespace keel::raft
