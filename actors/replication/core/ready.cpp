// ready: grouping outgoing messages per destination.
#include "actors/replication/core/ready.hpp"

namespace keel::raft {

std::map<std::string, MessageBatch> batch_by_destination(std::vector<Message> messages) {
  std::map<std::string, MessageBatch> out;
  for (auto& m : messages) {
    auto& batch = out[m.to()];
    *batch.add_messages() = std::move(m);
  }
  return out;
}

} // namespace keel::raft
