// What a raft::node hands its owner to do: the output half of the pure core
// (etcd raft's Ready). The owner (replica shell, test, simulation) runs this
// loop, in this order, and only this order keeps Raft safe:
//
//   while (node.has_ready()) {
//     auto rd = node.ready();
//     0. send rd.leader_messages now, or with rd.messages in step 2.
//     1. persist: rd.snapshot (if any), then rd.entries (append; the storage
//        drops any stored suffix they replace), then rd.hard_state (if any);
//        durably (fsync) before step 2 if rd.must_sync. Figure 2:
//        currentTerm, votedFor and log[] are updated on stable storage before
//        responding to RPCs.
//     2. send rd.messages (batch_by_destination: one MessageBatch per peer).
//     3. apply: restore rd.snapshot's data into the state machine (if any),
//        then apply rd.committed_entries in order.
//     4. serve rd.read_states (their index is applied now); fail rd.aborted_reads.
//     5. node.advance(rd);
//   }
//
// A message in a ready may depend on that same ready's hard state or entries
// (a vote on the vote, an append acknowledgement on the entries), which is why
// rd.messages wait until step 1 is durable. A leader's appends, heartbeats and
// snapshots depend on none of it (thesis §10.2.1): the leader writes its log
// in parallel with sending it, and counts its own copy toward the commit only
// from the advance() that confirms it durable. Those go in rd.leader_messages,
// so the disk write and the round trip to the followers overlap.
//
// "Applied" in step 3 may mean "queued, in order, in front of everything
// that reads the state machine": the replica hands the committed entries to
// its storage actor, which works through its mailbox in order, advances at
// once, and answers the entries' clients when the results come back. The
// next ready's persist, the reads of step 4 and snapshots all queue behind
// that apply, so they see it done. Step 3 may also run with step 1, in the
// same atomic write after the persist: committed entries are on a majority's
// disks, so seeing them applied before this node's fsync, or before step 2,
// breaks nothing, and a crash loses the applies with the persist.
//
// Between ready() and advance() the shell may keep calling step(), tick(),
// propose() and read_index() (e.g. while an asynchronous fsync runs): their
// output lands in the next ready. What it must not do is call ready() again
// before advance(), nor hand the node's storage entries out of order: ready N
// is persisted before ready N + 1.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/replication/core/read_index_queue.hpp"
#include "actors/replication/core/status.hpp"
#include "messages/raft.pb.h"

namespace keel::raft {

/// Who leads, as this node believes: changes of it are reported so the shell
/// can redirect clients and fail pending work of a lost leadership.
struct soft_state {
  std::string leader_id; // empty if unknown
  role node_role = role::follower;

  friend bool operator==(const soft_state&, const soft_state&) = default;
};

/// One batch of work for the owner of a raft::node; see the loop above.
struct ready {
  std::optional<soft_state> soft_state_change; // set when leader or role changed
  std::optional<HardState> hard_state;         // persist if set (changed since the last ready)
  // Whether step 1 must be synced: false when nothing but the commit index
  // changed. Figure 2 keeps the commit index volatile (a restarted node
  // learns it again), so writing it without an fsync loses nothing; every
  // entry, snapshot, term and vote is synced (etcd's MustSync).
  bool must_sync = false;
  std::optional<Snapshot> snapshot;       // persist and restore if set (InstallSnapshot, §7)
  std::vector<Entry> entries;             // persist (append) before sending messages
  std::vector<Message> leader_messages;   // may be sent before persisting (§10.2.1)
  std::vector<Message> messages;          // send after persisting
  std::vector<Entry> committed_entries;   // apply in order, after the snapshot
  std::vector<read_state> read_states;    // serve after applying committed_entries
  std::vector<std::string> aborted_reads; // read contexts that will never be served here
};

/// Groups `messages` by destination, keeping their order per destination, so
/// the transport sends one MessageBatch per peer per flush.
std::map<std::string, MessageBatch> batch_by_destination(std::vector<Message> messages);

} // namespace keel::raft
