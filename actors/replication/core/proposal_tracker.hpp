// proposal_tracker: the client proposals a replica is waiting for, by log
// index, and what becomes of each. A proposal ends exactly once: answered from
// the entry applied at its index, or failed as soon as this replica can no
// longer tell what happens to it (it lost the leadership, its term moved on,
// its index was given to a newer proposal, or a snapshot replaced the log), so
// that its client retries at once instead of waiting for its timeout. Pure: the
// replica actor keeps each ticket's clients and delivers the answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace keel::raft {

/// What became of a proposal.
enum class proposal_fate : uint8_t {
  applied,    // the entry committed at its index is the proposal (same index and
              // term, §5.3 Log Matching): answer with the entry's results
  superseded, // another leader's entry was committed at its index: never applied
  lost,       // this replica stopped following it; it may still commit elsewhere
              // (a retry with the same seq is deduplicated, thesis §6.3)
};

struct settled_proposal {
  uint64_t ticket = 0;
  uint64_t index = 0;
  proposal_fate fate = proposal_fate::lost;
  friend bool operator==(const settled_proposal&, const settled_proposal&) = default;
};

class proposal_tracker {
public:
  /// Records the proposal `ticket` appended at (index, term). An unanswered
  /// proposal already waiting at `index` (the log was rewritten under it:
  /// a snapshot or another leader's entries, then a re-election) is returned
  /// as lost.
  std::vector<settled_proposal> add(uint64_t index, uint64_t term, uint64_t ticket);

  /// The entry at (index, term) was committed and applied: the proposal
  /// waiting at `index`, if any, as applied (same term) or superseded.
  std::optional<settled_proposal> committed(uint64_t index, uint64_t term);

  /// The replica's current term and role: every proposal of another term,
  /// and every proposal at all if it is not the leader, is lost. Returned
  /// in index order.
  std::vector<settled_proposal> observe(uint64_t term, bool leader);

  /// A snapshot replaced the whole log (§7): entries up to its index are
  /// inside it or not, later ones were dropped. Every proposal is lost.
  std::vector<settled_proposal> snapshot_installed();

  size_t size() const { return pending_.size(); }
  bool empty() const { return pending_.empty(); }

private:
  struct pending {
    uint64_t term = 0;
    uint64_t ticket = 0;
  };
  std::map<uint64_t, pending> pending_; // by log index
};

} // namespace keel::raft
