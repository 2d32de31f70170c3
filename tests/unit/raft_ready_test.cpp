// The ready() contract (ready.hpp): what must be persisted travels in the
// same ready as the messages that depend on it, messages group per
// destination, and each piece of output is handed out once.
#include <optional>

#include <gtest/gtest.h>

#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::make_message;
using test::test_cluster;

TEST(RaftReady, CampaignPersistsTermAndSelfVoteWithTheVoteRequests) {
  // Figure 2: a candidate's term and vote are durable before RequestVote leaves.
  memory_storage storage;
  auto cfg = test::lone_node(storage);
  cfg.pre_vote = false;
  node n(cfg);
  n.campaign();
  auto rd = n.ready();
  ASSERT_TRUE(rd.hard_state);
  EXPECT_EQ(rd.hard_state->term(), 1u);
  EXPECT_EQ(rd.hard_state->vote(), "a");
  EXPECT_TRUE(rd.leader_messages.empty()); // the vote requests wait for the vote
  ASSERT_EQ(rd.messages.size(), 2u);
  for (auto& m : rd.messages) {
    EXPECT_EQ(m.type(), MSG_VOTE);
    EXPECT_EQ(m.term(), 1u);
  }
  n.advance(rd);
  EXPECT_FALSE(n.has_ready());
}

TEST(RaftReady, AppendAcknowledgementTravelsWithTheEntriesItAcknowledges) {
  memory_storage storage;
  auto cfg = test::lone_node(storage);
  node n(cfg);
  auto m = make_message(MSG_APPEND, "b", "a", 1);
  *m.add_entries() = test::make_entry(1, 1, "x");
  *m.add_entries() = test::make_entry(2, 1, "y");
  ASSERT_TRUE(n.step(m).ok());
  auto rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 2u);
  EXPECT_TRUE(rd.leader_messages.empty()); // a follower's answer waits for its disk
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type(), MSG_APPEND_RESP);
  EXPECT_EQ(rd.messages[0].index(), 2u);
  storage.append(rd.entries);
  n.advance(rd);
  EXPECT_TRUE(n.log().unstable_entries().empty());
  EXPECT_FALSE(n.has_ready());
}

TEST(RaftReady, LeaderSendsItsAppendsBeforeItsOwnWriteAndCountsItselfOnlyAfterIt) {
  // Thesis §10.2.1: the leader's disk write overlaps the round trip to the
  // followers, and a commit never rests on the leader's volatile copy.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto& leader = c.at("n1");
  auto before = leader.status().commit;
  ASSERT_TRUE(leader.propose("x").ok());
  auto rd = leader.ready();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.messages.empty());
  ASSERT_EQ(rd.leader_messages.size(), 2u);
  std::optional<Message> to_n2;
  for (auto& m : rd.leader_messages) {
    EXPECT_EQ(m.type(), MSG_APPEND);
    if (m.to() == "n2")
      to_n2 = m;
  }
  rd.leader_messages.clear(); // sent: n3's copy is lost
  ASSERT_TRUE(to_n2);
  // n2 persists and acknowledges while the leader's write is still running.
  ASSERT_TRUE(c.at("n2").step(*to_n2).ok());
  c.flush("n2");
  ASSERT_EQ(c.in_flight().size(), 1u);
  auto ack = c.in_flight().front();
  c.in_flight().pop_front();
  EXPECT_EQ(ack.type(), MSG_APPEND_RESP);
  ASSERT_TRUE(leader.step(ack).ok());
  EXPECT_EQ(leader.status().commit, before) << "one durable copy of three is no majority";
  // The leader's write completes: now two of three hold the entry.
  c.process_ready("n1", std::move(rd));
  EXPECT_EQ(leader.status().commit, before + 1);
}

TEST(RaftReady, SingleVoterCommitsOnlyOnceItsWriteIsDurable) {
  test_cluster c(1);
  ASSERT_TRUE(c.elect("n1"));
  auto& n = c.at("n1");
  auto before = n.status().commit;
  ASSERT_TRUE(n.propose("x").ok());
  auto rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.committed_entries.empty());
  EXPECT_EQ(n.status().commit, before);
  c.process_ready("n1", std::move(rd));
  EXPECT_EQ(n.status().commit, before + 1);
  ASSERT_TRUE(n.has_ready());
  EXPECT_EQ(n.ready().committed_entries.size(), 1u);
}

