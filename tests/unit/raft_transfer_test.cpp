// Leadership transfer (thesis §3.10): the leader stops taking proposals,
// brings the target up to date, and sends it MSG_TIMEOUT_NOW so that it
// campaigns at once; the transfer is abandoned after an election timeout.
#include <gtest/gtest.h>

#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::test_cluster;

TEST(RaftTransfer, UpToDateFollowerTakesOverAtOnce) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto term = c.at("n1").status().term;
  auto pre_votes
    = [&] { return c.count_delivered([](const Message& m) { return m.type() == MSG_PRE_VOTE; }); };
  auto pre_votes_before = pre_votes();
  ASSERT_TRUE(c.at("n1").transfer_leadership("n2").ok());
  c.stabilize();
  EXPECT_EQ(c.leader(), "n2");
  EXPECT_EQ(c.at("n2").status().term, term + 1);
  // It won despite the leader lease (check_quorum is on): the transfer
  // campaign is exempt (thesis §4.2.3).
  EXPECT_EQ(c.count_delivered([](const Message& m) { return m.type() == MSG_TIMEOUT_NOW; }), 1u);
  EXPECT_EQ(pre_votes(), pre_votes_before);
  ASSERT_TRUE(c.at("n2").propose("x").ok());
  c.settle();
  EXPECT_EQ(test::applied_data(c.get("n1")), std::vector<std::string>{"x"});
}

TEST(RaftTransfer, LaggingTargetIsCaughtUpFirst) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(c.at("n1").propose(test::numbered("p", i)).ok());
  c.stabilize();
  c.heal();
  ASSERT_TRUE(c.at("n1").transfer_leadership("n3").ok());
  c.stabilize();
  EXPECT_EQ(c.leader(), "n3");
  // MSG_TIMEOUT_NOW left only after n3 acknowledged the last entry.
  size_t timeout_now_at = 0;
  size_t caught_up_at = 0;
  const auto& log = c.delivered();
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].type() == MSG_TIMEOUT_NOW)
      timeout_now_at = i;
    if (log[i].from() == "n3" && log[i].type() == MSG_APPEND_RESP && !log[i].reject()
        && log[i].index() == 11 && caught_up_at == 0)
      caught_up_at = i;
  }
  EXPECT_GT(caught_up_at, 0u);
  EXPECT_GT(timeout_now_at, caught_up_at);
  EXPECT_EQ(test::applied_data(c.get("n3")).size(), 10u);
}

TEST(RaftTransfer, ProposalsAreDroppedDuringTransfer) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  ASSERT_TRUE(c.at("n1").transfer_leadership("n3").ok());
  c.stabilize();
  auto r = c.at("n1").propose("x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::proposal_dropped);
  EXPECT_EQ(c.at("n1").status().transferring_to, "n3");
}

TEST(RaftTransfer, AbortsAfterAnElectionTimeout) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  ASSERT_TRUE(c.at("n1").transfer_leadership("n3").ok());
  for (int i = 0; i < 10; ++i) {
    c.at("n1").tick();
    c.stabilize();
  }
  EXPECT_EQ(c.at("n1").status().node_role, role::leader);
  EXPECT_EQ(c.at("n1").status().transferring_to, "");
  EXPECT_TRUE(c.at("n1").propose("x").ok());
}

TEST(RaftTransfer, RefusedByFollowerAndForUnknownPeer) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto r = c.at("n2").transfer_leadership("n3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::not_leader);
  EXPECT_EQ(r.err().leader_hint, "n1");
  auto unknown = c.at("n1").transfer_leadership("n9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.code(), errc::unknown_peer);
  EXPECT_TRUE(c.at("n1").transfer_leadership("n1").ok()); // already leader: nothing to do
  EXPECT_EQ(c.at("n1").status().transferring_to, "");
}

TEST(RaftTransfer, TransferToAnotherTargetReplacesTheFirst) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  ASSERT_TRUE(c.at("n1").transfer_leadership("n3").ok());
  c.stabilize();
  c.heal();
  c.isolate("n3");
  ASSERT_TRUE(c.at("n1").transfer_leadership("n2").ok());
  c.stabilize();
  EXPECT_EQ(c.at("n2").status().node_role, role::leader);
}

} // namespace
} // namespace keel::raft
