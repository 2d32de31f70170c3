// raft::node: the Raft consensus algorithm for one replica of one group, as a
// pure state machine (etcd raft's RawNode). Input arrives by method call —
// tick() for time, step() for peer messages, propose() / read_index() /
// transfer_leadership() for requests — and output leaves through ready():
// what to persist, send and apply. No clock, threads, I/O or global state:
// randomness comes from a PRNG seeded by config::seed. Owned by one replica
// shell (or a test); not thread-safe. References: Ongaro & Ousterhout, "In
// Search of an Understandable Consensus Algorithm" (2014) for §-numbers
// without a prefix; Ongaro's PhD thesis (2014) for "thesis §".
// Log compaction (§7) is the storage owner's business, as in etcd: it snapshots
// the state machine and compacts the log_storage; the node notices through
// log_storage (first_index(), snapshot()) and sends that snapshot to followers
// that need what was compacted. The owner may fill in a snapshot message's
// data on its way out and move it to a later committed index (its state as
// it reads it out, as etcd sends its whole database): the follower's
// acknowledgement of that index, or its refusal, counts for the snapshot sent.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "actors/replication/core/config.hpp"
#include "actors/replication/core/errc.hpp"
#include "actors/replication/core/logger.hpp"
#include "actors/replication/core/message_check.hpp"
#include "actors/replication/core/progress.hpp"
#include "actors/replication/core/quorum.hpp"
#include "actors/replication/core/raft_log.hpp"
#include "actors/replication/core/read_index_queue.hpp"
#include "actors/replication/core/ready.hpp"
#include "actors/replication/core/status.hpp"
#include "messages/raft.pb.h"

namespace keel::raft {

/// The context of a MSG_VOTE sent by a leadership-transfer campaign: voters
/// grant it even within their leader lease (thesis §3.10, §4.2.3).
inline constexpr std::string_view transfer_campaign_context = "transfer";

/// node::peer_unreachable(): the ticks between the campaigns of followers of
/// consecutive rank, enough for one pre-vote round (a message each way and
/// the candidate's synced vote) on the networks Keel targets.
inline constexpr int stagger_ticks_per_rank = 3;

/// A snapshot presumed lost is resent after twice the wait of the one before
/// it, at most 2^max_snapshot_backoff times config::snapshot_timeout_ticks
/// (node::snapshot_timeout: 0.5 s doubles up to 32 s with Keel's defaults).
inline constexpr int max_snapshot_backoff = 6;

/// One replica of a Raft group.
class node {
public:
  /// Starts (or restarts, §5.1) as a follower from the hard state, snapshot
  /// and log in cfg.storage. Crashes if the config is invalid (validate())
  /// or the stored state is inconsistent.
  explicit node(const config& cfg);

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // -- input ------------------------------------------------------------------

  /// Advances logical time by one tick: followers and candidates count
  /// toward an election timeout, the leader toward its next heartbeat and
  /// its next check-quorum round.
  void tick();

  /// Handles one message from a peer. Messages from an older term (stale)
  /// are dropped: that is no error. A message no correct peer could have sent
  /// (for another node or shard, from a non-voter, breaking check_inbound's
  /// rules, a term above max_term, a second leader in one term, an
  /// acknowledgement of entries this leader never had) changes nothing and
  /// returns errc::invalid_message, error::detail naming the rule.
  result<void> step(const Message& m);

  /// Instead of step() for a MSG_SNAPSHOT whose data the shell cannot use
  /// (it does not parse): answers the leader with a refusal (an append
  /// response carrying snapshot_refused_context) so that it does not resend
  /// that snapshot, and persists nothing. The message is admitted as step()
  /// would admit it (terms, leader); the same errors.
  result<void> refuse_snapshot(const Message& m);

  /// Leader only: appends `data` as a new entry and starts replicating it.
  /// Returns the index assigned; the entry is committed when it appears in
  /// some ready::committed_entries with that index and the same term, or
  /// lost if another entry shows up there. Errors: errc::not_leader (with
  /// the known leader as hint), errc::proposal_dropped while a leadership
  /// transfer is in progress (thesis §3.10).
  result<uint64_t> propose(std::string data);

