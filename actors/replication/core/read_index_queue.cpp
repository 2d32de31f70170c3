// read_index_queue: reads waiting for their leadership confirmation.
#include "actors/replication/core/read_index_queue.hpp"

#include <algorithm>

namespace keel::raft {

void read_index_queue::add(std::string context, uint64_t index) {
  if (pending_.contains(context))
    return;
  pending_.emplace(context, pending_read{index, {}});
  order_.push_back(std::move(context));
}

size_t read_index_queue::ack(const std::string& voter, const std::string& context) {
  auto i = pending_.find(context);
  if (i == pending_.end())
    return 0;
  i->second.acks.insert(voter);
  return i->second.acks.size();
}

std::vector<read_state> read_index_queue::confirm_through(const std::string& context) {
  std::vector<read_state> out;
  auto last = std::find(order_.begin(), order_.end(), context);
  if (last == order_.end())
    return out;
  for (auto i = order_.begin(); i != std::next(last); ++i) {
    auto node = pending_.extract(*i);
    out.push_back(read_state{std::move(node.key()), node.mapped().index});
  }
  order_.erase(order_.begin(), std::next(last));
  return out;
}

std::string read_index_queue::last_context() const {
  return order_.empty() ? std::string{} : order_.back();
}

std::vector<std::string> read_index_queue::drain_contexts() {
  std::vector<std::string> out(order_.begin(), order_.end());
  order_.clear();
  pending_.clear();
  return out;
}

} // namespace keel::raft
