// raft::node: construction, the public API, message dispatch and ready().
// The rules themselves live in node_roles.cpp (role changes), node_election.cpp
// (§5.2, §5.4.1, thesis §9.6), node_leader.cpp (§5.3, §5.4.2, §7, thesis §3.10,
// §6.2, §6.4) and node_follower.cpp (§5.3, §7).
#include "actors/replication/core/node.hpp"

#include <algorithm>
#include <utility>

#include "actors/replication/core/logger.hpp"

namespace keel::raft {

namespace {

bool same_hard_state(const HardState& a, const HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

const config& checked(const config& cfg) {
  auto valid = validate(cfg);
  KEEL_ASSERT(valid.ok(), valid.ok() ? "" : valid.err().detail.c_str());
  return cfg;
}

} // namespace

const char* to_string(role r) {
  switch (r) {
    case role::follower: return "follower";
    case role::pre_candidate: return "pre_candidate";
    case role::candidate: return "candidate";
    case role::leader: return "leader";
  }
  return "unknown";
}

node::node(const config& cfg)
  : cfg_(checked(cfg)),
    rng_(cfg_.seed),
    log_(*cfg_.storage, cfg_.max_apply_bytes) {
  for (const auto& v : cfg_.voters)
    progress_.emplace(v, progress{cfg_.max_inflight_appends});
  // §5.1: restart from what the last run persisted.
  auto hs = cfg_.storage->hard_state();
  if (hs.term() != 0 || !hs.vote().empty() || hs.commit() != 0) {
    KEEL_ASSERT(hs.commit() >= log_.committed() && hs.commit() <= log_.last_index(),
                "stored commit index lies outside the stored log");
    log_.commit_to(hs.commit());
    term_ = hs.term();
    vote_ = hs.vote();
  }
  if (cfg_.applied > 0) {
    KEEL_ASSERT(cfg_.applied <= log_.committed(), "applied index beyond the commit index");
    if (cfg_.applied > log_.applied())
      log_.applied_to(cfg_.applied);
  }
  if (term_ >= max_term) {
    // Stored by a version that adopted any term: this replica cannot campaign
    // again (start_campaign) and needs an operator; it still follows.
    write_log(log_level::warn, "stored term " + std::to_string(term_)
                                 + " is at or above max_term: this replica will never campaign");
  }
  become_follower(term_, {});
  prev_hard_state_ = hard_state();
  prev_soft_state_ = soft_state();
  write_log(log_level::info, "started term=" + std::to_string(term_)
                               + " commit=" + std::to_string(log_.committed())
                               + " applied=" + std::to_string(log_.applied())
                               + " last_index=" + std::to_string(log_.last_index()));
}

// -- input ----------------------------------------------------------------------

void node::tick() {
  if (role_ == role::leader)
    tick_heartbeat();
  else
    tick_election();
}

result<void> node::step(const Message& m) {
  auto admitted = admit(m);
  if (!admitted.ok())
    return admitted.err();
  if (!*admitted)
    return {};
  if (m.type() == MSG_VOTE || m.type() == MSG_PRE_VOTE) {
    handle_vote_request(m);
    return {};
  }
  switch (role_) {
    case role::leader: step_leader(m); break;
    case role::candidate:
    case role::pre_candidate: step_candidate(m); break;
    case role::follower: step_follower(m); break;
  }
  return {};
}

result<void> node::refuse_snapshot(const Message& m) {
  if (m.type() != MSG_SNAPSHOT)
    return refuse(m, "not_a_snapshot");
  auto admitted = admit(m);
  if (!admitted.ok())
    return admitted.err();
  if (!*admitted)
    return {};
  // admit() made this node a follower of the sender's term, or found it one
  // already (a leader of the same term was refused as a second leader).
  if (role_ != role::follower)
    become_follower(m.term(), m.from());
  election_elapsed_ = 0;
  leader_id_ = m.from();
  auto resp = reply_to(m, MSG_APPEND_RESP);
  resp.set_index(m.snapshot().metadata().index());
  resp.set_reject(true);
  resp.set_context(std::string{snapshot_refused_context});
  write_log(log_level::warn,
            "refused snapshot index=" + std::to_string(m.snapshot().metadata().index())
              + " from=" + m.from() + ": its data cannot be used");
  send(std::move(resp));
  return {};
}

result<bool> node::admit(const Message& m) {
  if (m.to() != cfg_.id || m.shard() != cfg_.shard || !progress_.contains(m.from())
      || m.from() == cfg_.id)
    return refuse(m, "misrouted");
  // Structure first, so that nothing below (nor any invariant) sees a term
  // that could wrap, entries with gaps or a snapshot without metadata. The
  // network boundary has run the same checks; the core does not rely on it.
  const inbound_context ctx{cfg_.id, m.from(), [this](uint32_t s) { return s == cfg_.shard; }};
  if (auto fault = check_inbound(m, ctx))
    return refuse(m, to_string(*fault));
  if (!admit_term(m))
    return false;
  if (auto ok = check_against_state(m); !ok.ok())
    return ok.err();
  return true;
}

result<void> node::check_against_state(const Message& m) const {
  const bool from_a_leader = m.type() == MSG_APPEND || m.type() == MSG_HEARTBEAT
                             || m.type() == MSG_SNAPSHOT || m.type() == MSG_TIMEOUT_NOW;
  // §5.2 Election Safety: at most one leader per term. After admit_term the
  // message is of our term; if we know that term's leader (or are it), a
  // leader's message from anyone else is forged.
  if (from_a_leader && m.term() == term_ && !leader_id_.empty() && leader_id_ != m.from())
    return refuse(m, "second_leader");
  // Within its term a leader's log only grows, and followers acknowledge
  // only what it sent: an index beyond its log would corrupt its progress.
  if (role_ == role::leader && m.type() == MSG_APPEND_RESP && m.index() > log_.last_index())
    return refuse(m, "ack_beyond_log");
  return {};
}

error node::refuse(const Message& m, std::string_view rule) const {
  write_log(log_level::warn,
            "refused message type=" + std::string{MessageType_Name(m.type())} + " from=" + m.from()
              + " to=" + m.to() + " shard=" + std::to_string(m.shard())
              + " msg_term=" + std::to_string(m.term()) + ": " + std::string{rule});
  return error{errc::invalid_message, {}, std::string{rule}};
}

bool node::admit_term(const Message& m) {
  if (m.term() > term_) {
    const bool is_vote_request = m.type() == MSG_VOTE || m.type() == MSG_PRE_VOTE;
    if (is_vote_request && in_leader_lease() && m.context() != transfer_campaign_context) {
      // Thesis §4.2.3: while a leader is known to be alive, a vote request
      // comes from a disruptive server; ignore it without changing the term.
      write_log(log_level::debug, "ignored vote request within leader lease from=" + m.from());
      return false;
    }
    if (m.type() == MSG_PRE_VOTE || (m.type() == MSG_PRE_VOTE_RESP && !m.reject())) {
      // Thesis §9.6: a pre-vote changes no state; a granted pre-vote carries
      // the term the candidate will campaign in, which is not ours yet.
      return true;
    }
    // §5.1: a higher term makes any node a follower of that term.
    const bool from_leader
      = m.type() == MSG_APPEND || m.type() == MSG_HEARTBEAT || m.type() == MSG_SNAPSHOT;
    become_follower(m.term(), from_leader ? m.from() : std::string{});
    return true;
  }
  if (m.term() < term_) {
    if ((cfg_.check_quorum || cfg_.pre_vote)
        && (m.type() == MSG_HEARTBEAT || m.type() == MSG_APPEND)) {
      // A stale leader. With pre-vote or the leader lease, our higher term
      // would never reach it through an election, so tell it directly; it
      // steps down and this node can rejoin the majority's term.
      send(reply_to(m, MSG_APPEND_RESP));
    } else if (m.type() == MSG_PRE_VOTE) {
      // Tell the pre-candidate that its term is behind, so it stops polling.
      auto resp = reply_to(m, MSG_PRE_VOTE_RESP);
      resp.set_reject(true);
      send(std::move(resp));
    }
    return false; // §5.1: stale messages are otherwise ignored
  }
  return true;
}

void node::step_leader(const Message& m) {
  switch (m.type()) {
    case MSG_APPEND_RESP: handle_append_response(m); break;
    case MSG_HEARTBEAT_RESP: handle_heartbeat_response(m); break;
    default: break; // e.g. a late vote response: nothing to do
  }
}

void node::step_candidate(const Message& m) {
  switch (m.type()) {
    case MSG_APPEND:
      // §5.2: a candidate that hears from the leader of its term steps down.
      become_follower(m.term(), m.from());
      handle_append(m);
      break;
    case MSG_HEARTBEAT:
      become_follower(m.term(), m.from());
      handle_heartbeat(m);
      break;
    case MSG_SNAPSHOT:
      become_follower(m.term(), m.from());
      handle_snapshot(m);
      break;
    case MSG_PRE_VOTE_RESP:
    case MSG_VOTE_RESP: handle_vote_response(m); break;
    default: break;
  }
}

void node::step_follower(const Message& m) {
  switch (m.type()) {
    case MSG_APPEND:
      election_elapsed_ = 0;
      leader_id_ = m.from();
      handle_append(m);
      break;
    case MSG_HEARTBEAT:
      election_elapsed_ = 0;
      leader_id_ = m.from();
      handle_heartbeat(m);
      break;
    case MSG_SNAPSHOT:
      election_elapsed_ = 0;
      leader_id_ = m.from();
      handle_snapshot(m);
      break;
    case MSG_TIMEOUT_NOW:
      // Thesis §3.10: the leader hands over; campaign at once, skipping the
      // pre-vote and asking voters to ignore their leader lease.
      write_log(log_level::info, "campaigning on leadership transfer from=" + m.from());
      start_campaign(campaign_kind::transfer);
      break;
    default: break;
  }
}

result<uint64_t> node::propose(std::string data) {
  if (role_ != role::leader)
    return error{errc::not_leader, leader_id_};
  if (!lead_transferee_.empty())
    return errc::proposal_dropped;
  const uint64_t size = data.size();
  if (cfg_.max_uncommitted_bytes > 0 && uncommitted_bytes_ > 0
      && uncommitted_bytes_ + size > cfg_.max_uncommitted_bytes)
    return errc::uncommitted_limit;
  uncommitted_bytes_ += size;
  Entry e;
  e.set_type(ENTRY_NORMAL);
  e.set_data(std::move(data));
  auto index = append_entry(std::move(e));
  broadcast_append();
  return index;
}

result<void> node::read_index(std::string context) {
  if (role_ != role::leader)
    return error{errc::not_leader, leader_id_};
  if (progress_.size() == 1) {
    // A single voter is its own majority: no one can have replaced it.
    reads_confirmed_.push_back(read_state{std::move(context), log_.committed()});
    return {};
  }
  if (!committed_entry_in_current_term()) {
    // Thesis §6.4 step 1: until the no-op of this term commits, the leader
    // may not know the latest commit index; wait for it.
    reads_before_commit_.push_back(std::move(context));
    return {};
  }
  start_read(std::move(context));
  return {};
}

result<void> node::transfer_leadership(const std::string& to) {
  if (role_ != role::leader)
    return error{errc::not_leader, leader_id_};
  auto pr = progress_.find(to);
  if (pr == progress_.end())
    return errc::unknown_peer;
  if (to == cfg_.id || to == lead_transferee_)
    return {};
  if (!lead_transferee_.empty())
    write_log(log_level::info, "aborted leadership transfer to=" + lead_transferee_);
  write_log(log_level::info, "transferring leadership to=" + to);
  // Thesis §3.10: the transfer must finish within an election timeout,
  // which tick_heartbeat counts from here.
  election_elapsed_ = 0;
  lead_transferee_ = to;
  if (pr->second.match == log_.last_index())
    send_timeout_now(to);
  else
    send_append(to);
  return {};
}

void node::campaign() {
  if (role_ == role::leader)
    return;
  start_campaign(cfg_.pre_vote ? campaign_kind::pre_election : campaign_kind::election);
}

void node::report_unreachable(const std::string& peer) {
  if (role_ != role::leader)
    return;
  auto pr = progress_.find(peer);
  if (pr != progress_.end() && pr->second.state == progress_state::replicate)
    pr->second.become_probe();
}

void node::report_snapshot(const std::string& peer, bool delivered) {
  if (role_ != role::leader)
    return;
  auto i = progress_.find(peer);
  if (i == progress_.end() || i->second.state != progress_state::snapshot)
    return;
  auto& pr = i->second;
  if (!delivered)
    pr.pending_snapshot = 0; // probe from match again: the snapshot is not there
  pr.become_probe();
  // Delivered: wait for the follower's append response before probing.
  // Lost: wait for a heartbeat response before trying again.
  pr.probe_sent = true;
  write_log(log_level::info,
            "snapshot report peer=" + peer + " delivered=" + (delivered ? "true" : "false"));
}

void node::snapshot_left(const std::string& peer) {
  if (role_ != role::leader)
    return;
  auto i = progress_.find(peer);
  if (i != progress_.end() && i->second.state == progress_state::snapshot)
    i->second.snapshot_elapsed_ticks = 0;
}

// -- output ---------------------------------------------------------------------

bool node::has_ready() const {
  return !outbox_.empty() || !log_.unstable_entries().empty() || log_.unstable_snapshot()
         || log_.has_next_committed_entries() || !same_hard_state(hard_state(), prev_hard_state_)
         || soft_state() != prev_soft_state_
         || (!reads_confirmed_.empty() && reads_confirmed_.front().index <= log_.committed())
         || !reads_aborted_.empty();
}

raft::ready node::ready() {
  raft::ready rd;
  if (auto ss = soft_state(); ss != prev_soft_state_) {
    rd.soft_state_change = ss;
    prev_soft_state_ = ss;
  }
  if (auto hs = hard_state(); !same_hard_state(hs, prev_hard_state_)) {
    rd.must_sync = hs.term() != prev_hard_state_.term() || hs.vote() != prev_hard_state_.vote();
    rd.hard_state = hs;
    prev_hard_state_ = hs;
  }
  if (const auto& snap = log_.unstable_snapshot())
    rd.snapshot = *snap;
  rd.entries = log_.unstable_entries();
  rd.must_sync = rd.must_sync || rd.snapshot || !rd.entries.empty();
  for (auto& m : outbox_)
    (independent_of_persistence(m) ? rd.leader_messages : rd.messages).push_back(std::move(m));
  outbox_.clear();
  rd.committed_entries = log_.next_committed_entries();
  // Thesis §6.4 step 4: a confirmed read is served once the state machine
  // has applied its index, which it will have after this ready.
  auto applied_after = log_.applied();
  if (rd.snapshot)
    applied_after = std::max(applied_after, rd.snapshot->metadata().index());
  if (!rd.committed_entries.empty())
    applied_after = rd.committed_entries.back().index();
  auto servable = reads_confirmed_.begin();
  while (servable != reads_confirmed_.end() && servable->index <= applied_after)
    ++servable;
  rd.read_states.assign(std::make_move_iterator(reads_confirmed_.begin()),
                        std::make_move_iterator(servable));
  reads_confirmed_.erase(reads_confirmed_.begin(), servable);
  rd.aborted_reads = std::move(reads_aborted_);
  reads_aborted_.clear();
  return rd;
}

void node::advance(const raft::ready& rd) {
  if (!rd.committed_entries.empty())
    log_.applied_to(rd.committed_entries.back().index());
  else if (rd.snapshot && rd.snapshot->metadata().index() > log_.applied())
    log_.applied_to(rd.snapshot->metadata().index());
  if (role_ == role::leader) {
    for (const auto& e : rd.committed_entries) {
      if (e.term() == term_) // appended by this leader, and counted by propose()
        uncommitted_bytes_ -= std::min<uint64_t>(uncommitted_bytes_, e.data().size());
    }
  }
  if (!rd.entries.empty())
    log_.stable_to(rd.entries.back().index(), rd.entries.back().term());
  if (rd.snapshot)
    log_.stable_snap_to(rd.snapshot->metadata().index());
  // Thesis §10.2.1: the leader's own copy counts once it is durable, which
  // is now. A single voter commits here; others may complete a majority.
  // The new commit index reaches the followers with the next append or
  // tick (send_new_commit).
  if (role_ == role::leader && progress_.at(cfg_.id).maybe_update(log_.last_durable_index()))
    maybe_commit();
}

// A leader's appends, heartbeats and snapshots of its current term: they
// carry entries and a commit index, never this node's vote or an
// acknowledgement of its own log, so they need not wait for its disk.
bool node::independent_of_persistence(const Message& m) const {
  if (role_ != role::leader || m.term() != term_)
    return false;
  return m.type() == MSG_APPEND || m.type() == MSG_HEARTBEAT || m.type() == MSG_SNAPSHOT;
}

uint64_t node::applied() const { return log_.applied(); }

raft::status node::status() const {
  raft::status s;
  s.id = cfg_.id;
  s.node_role = role_;
  s.term = term_;
  s.vote = vote_;
  s.leader_id = leader_id_;
  s.commit = log_.committed();
  s.applied = log_.applied();
  s.last_index = log_.last_index();
  s.snapshot_index = log_.first_index() - 1;
  if (role_ == role::leader) {
    s.transferring_to = lead_transferee_;
    for (const auto& [id, pr] : progress_)
      s.progress.emplace(id, peer_progress{pr.match, pr.next, pr.state, pr.recent_active});
  }
  return s;
}

// -- plumbing -------------------------------------------------------------------

void node::send(Message m) {
  m.set_from(cfg_.id);
  m.set_shard(cfg_.shard);
  switch (m.type()) {
    case MSG_VOTE:
    case MSG_PRE_VOTE:
    case MSG_VOTE_RESP:
    case MSG_PRE_VOTE_RESP:
      // Campaign messages carry an explicit term: a pre-vote asks about a
      // future term, and a granted pre-vote answers in it.
      // step() refuses terms of 0 and above max_term, and start_campaign
      // never goes past max_term, so only our own bug can break this.
      KEEL_ASSERT(m.term() != 0 && m.term() <= max_term, "campaign message without a term");
      break;
    default: m.set_term(term_);
  }
  outbox_.push_back(std::move(m));
}

Message node::reply_to(const Message& m, MessageType type) const {
  Message r;
  r.set_type(type);
  r.set_to(m.from());
  r.set_term(term_);
  return r;
}

HardState node::hard_state() const {
  HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

raft::soft_state node::soft_state() const { return raft::soft_state{leader_id_, role_}; }

void node::write_log(log_level level, const std::string& line) const {
  if (cfg_.log != nullptr)
    cfg_.log->write(level, "node=" + cfg_.id + " term=" + std::to_string(term_) + " " + line);
}

} // namespace keel::raft