  /// Leader only: starts a linearizable read (ReadIndex, thesis §6.4). Once
  /// the leader has confirmed it still leads (a heartbeat round to a
  /// majority) and has applied up to the commit index it recorded, a
  /// ready() hands out read_state{context, index}: serve the read then.
  /// `context` must be unique among pending reads. If leadership is lost
  /// first, the context appears in ready::aborted_reads instead.
  /// Errors: errc::not_leader (with hint).
  result<void> read_index(std::string context);

  /// Leader only: hands leadership to voter `to` (thesis §3.10): stops
  /// accepting proposals, brings `to` up to date, then tells it to start an
  /// election at once (MSG_TIMEOUT_NOW). Gives up after an election timeout.
  /// Errors: errc::not_leader (with hint), errc::unknown_peer.
  result<void> transfer_leadership(const std::string& to);

  /// Starts an election now (with a pre-vote if configured), as an election
  /// timeout would. Does nothing on a leader. For bootstrap and tests.
  void campaign();

  /// Tells the leader that a message to `peer` could not be delivered, so it
  /// stops pipelining to it and probes instead.
  void report_unreachable(const std::string& peer);

  /// Tells the node that the connection to node `peer` was lost (the
  /// transport saw it close: a killed process closes its sockets at once).
  /// A hint, never proof: the node may be alive behind one broken link.
  ///
  /// A follower led by `peer` stops trusting that leader now rather than
  /// after an election timeout: it drops the leader lease (thesis §4.2.3), so
  /// it grants the pre-votes of whoever campaigns, and it campaigns itself,
  /// with a pre-vote if configured, after a short stagger by its rank among
  /// the other voters (the first at once, the next a few ticks later), so
  /// that the voters do not split the vote. Where the hint was wrong, the
  /// pre-vote fails against the voters that still hear the leader and nobody
  /// is disrupted (thesis §9.6).
  ///
  /// A leader knows that what was in flight to `peer` went with the
  /// connection: it probes the follower instead of pipelining to it
  /// (report_unreachable), and a snapshot on its way there is lost, not
  /// slow: the leader sends the next one as soon as the follower answers a
  /// heartbeat (report_snapshot), without waiting out the snapshot's timeout
  /// and without counting it toward the timeout's backoff (snapshot_timeout).
  ///
  /// Does nothing on candidates, or on a follower that `peer` does not lead.
  void peer_unreachable(const std::string& peer);

  /// Tells the leader whether the snapshot last sent to `peer` was
  /// delivered. Optional: an unacknowledged snapshot is resent after
  /// config::snapshot_timeout_ticks anyway.
  void report_snapshot(const std::string& peer, bool delivered);

  /// Tells the leader that the snapshot it asked for was sent to `peer` just
  /// now: the storage owner reads a snapshot out when a follower needs it,
  /// which takes long for a large shard, and the time until it is presumed
  /// lost (snapshot_timeout) counts from here, for the transfer and the
  /// follower's install only. Does nothing unless a snapshot is pending for `peer`.
  void snapshot_left(const std::string& peer);

  // -- output -----------------------------------------------------------------

  /// True if ready() has something to hand out.
  bool has_ready() const;

  /// Hands out the pending work (see ready.hpp for what to do with it). The
  /// messages and read states returned are handed out only once. Input may
  /// keep arriving before the matching advance(); it goes to the next ready.
  /// REQUIRES: the previous ready() was followed by advance().
  raft::ready ready();

  /// Acknowledges that everything in `rd` was persisted and applied.
  void advance(const raft::ready& rd);

  /// The index the state machine has applied up to (status().applied,
  /// without building the rest of the status).
  uint64_t applied() const;

  /// Elections this node started (it became a candidate) since it was built:
  /// the replica's keel_raft_elections_total, which a role seen only at
  /// ready() would undercount (a candidate may win before the next ready).
  uint64_t campaigns() const { return campaigns_; }

  /// The node's current state.
  raft::status status() const;

