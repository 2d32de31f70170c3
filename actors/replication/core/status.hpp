// A read-only picture of a raft::node for operators, tests and the
// simulation (keelctl status shows role, term, commit, applied, leader).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "actors/replication/core/progress.hpp"

namespace keel::raft {

/// The role of a node in its current term (§5.1, plus pre-vote's thesis §9.6).
enum class role {
  follower,
  pre_candidate, ///< polling for a pre-vote, term not yet incremented
  candidate,
  leader,
};

/// Name of the role for logs and status output.
const char* to_string(role r);

/// What the leader knows about one voter's log.
struct peer_progress {
  uint64_t match = 0;
  uint64_t next = 0;
  progress_state state = progress_state::probe;
  bool recent_active = false;
};

/// A snapshot of a node's Raft state.
struct status {
  std::string id;
  role node_role = role::follower;
  uint64_t term = 0;
  std::string vote;      // empty = none in this term
  std::string leader_id; // empty = unknown
  uint64_t commit = 0;
  uint64_t applied = 0; // invariant: applied <= commit
  uint64_t last_index = 0;
  uint64_t snapshot_index = 0;                   // the log holds no entry at or before it
  std::string transferring_to;                   // leader only: leadership transfer target, if any
  std::map<std::string, peer_progress> progress; // leader only: every voter, self included
};

} // namespace keel::raft