TEST(RaftReady, OnlyACommitIndexAloneIsWrittenWithoutSync) {
  memory_storage storage;
  auto cfg = test::lone_node(storage);
  node n(cfg);
  auto append = make_message(MSG_APPEND, "b", "a", 1);
  *append.add_entries() = test::make_entry(1, 1, "x");
  ASSERT_TRUE(n.step(append).ok());
  auto rd = n.ready();
  EXPECT_TRUE(rd.must_sync); // a new term and an entry
  storage.append(rd.entries);
  storage.set_hard_state(*rd.hard_state);
  n.advance(rd);
  // The leader's heartbeat carries the commit index: only that changes.
  auto beat = make_message(MSG_HEARTBEAT, "b", "a", 1);
  beat.set_commit(1);
  ASSERT_TRUE(n.step(beat).ok());
  rd = n.ready();
  ASSERT_TRUE(rd.hard_state);
  EXPECT_EQ(rd.hard_state->commit(), 1u);
  EXPECT_TRUE(rd.entries.empty());
  EXPECT_FALSE(rd.must_sync) << "Figure 2: the commit index is volatile";
  n.advance(rd);
  // A new term is synced, even with nothing else in the ready.
  auto next_leader = make_message(MSG_HEARTBEAT, "c", "a", 2);
  next_leader.set_commit(1);
  ASSERT_TRUE(n.step(next_leader).ok());
  rd = n.ready();
  ASSERT_TRUE(rd.hard_state);
  EXPECT_EQ(rd.hard_state->term(), 2u);
  EXPECT_TRUE(rd.entries.empty());
  EXPECT_TRUE(rd.must_sync);
}

TEST(RaftReady, SoftStateChangeReportsNewLeader) {
  test_cluster c(3);
  c.at("n1").campaign();
  c.flush("n1");
  bool saw_leader = false;
  while (!c.in_flight().empty()) {
    auto m = c.in_flight().front();
    c.in_flight().pop_front();
    ASSERT_TRUE(c.at(m.to()).step(m).ok());
    if (m.to() == "n1") {
      while (c.at("n1").has_ready()) {
        auto rd = c.at("n1").ready();
        if (rd.soft_state_change && rd.soft_state_change->node_role == role::leader) {
          EXPECT_EQ(rd.soft_state_change->leader_id, "n1");
          saw_leader = true;
        }
        c.process_ready("n1", std::move(rd));
      }
    } else {
      c.flush(m.to());
    }
  }
  EXPECT_TRUE(saw_leader);
}

TEST(RaftReady, MessagesAreStampedWithShardAndSender) {
  test_cluster c(3, [](config& cfg) { cfg.shard = 7; });
  ASSERT_TRUE(c.elect("n1"));
  for (const auto& m : c.delivered()) {
    EXPECT_EQ(m.shard(), 7u);
    EXPECT_FALSE(m.from().empty());
  }
  auto misrouted = make_message(MSG_HEARTBEAT, "n1", "n2", 99);
  misrouted.set_shard(8);
  EXPECT_EQ(c.at("n2").step(misrouted).code(), errc::invalid_message);
  EXPECT_EQ(c.at("n2").status().term, 1u); // ignored
}

TEST(RaftReady, BatchByDestinationKeepsOrderPerPeer) {
  std::vector<Message> ms;
  for (int i = 0; i < 6; ++i) {
    auto m = make_message(MSG_HEARTBEAT, "a", i % 2 == 0 ? "b" : "c", 1);
    m.set_commit(static_cast<uint64_t>(i));
    ms.push_back(m);
  }
  auto batches = batch_by_destination(std::move(ms));
  ASSERT_EQ(batches.size(), 2u);
  ASSERT_EQ(batches["b"].messages_size(), 3);
  EXPECT_EQ(batches["b"].messages(0).commit(), 0u);
  EXPECT_EQ(batches["b"].messages(2).commit(), 4u);
  EXPECT_EQ(batches["c"].messages(1).commit(), 3u);
}

TEST(RaftReady, RestartEmitsNoHardStateUntilSomethingChanges) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.restart("n2");
  auto rd = c.at("n2").ready();
  EXPECT_FALSE(rd.hard_state);
  c.process_ready("n2", std::move(rd));
}

// The detail names the setting at fault, and a refusal is invalid_config.
void expect_refused(const config& cfg, std::string_view detail) {
  auto checked = validate(cfg);
  ASSERT_FALSE(checked.ok()) << detail;
  EXPECT_EQ(checked.code(), errc::invalid_config);
  EXPECT_EQ(checked.err().detail, detail);
}

TEST(RaftConfig, ValidateNamesTheProblem) {
  memory_storage storage;
  auto cfg = test::lone_node(storage, {"a", "b"});
  EXPECT_TRUE(validate(cfg).ok());
  auto bad = cfg;
  bad.voters = {"b", "c"};
  expect_refused(bad, "voters must include the node's own id a");
  bad = cfg;
  bad.voters = {"a", "a"};
  expect_refused(bad, "voters must not repeat an id");
  bad = cfg;
  bad.election_ticks = 1;
  expect_refused(bad, "election_ticks must be greater than heartbeat_ticks");
  bad = cfg;
  bad.snapshot_timeout_ticks = 0;
  expect_refused(bad, "snapshot_timeout_ticks must be at least 1");
  bad = cfg;
  bad.storage = nullptr;
  expect_refused(bad, "storage must be set");
}

} // namespace
} // namespace keel::raft
