// raft::node leader election: randomized timeouts and RequestVote (§5.2), the
// up-to-date rule (§5.4.1), pre-vote (thesis §9.6), the leader lease on votes
// (thesis §4.2.3) and transfer campaigns (thesis §3.10).
#include <algorithm>

#include "actors/replication/core/logger.hpp"
#include "actors/replication/core/node.hpp"

namespace keel::raft {

void node::tick_election() {
  ++election_elapsed_;
  if (election_elapsed_ >= randomized_election_timeout_) {
    // §5.2: no word from a leader for an election timeout: campaign.
    election_elapsed_ = 0;
    start_campaign(cfg_.pre_vote ? campaign_kind::pre_election : campaign_kind::election);
  }
}

bool node::in_leader_lease() const {
  // Thesis §4.2.3: having heard from a leader within the minimum election
  // timeout, a server believes that leader is alive. Only sound when the
  // leader steps down on losing its quorum, hence check_quorum.
  return cfg_.check_quorum && !leader_id_.empty() && election_elapsed_ < cfg_.election_ticks;
}

void node::peer_unreachable(const std::string& peer) {
  if (peer.empty() || peer == cfg_.id)
    return;
  if (role_ == role::leader)
    return follower_link_lost(peer);
  if (role_ == role::follower && leader_id_ == peer)
    leader_link_lost(peer);
}

void node::leader_link_lost(const std::string& peer) {
  // Rank among the voters other than the lost leader, in cfg_.voters order
  // (the same list on every replica of the group, so the ranks are distinct).
  int rank = 0;
  for (const auto& v : cfg_.voters) {
    if (v == cfg_.id)
      break;
    if (v != peer)
      ++rank;
  }
  // The first campaigns at its next tick; each later one waits a few ticks
  // more, time enough for the pre-vote of the one before it to win (one
  // round trip) or to fail because its log is behind.
  const int wait = 1 + stagger_ticks_per_rank * rank;
  leader_id_.clear();
  election_elapsed_ = std::max(election_elapsed_, randomized_election_timeout_ - wait);
  write_log(log_level::info,
            "leader " + peer + " unreachable: campaigning in " + std::to_string(wait) + " tick(s)");
}

void node::start_campaign(campaign_kind kind) {
  if (term_ >= max_term) {
    // The next term would be past max_term, which every peer refuses (and
    // which could eventually wrap). Stay a follower; never crash on it.
    write_log(log_level::warn, "not campaigning: the term has reached max_term");
    return;
  }
  MessageType request;
  uint64_t term;
  if (kind == campaign_kind::pre_election) {
    become_pre_candidate();
    request = MSG_PRE_VOTE;
    term = term_ + 1; // thesis §9.6: the term it would campaign in, not yet taken
  } else {
    become_candidate();
    request = MSG_VOTE;
    term = term_;
  }
  // The candidate votes for itself; a single voter wins at once.
  if (record_vote(cfg_.id, true) == vote_result::won) {
    if (kind == campaign_kind::pre_election)
      start_campaign(campaign_kind::election);
    else
      become_leader();
    return;
  }
  write_log(log_level::info, std::string{"campaigning kind="}
                               + (request == MSG_PRE_VOTE ? "pre_vote" : "vote")
                               + " campaign_term=" + std::to_string(term));
  for (const auto& [id, pr] : progress_) {
    if (id == cfg_.id)
      continue;
    Message m;
    m.set_type(request);
    m.set_to(id);
    m.set_term(term);
    // §5.4.1: the voter compares these with its own last entry.
    m.set_index(log_.last_index());
    m.set_log_term(log_.last_term());
    if (kind == campaign_kind::transfer)
      m.set_context(std::string{transfer_campaign_context});
    send(std::move(m));
  }
}

vote_result node::record_vote(const std::string& voter, bool granted) {
  votes_.emplace(voter, granted); // only the first answer of a voter counts
  size_t yes = 0;
  size_t no = 0;
  for (const auto& [id, v] : votes_)
    (v ? yes : no) += 1;
  return tally_votes(progress_.size(), yes, no);
}

void node::handle_vote_request(const Message& m) {
  // §5.2: at most one vote per term, first come first served; we may repeat
  // a vote already given to the same candidate (a retransmission). A
  // pre-vote for a later term binds nothing and may always be granted.
  const bool can_vote = vote_ == m.from() || (vote_.empty() && leader_id_.empty())
                        || (m.type() == MSG_PRE_VOTE && m.term() > term_);
  const auto response = m.type() == MSG_VOTE ? MSG_VOTE_RESP : MSG_PRE_VOTE_RESP;
  Message resp;
  resp.set_type(response);
  resp.set_to(m.from());
  // §5.4.1: only a candidate whose log is at least as up-to-date as ours.
  if (can_vote && log_.is_up_to_date(m.index(), m.log_term())) {
    // Answer in the candidate's term: a granted pre-vote is for a future term.
    resp.set_term(m.term());
    if (m.type() == MSG_VOTE) {
      election_elapsed_ = 0; // having voted, give the candidate time to win
      vote_ = m.from();      // persisted through ready() before resp is sent
    }
    write_log(log_level::info, std::string{"granted "}
                                 + (m.type() == MSG_VOTE ? "vote" : "pre_vote") + " to=" + m.from()
                                 + " campaign_term=" + std::to_string(m.term()));
  } else {
    if (term_ == 0)
      return; // never saw a term: nothing to tell (and no term to send)
    resp.set_term(term_);
    resp.set_reject(true);
    write_log(log_level::debug, std::string{"rejected "}
                                  + (m.type() == MSG_VOTE ? "vote" : "pre_vote")
                                  + " to=" + m.from());
  }
  send(std::move(resp));
}

void node::handle_vote_response(const Message& m) {
  const auto expected = role_ == role::pre_candidate ? MSG_PRE_VOTE_RESP : MSG_VOTE_RESP;
  if (m.type() != expected)
    return;
  switch (record_vote(m.from(), !m.reject())) {
    case vote_result::won:
      if (role_ == role::pre_candidate) {
        start_campaign(campaign_kind::election); // thesis §9.6: now for real
      } else {
        become_leader();
        broadcast_append(); // §5.2: establish authority at once
      }
      break;
    case vote_result::lost:
      // A majority refused: wait for a leader or the next timeout.
      become_follower(term_, {});
      break;
    case vote_result::pending: break;
  }
}

} // namespace keel::raft
