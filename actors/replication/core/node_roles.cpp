// raft::node role changes: follower, pre-candidate, candidate, leader (§5.1,
// Figure 4; thesis §9.6 for the pre-candidate).
#include <utility>

#include "actors/replication/core/logger.hpp"
#include "actors/replication/core/node.hpp"

namespace keel::raft {

void node::become_follower(uint64_t term, std::string leader) {
  reset(term);
  role_ = role::follower;
  leader_id_ = std::move(leader);
}

void node::become_pre_candidate() {
  // Thesis §9.6: a pre-candidate keeps its term and vote; it only polls.
  KEEL_ASSERT(role_ != role::leader, "a leader cannot become pre-candidate");
  role_ = role::pre_candidate;
  votes_.clear();
  leader_id_.clear();
  write_log(log_level::info, "became pre_candidate");
}

void node::become_candidate() {
  // §5.2: increment currentTerm and vote for self.
  KEEL_ASSERT(role_ != role::leader, "a leader cannot become candidate");
  reset(term_ + 1);
  vote_ = cfg_.id;
  role_ = role::candidate;
  ++campaigns_;
  write_log(log_level::info, "became candidate");
}

void node::become_leader() {
  KEEL_ASSERT(role_ == role::candidate, "only a candidate can become leader");
  reset(term_);
  role_ = role::leader;
  leader_id_ = cfg_.id;
  uncommitted_bytes_ = 0; // counts this term's proposals only
  progress_.at(cfg_.id).become_replicate();
  write_log(log_level::info, "became leader last_index=" + std::to_string(log_.last_index()));
  // §5.4.2 and §8: a new leader commits entries of earlier terms only by
  // committing one of its own term, so it appends a no-op at once. Its
  // commit also tells the leader the latest commit index (thesis §6.4).
  Entry noop;
  noop.set_type(ENTRY_NOOP);
  append_entry(std::move(noop));
}

void node::reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_.clear(); // votedFor belongs to a term
  }
  leader_id_.clear();
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  lead_transferee_.clear();
  votes_.clear();
  // Figure 2, volatile state on leaders: nextIndex = last log index + 1,
  // matchIndex = 0, reinitialized after each election.
  for (auto& [id, pr] : progress_) {
    pr = progress{cfg_.max_inflight_appends};
    pr.next = log_.last_index() + 1;
    if (id == cfg_.id)
      pr.match = log_.last_durable_index(); // §10.2.1: only what is on disk counts
  }
  // Reads not yet confirmed cannot be confirmed by anyone else: give them back.
  for (auto& context : reads_pending_.drain_contexts())
    reads_aborted_.push_back(std::move(context));
  for (auto& context : reads_before_commit_)
    reads_aborted_.push_back(std::move(context));
  reads_before_commit_.clear();
}

void node::reset_randomized_election_timeout() {
  // §5.2: randomized in [election_ticks, 2 * election_ticks). A plain modulo
  // (not a std distribution) keeps runs identical across standard libraries.
  auto spread = static_cast<int>(rng_() % static_cast<uint64_t>(cfg_.election_ticks));
  randomized_election_timeout_ = cfg_.election_ticks + spread;
}

} // namespace keel::raft
