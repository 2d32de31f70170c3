#include "actors/replication/core/transport_batching.hpp"

#include "actors/base/core/errors.hpp"

namespace keel::transport {

outbox::outbox(std::size_t max_pending_per_peer)
  : max_pending_(max_pending_per_peer) {
  KEEL_ASSERT(max_pending_ >= 1, "an outbox of 0 would drop every message");
}

bool outbox::push(raft::Message m) {
  auto& queue = queues_[m.to()];
  bool dropped = false;
  if (queue.size() == max_pending_) {
    queue.pop_front();
    dropped = true;
  }
  queue.push_back(std::move(m));
  return dropped;
}

std::vector<std::pair<std::string, raft::MessageBatch>> outbox::drain() {
  std::vector<std::pair<std::string, raft::MessageBatch>> out;
  out.reserve(queues_.size());
  for (auto& [node, queue] : queues_) {
    raft::MessageBatch batch;
    batch.mutable_messages()->Reserve(static_cast<int>(queue.size()));
    for (auto& m : queue)
      *batch.add_messages() = std::move(m);
    out.emplace_back(node, std::move(batch));
  }
  queues_.clear();
  return out;
}

std::size_t outbox::discard(const std::string& node) {
  auto i = queues_.find(node);
  if (i == queues_.end())
    return 0;
  auto n = i->second.size();
  queues_.erase(i);
  return n;
}

std::size_t outbox::pending(const std::string& node) const {
  auto i = queues_.find(node);
  return i == queues_.end() ? 0 : i->second.size();
}

std::map<uint32_t, raft::MessageBatch> split_by_shard(raft::MessageBatch batch) {
  std::map<uint32_t, raft::MessageBatch> out;
  for (auto& m : *batch.mutable_messages()) {
    auto shard = m.shard();
    *out[shard].add_messages() = std::move(m);
  }
  return out;
}

} // namespace keel::transport
