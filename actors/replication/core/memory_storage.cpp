// memory_storage: the in-memory log_storage of tests and the simulation.
#include "actors/replication/core/memory_storage.hpp"

#include <algorithm>

namespace keel::raft {

namespace {

Entry dummy_entry(uint64_t index, uint64_t term) {
  Entry e;
  e.set_index(index);
  e.set_term(term);
  return e;
}

} // namespace

memory_storage::memory_storage() { ents_.push_back(dummy_entry(0, 0)); }

HardState memory_storage::hard_state() const { return hard_state_; }

uint64_t memory_storage::first_index() const { return ents_.front().index() + 1; }

uint64_t memory_storage::last_index() const { return ents_.front().index() + ents_.size() - 1; }

result<uint64_t> memory_storage::term(uint64_t i) const {
  auto offset = ents_.front().index();
  if (i < offset)
    return errc::compacted;
  if (i - offset >= ents_.size())
    return errc::unavailable;
  return ents_[i - offset].term();
}

result<std::vector<Entry>> memory_storage::entries(uint64_t lo, uint64_t hi,
                                                   uint64_t max_bytes) const {
  auto offset = ents_.front().index();
  if (lo <= offset)
    return errc::compacted;
  KEEL_ASSERT(lo <= hi && hi <= last_index() + 1, "entries() range out of bounds");
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (auto i = lo; i < hi; ++i) {
    const auto& e = ents_[i - offset];
    bytes += e.ByteSizeLong();
    if (!out.empty() && bytes > max_bytes)
      break;
    out.push_back(e);
  }
  return out;
}

result<Snapshot> memory_storage::snapshot() const { return snapshot_; }

void memory_storage::set_hard_state(const HardState& hs) { hard_state_ = hs; }

void memory_storage::append(const std::vector<Entry>& ents) {
  if (ents.empty())
    return;
  auto first = first_index();
  if (ents.back().index() < first)
    return; // everything given is already compacted
  // Skip the prefix that lies inside the compacted part.
  auto skip = first > ents.front().index() ? first - ents.front().index() : 0;
  auto start = ents.front().index() + skip;
  KEEL_ASSERT(start <= last_index() + 1, "append would leave a gap in the log");
  // §5.3: an appended entry replaces the stored one at its index and every one after it.
  ents_.resize(start - ents_.front().index());
  ents_.insert(ents_.end(), ents.begin() + static_cast<std::ptrdiff_t>(skip), ents.end());
}

result<void> memory_storage::apply_snapshot(const Snapshot& snap) {
  if (snap.metadata().index() <= snapshot_.metadata().index())
    return errc::snapshot_out_of_date;
  snapshot_ = snap;
  ents_.assign(1, dummy_entry(snap.metadata().index(), snap.metadata().term()));
  return {};
}

result<void> memory_storage::create_snapshot(uint64_t index, std::vector<std::string> voters,
                                             std::string data) {
  if (index <= snapshot_.metadata().index())
    return errc::snapshot_out_of_date;
  KEEL_ASSERT(index <= last_index(), "snapshot beyond the last log entry");
  auto t = term(index);
  KEEL_ASSERT(t.ok(), "snapshot of a compacted index");
  Snapshot snap;
  snap.mutable_metadata()->set_index(index);
  snap.mutable_metadata()->set_term(*t);
  for (auto& v : voters)
    snap.mutable_metadata()->add_voters(std::move(v));
  snap.set_data(std::move(data));
  snapshot_ = std::move(snap);
  return {};
}

result<void> memory_storage::compact(uint64_t index) {
  auto offset = ents_.front().index();
  if (index <= offset)
    return errc::compacted;
  KEEL_ASSERT(index <= last_index(), "compaction beyond the last log entry");
  KEEL_ASSERT(index <= snapshot_.metadata().index(),
              "compaction beyond the stored snapshot would lose entries (§7)");
  auto keep_from = index - offset; // position of the new dummy
  ents_.erase(ents_.begin(), ents_.begin() + static_cast<std::ptrdiff_t>(keep_from));
  ents_.front().clear_data();
  ents_.front().set_type(ENTRY_TYPE_UNSPECIFIED);
  return {};
}

} // namespace keel::raft
