// unstable_log: entries and snapshot awaiting persistence.
#include "actors/replication/core/unstable_log.hpp"

#include "actors/base/core/errors.hpp"

namespace keel::raft {

std::optional<uint64_t> unstable_log::maybe_first_index() const {
  if (snapshot_)
    return snapshot_->metadata().index() + 1;
  return std::nullopt;
}

std::optional<uint64_t> unstable_log::maybe_last_index() const {
  if (!entries_.empty())
    return offset_ + entries_.size() - 1;
  if (snapshot_)
    return snapshot_->metadata().index();
  return std::nullopt;
}

std::optional<uint64_t> unstable_log::maybe_term(uint64_t i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->metadata().index() == i)
      return snapshot_->metadata().term();
    return std::nullopt;
  }
  auto last = maybe_last_index();
  if (!last || i > *last)
    return std::nullopt;
  return entries_[i - offset_].term();
}

void unstable_log::stable_to(uint64_t i, uint64_t t) {
  auto term = maybe_term(i);
  if (!term || *term != t || i < offset_)
    return;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i + 1 - offset_));
  offset_ = i + 1;
}

void unstable_log::stable_snap_to(uint64_t i) {
  if (snapshot_ && snapshot_->metadata().index() == i)
    snapshot_.reset();
}

void unstable_log::restore(const Snapshot& snap) {
  offset_ = snap.metadata().index() + 1;
  entries_.clear();
  snapshot_ = snap;
}

void unstable_log::truncate_and_append(std::span<const Entry> ents) {
  KEEL_ASSERT(!ents.empty(), "appending no entries");
  auto after = ents.front().index();
  if (after == offset_ + entries_.size()) {
    // The common case: the new entries directly follow the unstable ones.
  } else if (after <= offset_) {
    // The new entries replace every unstable one, and maybe stable ones too:
    // the storage drops those when it persists these (memory_storage::append).
    offset_ = after;
    entries_.clear();
  } else {
    // Keep the unstable entries before `after`, drop the rest.
    KEEL_ASSERT(after < offset_ + entries_.size(), "gap in the unstable log");
    entries_.resize(after - offset_);
  }
  entries_.insert(entries_.end(), ents.begin(), ents.end());
}

std::vector<Entry> unstable_log::slice(uint64_t lo, uint64_t hi) const {
  KEEL_ASSERT(offset_ <= lo && lo <= hi && hi <= offset_ + entries_.size(),
              "unstable slice out of bounds");
  return {entries_.begin() + static_cast<std::ptrdiff_t>(lo - offset_),
          entries_.begin() + static_cast<std::ptrdiff_t>(hi - offset_)};
}

} // namespace keel::raft
