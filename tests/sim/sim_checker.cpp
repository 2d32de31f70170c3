// safety_checker: the properties of Figure 3, checked incrementally.
#include "sim_checker.hpp"

namespace keel::sim {

namespace {

std::string describe(uint64_t index, uint64_t term) {
  return "index=" + std::to_string(index) + " term=" + std::to_string(term);
}

} // namespace

void safety_checker::fail(std::string what) {
  if (!violation_)
    violation_ = std::move(what);
}

void safety_checker::on_state(const std::string& id, const raft::node& n) {
  auto s = n.status();
  if (s.node_role != raft::role::leader) {
    leaders_.erase(id);
    return;
  }
  leaders_[id] = &n;
  // Election Safety: at most one leader can be elected in a given term.
  auto [it, fresh] = leader_of_term_.emplace(s.term, id);
  if (!fresh && it->second != id)
    fail("election safety: " + it->second + " and " + id + " both led term "
         + std::to_string(s.term));
  // Leader Completeness: a new leader holds every entry committed before.
  if (leaderships_checked_.emplace(id, s.term).second)
    for (uint64_t i = 1; i <= committed_.size(); ++i)
      if (committed_[i - 1].term_bound < s.term)
        check_leader_holds(id, n, i);
}

void safety_checker::on_crash(const std::string& id) { leaders_.erase(id); }

void safety_checker::check_leader_holds(const std::string& id, const raft::node& n,
                                        uint64_t index) {
  const auto& c = committed_[index - 1];
  auto t = n.log().term(index);
  if (t.ok() && *t == c.term)
    return;
  if (!t.ok() && t.code() == raft::errc::compacted)
    return; // covered by its snapshot, whose contents on_restore checks
  fail("leader completeness: leader " + id + " of term " + std::to_string(n.status().term)
       + " lacks committed entry " + describe(index, c.term)
       + (t.ok() ? " (holds term " + std::to_string(*t) + ")" : " (no such entry)"));
}

void safety_checker::on_persist(const std::string& id, const std::vector<raft::Entry>& ents,
                                const raft::log_storage& storage) {
  for (const auto& e : ents) {
    std::optional<uint64_t> prev;
    if (auto t = storage.term(e.index() - 1); t.ok())
      prev = *t;
    auto [it, fresh]
      = entries_.emplace(std::pair{e.index(), e.term()}, seen_entry{e.type(), e.data(), prev});
    if (fresh)
      continue;
    auto& seen = it->second;
    if (seen.type != e.type() || seen.data != e.data())
      fail("log matching: " + id + " stored a different command at "
           + describe(e.index(), e.term()));
    if (seen.prev_term && prev && *seen.prev_term != *prev)
      fail("log matching: " + id + " stored " + describe(e.index(), e.term())
           + " after an entry of term " + std::to_string(*prev) + ", others after term "
           + std::to_string(*seen.prev_term));
    if (!seen.prev_term)
      seen.prev_term = prev;
  }
}

void safety_checker::on_apply(const std::string& id, const raft::Entry& e, uint64_t term) {
  auto index = e.index();
  if (index <= committed_.size()) {
    const auto& c = committed_[index - 1];
    if (c.term != e.term() || c.type != e.type() || c.data != e.data())
      fail("state machine safety: " + id + " applied " + describe(index, e.term())
           + " where another node applied term " + std::to_string(c.term));
    return;
  }
  if (index != committed_.size() + 1) {
    fail("state machine safety: " + id + " applied index " + std::to_string(index)
         + " but no node applied index " + std::to_string(committed_.size() + 1));
    return;
  }
  committed_.push_back(committed_entry{e.term(), e.type(), e.data(), term});
  for (const auto& [leader, n] : leaders_)
    if (n->status().term > term)
      check_leader_holds(leader, *n, index);
}

void safety_checker::on_restore(const std::string& id, uint64_t index,
                                const std::vector<std::string>& commands) {
  if (index > committed_.size()) {
    fail("snapshot: " + id + " restored index " + std::to_string(index) + " that no node applied");
    return;
  }
  std::vector<std::string> expected;
  for (uint64_t i = 0; i < index; ++i)
    if (committed_[i].type == raft::ENTRY_NORMAL)
      expected.push_back(committed_[i].data);
  if (expected != commands)
    fail("snapshot: " + id + " restored a state at index " + std::to_string(index)
         + " that differs from the committed commands");
}

void safety_checker::on_read_started(const std::string& context) {
  read_floor_[context] = committed_.size();
}

void safety_checker::on_read_served(const std::string& id, const std::string& context,
                                    uint64_t index, uint64_t applied) {
  auto floor = read_floor_.find(context);
  if (floor == read_floor_.end()) {
    fail("read: " + id + " served unknown read " + context);
    return;
  }
  if (index < floor->second)
    fail("linearizability: " + id + " served read " + context + " at index " + std::to_string(index)
         + " but index " + std::to_string(floor->second) + " was applied before it began");
  if (applied < index)
    fail("read: " + id + " served read " + context + " before applying its index");
  read_floor_.erase(floor);
}

std::vector<std::string> safety_checker::committed_commands() const {
  std::vector<std::string> out;
  for (const auto& c : committed_)
    if (c.type == raft::ENTRY_NORMAL)
      out.push_back(c.data);
  return out;
}

} // namespace keel::sim
