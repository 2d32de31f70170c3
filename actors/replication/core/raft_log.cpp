// raft_log: the log rules of the Raft paper over storage plus unstable entries.
#include "actors/replication/core/raft_log.hpp"

#include <algorithm>

namespace keel::raft {

namespace {

/// Cuts `ents` to at most `max_count` entries and about `max_bytes`, keeping at least one.
void limit_size(std::vector<Entry>& ents, uint64_t max_count, uint64_t max_bytes) {
  uint64_t bytes = 0;
  size_t keep = 0;
  for (; keep < ents.size() && keep < max_count; ++keep) {
    bytes += ents[keep].ByteSizeLong();
    if (keep > 0 && bytes > max_bytes)
      break;
  }
  ents.resize(std::max<size_t>(keep, std::min<size_t>(1, ents.size())));
}

} // namespace

raft_log::raft_log(const log_storage& storage, uint64_t max_apply_bytes)
  : storage_(storage),
    unstable_(storage.last_index() + 1),
    committed_(storage.first_index() - 1),
    applied_(storage.first_index() - 1),
    max_apply_bytes_(max_apply_bytes) {}

uint64_t raft_log::first_index() const {
  if (auto i = unstable_.maybe_first_index())
    return *i;
  return storage_.first_index();
}

uint64_t raft_log::last_index() const {
  if (auto i = unstable_.maybe_last_index())
    return *i;
  return storage_.last_index();
}

uint64_t raft_log::last_durable_index() const {
  if (unstable_.snapshot())
    return 0;
  return unstable_.offset() - 1;
}

uint64_t raft_log::last_term() const {
  auto t = term(last_index());
  KEEL_ASSERT(t.ok(), "the term of the last entry must be known");
  return *t;
}

result<uint64_t> raft_log::term(uint64_t i) const {
  if (i + 1 < first_index())
    return errc::compacted;
  if (i > last_index())
    return errc::unavailable;
  if (auto t = unstable_.maybe_term(i))
    return *t;
  return storage_.term(i);
}

bool raft_log::match_term(uint64_t i, uint64_t t) const {
  auto found = term(i);
  return found.ok() && *found == t;
}

bool raft_log::is_up_to_date(uint64_t last_index, uint64_t last_term) const {
  auto my_term = this->last_term();
  return last_term > my_term || (last_term == my_term && last_index >= this->last_index());
}

std::optional<uint64_t> raft_log::maybe_append(uint64_t index, uint64_t log_term,
                                               uint64_t leader_commit,
                                               std::span<const Entry> ents) {
  // §5.3 consistency check: the entry preceding the new ones must match.
  if (!match_term(index, log_term))
    return std::nullopt;
  auto last_new = index + ents.size();
  if (auto conflict = find_conflict(ents); conflict != 0) {
    // Leader Completeness (§5.4) guarantees committed entries never conflict.
    KEEL_ASSERT(conflict > committed_, "a committed entry conflicts with the leader's log");
    append(ents.subspan(conflict - (index + 1)));
  }
  // Figure 2: commitIndex = min(leaderCommit, index of last new entry).
  commit_to(std::min(leader_commit, last_new));
  return last_new;
}

uint64_t raft_log::append(std::span<const Entry> ents) {
  if (ents.empty())
    return last_index();
  KEEL_ASSERT(ents.front().index() > committed_, "overwriting a committed entry");
  unstable_.truncate_and_append(ents);
  return last_index();
}

uint64_t raft_log::find_conflict(std::span<const Entry> ents) const {
  for (const auto& e : ents)
    if (!match_term(e.index(), e.term()))
      return e.index();
  return 0;
}

std::pair<uint64_t, uint64_t> raft_log::find_conflict_by_term(uint64_t index, uint64_t term) const {
  for (;; --index) {
    auto t = this->term(index);
    if (!t.ok())
      return {index, 0};
    if (*t <= term || index == 0)
      return {index, *t};
  }
}

result<std::vector<Entry>> raft_log::entries(uint64_t lo, uint64_t max_count,
                                             uint64_t max_bytes) const {
  if (lo > last_index())
    return std::vector<Entry>{};
  return slice(lo, last_index() + 1, max_count, max_bytes);
}

result<std::vector<Entry>> raft_log::slice(uint64_t lo, uint64_t hi, uint64_t max_count,
                                           uint64_t max_bytes) const {
  if (lo < first_index())
    return errc::compacted;
  KEEL_ASSERT(lo <= hi && hi <= last_index() + 1, "log slice out of bounds");
  std::vector<Entry> out;
  if (lo == hi)
    return out;
  auto offset = unstable_.offset();
  if (lo < offset) {
    auto stored_hi = std::min(hi, offset);
    auto stored = storage_.entries(lo, stored_hi, max_bytes);
    if (!stored.ok()) {
      KEEL_ASSERT(stored.code() == errc::compacted, "stored entries are missing");
      return errc::compacted;
    }
    out = std::move(*stored);
    if (out.size() < stored_hi - lo) { // the storage stopped at max_bytes
      limit_size(out, max_count, max_bytes);
      return out;
    }
  }
  if (hi > offset) {
    auto tail = unstable_.slice(std::max(lo, offset), hi);
    out.insert(out.end(), std::make_move_iterator(tail.begin()),
               std::make_move_iterator(tail.end()));
  }
  limit_size(out, max_count, max_bytes);
  return out;
}

result<Snapshot> raft_log::snapshot() const {
  if (const auto& s = unstable_.snapshot())
    return *s;
  return storage_.snapshot();
}

bool raft_log::maybe_commit(uint64_t max_index, uint64_t term) {
  // §5.4.2: a leader counts replicas only for entries of its own term; older
  // entries are committed indirectly, by the Log Matching Property (Figure 8).
  if (max_index > committed_ && match_term(max_index, term)) {
    commit_to(max_index);
    return true;
  }
  return false;
}

void raft_log::commit_to(uint64_t index) {
  if (index <= committed_)
    return;
  KEEL_ASSERT(index <= last_index(), "commit index beyond the log: was the log truncated or lost?");
  committed_ = index;
}

void raft_log::applied_to(uint64_t index) {
  if (index == 0)
    return;
  KEEL_ASSERT(applied_ <= index && index <= committed_, "applied index out of range");
  applied_ = index;
}

bool raft_log::has_next_committed_entries() const {
  auto from = std::max(applied_ + 1, first_index());
  return committed_ + 1 > from;
}

std::vector<Entry> raft_log::next_committed_entries() const {
  if (!has_next_committed_entries())
    return {};
  auto from = std::max(applied_ + 1, first_index());
  auto ents = slice(from, committed_ + 1, UINT64_MAX, max_apply_bytes_);
  KEEL_ASSERT(ents.ok(), "committed entries were compacted before they were applied");
  return std::move(*ents);
}

void raft_log::restore(const Snapshot& snap) {
  committed_ = snap.metadata().index();
  unstable_.restore(snap);
}

} // namespace keel::raft
