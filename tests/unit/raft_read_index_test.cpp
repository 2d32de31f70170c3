// Linearizable reads by ReadIndex (thesis §6.4): the leader records its
// commit index, confirms it still leads with a heartbeat round to a
// majority, and serves the read once it has applied up to that index.
#include <gtest/gtest.h>

#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::test_cluster;

TEST(RaftReadIndex, LeaderConfirmsLeadershipWithAHeartbeatQuorum) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").propose("x").ok());
  c.stabilize();
  ASSERT_TRUE(c.at("n1").read_index("r1").ok());
  c.flush("n1");
  EXPECT_TRUE(c.get("n1").reads.empty()); // not before the heartbeat round
  c.stabilize();
  ASSERT_EQ(c.get("n1").reads.size(), 1u);
  EXPECT_EQ(c.get("n1").reads[0], (read_state{"r1", 2}));
  EXPECT_EQ(c.count_delivered([](const Message& m) {
    return m.type() == MSG_HEARTBEAT_RESP && m.context() == "r1";
  }),
            2u);
}

TEST(RaftReadIndex, OneFollowerIsEnoughInAGroupOfThree) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  ASSERT_TRUE(c.at("n1").read_index("r1").ok());
  c.stabilize();
  ASSERT_EQ(c.get("n1").reads.size(), 1u);
}

TEST(RaftReadIndex, AckOfAMinorityIsNotEnough) {
  // In a group of five the leader needs two followers' acknowledgements.
  test_cluster c(5);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  c.isolate("n4");
  c.isolate("n5");
  ASSERT_TRUE(c.at("n1").read_index("r").ok());
  c.stabilize();
  EXPECT_TRUE(c.get("n1").reads.empty());
  c.heal();
  c.isolate("n4");
  c.isolate("n5");
  c.at("n1").tick(); // the next heartbeat round reaches n2 and n3
  c.stabilize();
  ASSERT_EQ(c.get("n1").reads.size(), 1u);
}

TEST(RaftReadIndex, PartitionedLeaderNeverServesAndAbortsOnStepDown) {
  // A deposed leader that does not know it yet must not serve a stale read.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n1");
  auto new_leader = c.tick_until_leader({"n2", "n3"});
  ASSERT_NE(new_leader, "");
  ASSERT_TRUE(c.at(new_leader).propose("newer").ok());
  c.stabilize();
  ASSERT_EQ(c.at("n1").status().node_role, role::leader); // does not know yet
  ASSERT_TRUE(c.at("n1").read_index("stale").ok());
  c.at("n1").tick();
  c.stabilize();
  EXPECT_TRUE(c.get("n1").reads.empty());
  c.heal();
  c.tick_all(2);
  EXPECT_TRUE(c.get("n1").reads.empty());
  EXPECT_EQ(c.get("n1").aborted_reads, std::vector<std::string>{"stale"});
}

TEST(RaftReadIndex, NewLeaderWaitsForItsNoOpToCommit) {
  // Thesis §6.4 step 1: until an entry of its term commits, a new leader
  // may not know the commit index and must not use it.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").propose("x").ok());
  c.stabilize();
  c.isolate("n1");
  c.drop_if([](const Message& m) { return m.type() == MSG_APPEND_RESP; });
  auto leader = c.tick_until_leader({"n2", "n3"});
  ASSERT_NE(leader, "");
  ASSERT_TRUE(c.at(leader).read_index("r").ok());
  c.stabilize();
  EXPECT_EQ(c.count_delivered([](const Message& m) { return m.context() == "r"; }), 0u);
  EXPECT_TRUE(c.get(leader).reads.empty());
  c.heal();
  c.isolate("n1");
  c.at(leader).tick();
  c.stabilize();
  ASSERT_EQ(c.get(leader).reads.size(), 1u);
  EXPECT_EQ(c.get(leader).reads[0].index, c.at(leader).status().commit);
  EXPECT_EQ(c.get(leader).reads[0].index, 3u); // after its no-op at index 3
}

/// Delivers everything in flight: followers run their ready loop, while the
/// leader n1 only steps the messages (its ready loop waits).
void deliver_holding_leader_ready(test_cluster& c) {
  while (!c.in_flight().empty()) {
    auto m = c.in_flight().front();
    c.in_flight().pop_front();
    EXPECT_TRUE(c.at(m.to()).step(m).ok());
    if (m.to() != "n1")
      c.flush(m.to());
  }
}

TEST(RaftReadIndex, ReadIsServedOnlyOnceAppliedUpToItsIndex) {
  // Thesis §6.4 step 4: the read waits until the state machine has applied
  // the recorded commit index. With one committed entry per ready, the read
  // must come out in the very ready that applies that index.
  test_cluster c(3, [](config& cfg) { cfg.max_apply_bytes = 1; });
  ASSERT_TRUE(c.elect("n1"));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c.at("n1").propose(test::numbered("p", i)).ok());
  c.flush("n1");
  deliver_holding_leader_ready(c);
  ASSERT_EQ(c.at("n1").status().commit, 4u);
  ASSERT_EQ(c.at("n1").status().applied, 1u);
  ASSERT_TRUE(c.at("n1").read_index("r").ok());
  auto rd = c.at("n1").ready(); // applies index 2, sends the heartbeats
  EXPECT_TRUE(rd.read_states.empty());
  c.process_ready("n1", std::move(rd));
  deliver_holding_leader_ready(c); // the heartbeat acks confirm the read at index 4
  rd = c.at("n1").ready();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].index(), 3u);
  EXPECT_TRUE(rd.read_states.empty());
  c.process_ready("n1", std::move(rd));
  rd = c.at("n1").ready();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].index(), 4u);
  EXPECT_EQ(rd.read_states, (std::vector<read_state>{{"r", 4}}));
  c.process_ready("n1", std::move(rd));
}

TEST(RaftReadIndex, FollowerRefusesWithLeaderHint) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto r = c.at("n2").read_index("r");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::not_leader);
  EXPECT_EQ(r.err().leader_hint, "n1");
}

TEST(RaftReadIndex, SingleVoterServesAtOnce) {
  test_cluster c(1);
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").read_index("r").ok());
  c.flush("n1");
  ASSERT_EQ(c.get("n1").reads.size(), 1u);
  EXPECT_EQ(c.get("n1").reads[0].index, 1u);
}

TEST(RaftReadIndex, LaterConfirmationServesEarlierReadsInOrder) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.drop_if([](const Message& m) { return m.type() == MSG_HEARTBEAT_RESP && m.context() == "a"; });
  ASSERT_TRUE(c.at("n1").read_index("a").ok());
  c.stabilize();
  EXPECT_TRUE(c.get("n1").reads.empty());
  c.heal();
  ASSERT_TRUE(c.at("n1").read_index("b").ok());
  c.stabilize();
  ASSERT_EQ(c.get("n1").reads.size(), 2u);
  EXPECT_EQ(c.get("n1").reads[0].context, "a");
  EXPECT_EQ(c.get("n1").reads[1].context, "b");
}

} // namespace
} // namespace keel::raft
