#include "actors/replication/core/proposal_tracker.hpp"

namespace keel::raft {

std::vector<settled_proposal> proposal_tracker::add(uint64_t index, uint64_t term,
                                                    uint64_t ticket) {
  std::vector<settled_proposal> out;
  auto [it, inserted] = pending_.try_emplace(index, pending{term, ticket});
  if (!inserted) {
    out.push_back({it->second.ticket, index, proposal_fate::lost});
    it->second = pending{term, ticket};
  }
  return out;
}

std::optional<settled_proposal> proposal_tracker::committed(uint64_t index, uint64_t term) {
  auto it = pending_.find(index);
  if (it == pending_.end())
    return std::nullopt;
  settled_proposal out{it->second.ticket, index,
                       it->second.term == term ? proposal_fate::applied
                                               : proposal_fate::superseded};
  pending_.erase(it);
  return out;
}

std::vector<settled_proposal> proposal_tracker::observe(uint64_t term, bool leader) {
  std::vector<settled_proposal> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (leader && it->second.term == term) {
      ++it;
      continue;
    }
    out.push_back({it->second.ticket, it->first, proposal_fate::lost});
    it = pending_.erase(it);
  }
  return out;
}

std::vector<settled_proposal> proposal_tracker::snapshot_installed() {
  std::vector<settled_proposal> out;
  for (auto& [index, p] : pending_)
    out.push_back({p.ticket, index, proposal_fate::lost});
  pending_.clear();
  return out;
}

} // namespace keel::raft
