// Batching of Raft traffic in the transport. Outbound: an outbox that queues
// the messages of all local replicas per destination node between two flushes,
// so that each flush sends one MessageBatch per peer (messages of several
// shards share a frame). Inbound: a batch from a peer is split per shard so
// that each local replica gets one message. Pure: owned by the transport actor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "messages/raft.pb.h"

namespace keel::transport {

/// Outbound Raft messages waiting for the next flush, keyed by destination.
/// Bounded per destination: beyond `max_pending_per_peer` the oldest message
/// is dropped. Raft tolerates loss (§5.3: AppendEntries is retried), and under
/// overload the newest message (highest term, latest commit) is the useful one.
class outbox {
public:
  // REQUIRES: max_pending_per_peer >= 1.
  explicit outbox(std::size_t max_pending_per_peer);

  /// Queues `m` for the node `m.to()`. Returns true if the oldest pending
  /// message for that node was dropped to make room.
  bool push(raft::Message m);

  /// Takes everything pending: one batch per destination, ordered by
  /// destination id, messages in arrival order. Leaves the outbox empty.
  std::vector<std::pair<std::string, raft::MessageBatch>> drain();

  /// Drops everything pending for `node`; returns how many messages that was.
  std::size_t discard(const std::string& node);

  bool empty() const { return queues_.empty(); }
  std::size_t pending(const std::string& node) const;

private:
  std::size_t max_pending_;
  std::map<std::string, std::deque<raft::Message>> queues_; // invariant: no empty queue
};

/// Splits a batch into one batch per shard, keeping the order of the
/// messages within each shard (Raft relies on it only loosely, but keeping it
/// avoids needless rejections).
std::map<uint32_t, raft::MessageBatch> split_by_shard(raft::MessageBatch batch);

} // namespace keel::transport