  /// The log, read-only: for invariant checks in tests and the simulation.
  const raft_log& log() const { return log_; }

private:
  enum class campaign_kind {
    pre_election, // thesis §9.6: poll without touching the term
    election,     // §5.2: increment the term, vote for self, request votes
    transfer,     // thesis §3.10: like election, but voters skip the leader lease
  };

  // -- roles (node_roles.cpp) --
  void become_follower(uint64_t term, std::string leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void reset(uint64_t term);
  void reset_randomized_election_timeout();

  // -- elections (node_election.cpp) --
  void tick_election();
  void start_campaign(campaign_kind kind);
  vote_result record_vote(const std::string& voter, bool granted);
  void handle_vote_request(const Message& m);
  void handle_vote_response(const Message& m);
  bool in_leader_lease() const;
  void leader_link_lost(const std::string& leader); // peer_unreachable() on a follower

  // -- leader: replication, heartbeats, quorum (node_leader.cpp) --
  void tick_heartbeat();
  bool check_quorum_active();
  int snapshot_timeout(const progress& pr) const;
  void follower_link_lost(const std::string& follower); // peer_unreachable() on a leader
  uint64_t append_entry(Entry e);
  void maybe_commit();
  bool committed_entry_in_current_term() const;
  bool send_append(const std::string& to, bool send_if_empty = true);
  bool send_snapshot(const std::string& to, progress& pr);
  void broadcast_append();
  void send_heartbeat(const std::string& to, const std::string& context);
  void broadcast_heartbeat(const std::string& context);
  void send_new_commit();
  void handle_append_response(const Message& m);
  void handle_heartbeat_response(const Message& m);
  bool independent_of_persistence(const Message& m) const;
  void start_read(std::string context);
  void send_timeout_now(const std::string& to);

  // -- follower: log replication (node_follower.cpp) --
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  bool restore(const Snapshot& snap);

  // -- plumbing (node.cpp) --
  result<bool> admit(const Message& m); // every check before dispatch; false: stale, drop
  bool admit_term(const Message& m);    // §5.1 term rules; false: drop the message
  result<void> check_against_state(const Message& m) const;
  error refuse(const Message& m, std::string_view rule) const;
  void step_leader(const Message& m);
  void step_candidate(const Message& m);
  void step_follower(const Message& m);
  void send(Message m);
  Message reply_to(const Message& m, MessageType type) const;
  HardState hard_state() const;
  raft::soft_state soft_state() const;
  void write_log(log_level level, const std::string& line) const;

  config cfg_;
  std::mt19937_64 rng_;
  raft_log log_;

  // Persistent state (Figure 2), mirrored to storage through ready().
  uint64_t term_ = 0;              // currentTerm
  uint64_t campaigns_ = 0;         // become_candidate() calls (campaigns())
  uint64_t uncommitted_bytes_ = 0; // leader: data of this term's proposals not yet committed
  std::string vote_;               // votedFor in term_; empty = none

  // Volatile state.
  role role_ = role::follower;
  std::string leader_id_;                    // empty = unknown
  std::map<std::string, progress> progress_; // every voter, self included; used while leader
  std::map<std::string, bool> votes_;        // candidate: who granted (true) or refused
  std::vector<Message> outbox_;              // messages for the next ready()

  // Time, in ticks.
  int election_elapsed_ = 0;            // leader: ticks since the last check-quorum round;
                                        // others: ticks since they heard from a leader or voted
  int heartbeat_elapsed_ = 0;           // leader: ticks since the last heartbeat
  int randomized_election_timeout_ = 0; // in [election_ticks, 2 * election_ticks)

  std::string lead_transferee_; // leader: the target of a transfer in progress

  // Linearizable reads (thesis §6.4).
  read_index_queue reads_pending_;               // waiting for a heartbeat quorum
  std::vector<std::string> reads_before_commit_; // waiting for the first commit of this term
  std::vector<read_state> reads_confirmed_;      // waiting to be applied; index nondecreasing
  std::vector<std::string> reads_aborted_;       // leadership lost before confirmation

  // What the previous ready() handed out.
  HardState prev_hard_state_;
  raft::soft_state prev_soft_state_;
};

} // namespace keel::raft
