// Majority arithmetic of one Raft group with a fixed set of voters: the
// commit index a leader may claim (§5.3, §5.4.2 "replicated on a majority")
// and the outcome of an election (§5.2 "votes from a majority"). Pure
// functions; used by raft::node, and property-tested against naive versions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel::raft {

/// The number of voters that forms a majority of `voters`.
constexpr size_t majority(size_t voters) { return voters / 2 + 1; }

/// The largest index that a majority of voters has stored, given every
/// voter's match index (the leader's own last index included): the
/// majority()-th largest value. REQUIRES: !match_indexes.empty().
uint64_t quorum_index(std::vector<uint64_t> match_indexes);

/// The outcome of a (pre-)vote so far.
enum class vote_result {
  pending, ///< neither side has a majority yet
  won,     ///< a majority granted its vote
  lost,    ///< a majority refused: the election cannot be won
};

/// Tallies `granted` and `rejected` votes out of `voters`.
vote_result tally_votes(size_t voters, size_t granted, size_t rejected);

} // namespace keel::raft
