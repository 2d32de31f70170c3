// Majority arithmetic (§5.2 elections, §5.3 commitment): the fast
// quorum_index is checked against a naive definition on random inputs.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "actors/replication/core/quorum.hpp"

namespace keel::raft {
namespace {

/// The definition: the largest index that at least a majority of voters hold.
uint64_t naive_quorum_index(const std::vector<uint64_t>& matches) {
  uint64_t best = 0;
  for (auto candidate : matches) {
    auto holders
      = std::count_if(matches.begin(), matches.end(), [&](uint64_t m) { return m >= candidate; });
    if (static_cast<size_t>(holders) >= majority(matches.size()))
      best = std::max(best, candidate);
  }
  return best;
}

TEST(RaftQuorum, MajorityOfGroupSizes) {
  EXPECT_EQ(majority(1), 1u);
  EXPECT_EQ(majority(2), 2u);
  EXPECT_EQ(majority(3), 2u);
  EXPECT_EQ(majority(4), 3u);
  EXPECT_EQ(majority(5), 3u);
}

TEST(RaftQuorum, QuorumIndexIsTheMedianForThreeAndFive) {
  EXPECT_EQ(quorum_index({5, 3, 9}), 5u);
  EXPECT_EQ(quorum_index({1, 1, 9, 9, 2}), 2u);
  EXPECT_EQ(quorum_index({7}), 7u);
  EXPECT_EQ(quorum_index({4, 8}), 4u); // two voters: both must hold it
}

TEST(RaftQuorum, QuorumIndexMatchesNaiveDefinitionOnRandomInputs) {
  std::mt19937_64 rng(20140101);
  for (int round = 0; round < 20000; ++round) {
    auto voters = 1 + rng() % 9;
    std::vector<uint64_t> matches(voters);
    for (auto& m : matches)
      m = rng() % 12; // small range: many ties
    ASSERT_EQ(quorum_index(matches), naive_quorum_index(matches))
      << "round " << round << " voters " << voters;
  }
}

TEST(RaftQuorum, VoteTallyWinsLosesOrWaits) {
  EXPECT_EQ(tally_votes(3, 2, 0), vote_result::won);
  EXPECT_EQ(tally_votes(3, 1, 1), vote_result::pending);
  EXPECT_EQ(tally_votes(3, 1, 2), vote_result::lost);
  EXPECT_EQ(tally_votes(5, 2, 2), vote_result::pending);
  EXPECT_EQ(tally_votes(5, 2, 3), vote_result::lost);
  EXPECT_EQ(tally_votes(4, 2, 2), vote_result::lost); // 2 of 4 can no longer reach 3
  EXPECT_EQ(tally_votes(1, 1, 0), vote_result::won);
}

TEST(RaftQuorum, VoteTallyMatchesNaiveDefinition) {
  for (size_t voters = 1; voters <= 9; ++voters) {
    for (size_t yes = 0; yes <= voters; ++yes) {
      for (size_t no = 0; yes + no <= voters; ++no) {
        auto undecided = voters - yes - no;
        auto expected = yes * 2 > voters                  ? vote_result::won
                        : (yes + undecided) * 2 <= voters ? vote_result::lost
                                                          : vote_result::pending;
        EXPECT_EQ(tally_votes(voters, yes, no), expected) << voters << " " << yes << " " << no;
      }
    }
  }
}

} // namespace
} // namespace keel::raft
