// The settings of one raft::node: who it is, who the voters are, its timing
// in ticks and its flow-control limits. Built by the replica shell from
// cluster_config (and by tests directly); checked by validate() before use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/replication/core/errc.hpp"

namespace keel::raft {

class log_storage;
class logger;

/// Configuration of one replica of one Raft group.
struct config {
  std::string id;                  // this node's id
  std::vector<std::string> voters; // every node of the group, this one included; no duplicates
  uint32_t shard = 0;              // stamped on every outgoing message

  /// A follower that hears no leader for a random number of ticks in
  /// [election_ticks, 2 * election_ticks) starts an election (§5.2: randomized
  /// timeouts make split votes rare). Also the check-quorum period and the
  /// leader lease for votes. invariant: election_ticks > heartbeat_ticks.
  int election_ticks = 10;
  /// The leader sends heartbeats every heartbeat_ticks ticks (§5.2).
  int heartbeat_ticks = 1;
  /// Pre-vote (thesis §9.6): ask "would you vote for me?" before bumping the
  /// term, so a node that was cut off cannot disrupt a working leader.
  bool pre_vote = true;
  /// Check quorum (thesis §6.2): a leader that has not heard from a majority
  /// for an election timeout steps down; followers that heard from a leader
  /// within the minimum election timeout refuse to vote (thesis §4.2.3).
  bool check_quorum = true;

  /// Flow control of AppendEntries: one append carries at most this many
  /// entries and about this many bytes (always at least one entry)...
  uint64_t max_entries_per_append = 256;
  uint64_t max_bytes_per_append = 1 << 20;
  /// ...and at most this many appends with entries may be unacknowledged per
  /// follower (pipelining).
  size_t max_inflight_appends = 64;
  /// Back-pressure (etcd's MaxUncommittedEntriesSize): a leader refuses a
  /// proposal (errc::uncommitted_limit) while the data of the entries it
  /// appended in its term and has not yet handed out as committed (ready())
  /// would exceed this many bytes; it
  /// always takes one when nothing is uncommitted, however large. When the
  /// followers or the disks fall behind, load then waits at the clients
  /// instead of growing the leader's log and every queue. 0: no limit.
  uint64_t max_uncommitted_bytes = 8 << 20;
  /// One ready() hands out about this many bytes of committed entries (at least one entry).
  uint64_t max_apply_bytes = 64 << 20;
  /// A snapshot not acknowledged within this many ticks is presumed lost and
  /// sent again (the transport cannot tell the leader about a lost message);
  /// each one presumed lost in a row waits twice as long as the one before
  /// (node::snapshot_timeout, max_snapshot_backoff).
  int snapshot_timeout_ticks = 50;

  /// The index the state machine reflects when the node starts: after a
  /// restart, what it applied before (or the index of the snapshot it was
  /// restored from). 0 means the compaction point, storage first_index() - 1.
  /// Committed entries after it are handed out again by ready().
  uint64_t applied = 0;

  uint64_t seed = 0;              // seeds the node's PRNG (election timeouts)
  log_storage* storage = nullptr; // durable state; not owned; must outlive the node
  logger* log = nullptr;          // optional; not owned
};

/// Success if `cfg` can run a node; otherwise errc::invalid_config with the
/// setting and what it must be in error::detail.
result<void> validate(const config& cfg);

} // namespace keel::raft
