// sim_network: delays, drops, duplicates and partitions.
#include "sim_network.hpp"

namespace keel::sim {

void sim_network::send(raft::Message m, uint64_t now) {
  ++sent;
  if (rng_.chance(faults_.drop_permille)) {
    ++dropped;
    return;
  }
  if (rng_.chance(faults_.duplicate_permille)) {
    ++duplicated;
    enqueue(m, now);
  }
  enqueue(std::move(m), now);
}

void sim_network::enqueue(raft::Message m, uint64_t now) {
  auto delay = rng_.between(0, faults_.max_delay_ticks);
  queue_.push(envelope{now + delay, rng_.next(), std::move(m)});
}

std::optional<raft::Message> sim_network::next_due(uint64_t now) {
  if (queue_.empty() || queue_.top().deliver_at > now)
    return std::nullopt;
  // priority_queue::top is const; the envelope is discarded right after.
  auto m = std::move(const_cast<envelope&>(queue_.top()).message);
  queue_.pop();
  return m;
}

bool sim_network::connected(const std::string& a, const std::string& b) const {
  if (group_of_.empty())
    return true;
  auto ga = group_of_.find(a);
  auto gb = group_of_.find(b);
  return ga != group_of_.end() && gb != group_of_.end() && ga->second == gb->second;
}

} // namespace keel::sim
