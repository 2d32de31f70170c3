// The replica's pending client proposals: each ends exactly once, answered from
// its applied entry or failed the moment the replica can no longer follow it.
#include <gtest/gtest.h>

#include "actors/replication/core/proposal_tracker.hpp"

namespace {

using keel::raft::proposal_fate;
using keel::raft::proposal_tracker;
using keel::raft::settled_proposal;
using V = std::vector<settled_proposal>;

TEST(RaftProposalTracker, CommittedEntryOfTheSameTermIsTheProposal) {
  proposal_tracker t;
  EXPECT_EQ(t.add(5, 2, 100), V{});
  EXPECT_EQ(t.committed(4, 2), std::nullopt); // not ours: nothing waits there
  auto s = t.committed(5, 2);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (settled_proposal{100, 5, proposal_fate::applied}));
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.committed(5, 2), std::nullopt); // answered once
}

TEST(RaftProposalTracker, AnotherTermAtTheIndexSupersedesTheProposal) {
  proposal_tracker t;
  t.add(5, 2, 100);
  EXPECT_EQ(t.committed(5, 3), (settled_proposal{100, 5, proposal_fate::superseded}));
  EXPECT_TRUE(t.empty());
}

TEST(RaftProposalTracker, ProposalAtAnOccupiedIndexFailsTheOlderOne) {
  // A leader proposed at 7 in term 2, lost its log suffix to a snapshot and
  // another leader, was elected again in term 4 and proposes at 7 again.
  proposal_tracker t;
  t.add(7, 2, 100);
  EXPECT_EQ(t.add(7, 4, 200), (V{{100, 7, proposal_fate::lost}}));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.committed(7, 4), (settled_proposal{200, 7, proposal_fate::applied}));
}

TEST(RaftProposalTracker, LosingLeadershipFailsEveryProposal) {
  proposal_tracker t;
  t.add(5, 2, 100);
  t.add(6, 2, 101);
  EXPECT_EQ(t.observe(2, true), V{}); // still leader of term 2: keep waiting
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.observe(2, false), (V{{100, 5, proposal_fate::lost}, {101, 6, proposal_fate::lost}}));
  EXPECT_TRUE(t.empty());
}

TEST(RaftProposalTracker, NewTermFailsTheProposalsOfOlderTerms) {
  // Re-elected between two readies: the node is leader again, in term 3.
  proposal_tracker t;
  t.add(5, 2, 100);
  t.add(9, 3, 300);
  EXPECT_EQ(t.observe(3, true), (V{{100, 5, proposal_fate::lost}}));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.committed(9, 3), (settled_proposal{300, 9, proposal_fate::applied}));
}

TEST(RaftProposalTracker, SnapshotFailsEveryPendingProposal) {
  proposal_tracker t;
  t.add(5, 2, 100);
  t.add(12, 2, 101);
  EXPECT_EQ(t.snapshot_installed(),
            (V{{100, 5, proposal_fate::lost}, {101, 12, proposal_fate::lost}}));
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.committed(12, 2), std::nullopt);
}

} // namespace
