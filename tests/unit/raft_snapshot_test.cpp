// Log compaction and InstallSnapshot (§7), and restart from persisted state
// (§5.1 and Figure 2: currentTerm, votedFor and log[] survive a crash).
#include <gtest/gtest.h>

#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::test_cluster;

std::vector<std::string> values(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(test::numbered("v", i));
  return out;
}

/// n3 misses entries [from, from + 5) while cut off, and n1 compacts its log
/// past them: n3 can only catch up from a snapshot once healed.
void n3_falls_behind_the_compacted_log(test_cluster& c, int from) {
  c.isolate("n3");
  for (auto& v : values(from, from + 5))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.stabilize();
  c.snapshot_and_compact("n1", c.at("n1").status().applied);
  c.heal();
}

// The snapshots sent from watch() on: when each left (in ticks of run()),
// lost on the wire while `lose` holds.
struct snapshot_recorder {
  explicit snapshot_recorder(test_cluster& cluster)
    : c(cluster) {}

  test_cluster& c;
  int tick = 0;
  bool lose = true;
  std::vector<int> sent_at;

  void watch() { // again after each c.heal(), which drops the watch
    sent_at.clear();
    c.drop_if([this](const Message& m) {
      if (m.type() != MSG_SNAPSHOT)
        return false;
      sent_at.push_back(tick);
      return lose;
    });
  }
  void run(int ticks) {
    for (int i = 0; i < ticks; ++i, ++tick)
      c.tick_all(1);
  }
};

TEST(RaftSnapshot, FollowerBehindCompactedLogReceivesSnapshot) {
  // §7: the leader sends InstallSnapshot to a follower that needs entries
  // it has already discarded.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  for (auto& v : values(0, 30))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.stabilize();
  auto applied = c.at("n1").status().applied;
  c.snapshot_and_compact("n1", applied);
  ASSERT_EQ(c.at("n1").status().snapshot_index, applied);
  c.heal();
  c.tick_all(3);
  EXPECT_EQ(c.count_delivered([](const Message& m) { return m.type() == MSG_SNAPSHOT; }), 1u);
  EXPECT_EQ(c.get("n3").storage->snapshot()->metadata().index(), applied);
  EXPECT_EQ(test::applied_data(c.get("n3")), values(0, 30));
  // Replication continues from the log after the snapshot.
  ASSERT_TRUE(c.at("n1").propose("after").ok());
  c.settle();
  auto expected = values(0, 30);
  expected.push_back("after");
  EXPECT_EQ(test::applied_data(c.get("n3")), expected);
  EXPECT_EQ(c.at("n1").status().progress.at("n3").state, progress_state::replicate);
}

TEST(RaftSnapshot, CompactionKeepingATailServesFollowersFromTheLog) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  for (auto& v : values(0, 10))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.stabilize();
  c.heal();
  c.tick_all(1);
  for (auto& v : values(10, 20))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.stabilize();
  c.snapshot_and_compact("n1", 5); // n3 already has more than index 5
  c.tick_all(2);
  EXPECT_EQ(c.count_delivered([](const Message& m) { return m.type() == MSG_SNAPSHOT; }), 0u);
  EXPECT_EQ(test::applied_data(c.get("n3")), values(0, 20));
}

TEST(RaftSnapshot, LostSnapshotIsSentAgainAfterTimeout) {
  // The transport cannot report a lost message, so an unacknowledged
  // snapshot is presumed lost after snapshot_timeout_ticks.
  test_cluster c(3, [](config& cfg) { cfg.snapshot_timeout_ticks = 5; });
  ASSERT_TRUE(c.elect("n1"));
  n3_falls_behind_the_compacted_log(c, 0);
  int snapshots_dropped = 0;
  c.drop_if([&](const Message& m) { return m.type() == MSG_SNAPSHOT && snapshots_dropped++ == 0; });
  c.tick_all(12);
  EXPECT_EQ(snapshots_dropped, 2); // the first was dropped, the second let through
  EXPECT_EQ(test::applied_data(c.get("n3")), values(0, 5));
}

// A snapshot can take far longer to read out, send and install than the
// timeout after which it is presumed lost; every resend starts all of that
// again. So each snapshot presumed lost in a row waits twice as long as the
// one before, up to 2^max_snapshot_backoff times the timeout, and a follower
// that answers again is back to the configured wait.
TEST(RaftSnapshot, EachSnapshotPresumedLostWaitsTwiceAsLongAsTheOneBefore) {
  constexpr int timeout = 5;
  test_cluster c(3, [](config& cfg) { cfg.snapshot_timeout_ticks = timeout; });
  ASSERT_TRUE(c.elect("n1"));
  snapshot_recorder snapshots{c};
  auto& sent_at = snapshots.sent_at;
  auto run = [&](int ticks) { snapshots.run(ticks); };
  // n3 misses five entries that n1 then compacts away.
  auto fall_behind = [&](int from) {
    n3_falls_behind_the_compacted_log(c, from);
    snapshots.watch();
  };
  fall_behind(0);
  run(1000);
  ASSERT_GE(sent_at.size(), 9u);
  // Each wait: the timeout (doubled), then a heartbeat round before the resend.
  const int slack = config{}.heartbeat_ticks + 2;
  for (size_t k = 1; k < sent_at.size(); ++k) {
    int expected = timeout << std::min<int>(static_cast<int>(k) - 1, max_snapshot_backoff);
    EXPECT_GE(sent_at[k] - sent_at[k - 1], expected) << "resend " << k;
    EXPECT_LE(sent_at[k] - sent_at[k - 1], expected + slack) << "resend " << k;
  }

  snapshots.lose = false; // the next one arrives and is installed
  run((timeout << max_snapshot_backoff) + slack);
  EXPECT_EQ(test::applied_data(c.get("n3")), values(0, 5));

  snapshots.lose = true;
  fall_behind(5);
  run(4 * timeout);
  ASSERT_GE(sent_at.size(), 2u);
  EXPECT_LE(sent_at[1] - sent_at[0], timeout + slack);
}

// The shell reads a snapshot out when the core asks for it, which can take
// long; the wait for the follower's answer counts from when it left.
TEST(RaftSnapshot, TheWaitForASnapshotsAnswerStartsWhenItLeaves) {
  constexpr int timeout = 5;
  test_cluster c(3, [](config& cfg) { cfg.snapshot_timeout_ticks = timeout; });
  ASSERT_TRUE(c.elect("n1"));
  n3_falls_behind_the_compacted_log(c, 0);
  int asked = 0;
  c.drop_if([&](const Message& m) { return m.type() == MSG_SNAPSHOT && ++asked > 0; });
  for (int i = 0; i < 100 && asked == 0; ++i)
    c.tick_all(1);
  ASSERT_EQ(asked, 1);
  // The read-out takes timeout - 1 ticks, then it leaves: no second snapshot
  // is asked for before a whole timeout after that.
  c.tick_all(timeout - 1);
  c.at("n1").snapshot_left("n3");
  c.tick_all(timeout - 1);
  EXPECT_EQ(asked, 1);
  c.tick_all(config{}.heartbeat_ticks + 3);
  EXPECT_EQ(asked, 2);
}

// A closed connection loses what was on it: a snapshot on its way goes with
// it, and the transport says so (node::peer_unreachable). The leader resends
// it once the follower answers a heartbeat, not after the snapshot's timeout,
// and the loss does not lengthen the timeout of the snapshots after it.
TEST(RaftSnapshot, ASnapshotLostWithItsConnectionIsResentWhenTheFollowerAnswers) {
  constexpr int timeout = 50; // longer than the test waits for the resend
  test_cluster c(3, [](config& cfg) { cfg.snapshot_timeout_ticks = timeout; });
  ASSERT_TRUE(c.elect("n1"));
  n3_falls_behind_the_compacted_log(c, 0);
  snapshot_recorder snapshots{c};
  snapshots.watch();
  auto& sent_at = snapshots.sent_at;
  auto run = [&](int ticks) { snapshots.run(ticks); };
  for (int i = 0; i < 100 && sent_at.empty(); ++i)
    run(1);
  ASSERT_EQ(sent_at.size(), 1u);

  c.at("n1").peer_unreachable("n3");
  EXPECT_EQ(c.at("n1").status().progress.at("n3").state, progress_state::probe);
  const int slack = config{}.heartbeat_ticks + 2; // a heartbeat round, then the resend
  run(slack);
  ASSERT_EQ(sent_at.size(), 2u);

  // That one is lost without a word: presumed lost after one timeout, not two.
  run(timeout + slack);
  ASSERT_EQ(sent_at.size(), 3u);
  EXPECT_LE(sent_at[2] - sent_at[1], timeout + slack);

  snapshots.lose = false;
  run(2 * timeout + slack);
  EXPECT_EQ(test::applied_data(c.get("n3")), values(0, 5));
  EXPECT_EQ(c.at("n1").status().term, 1u); // nobody was disrupted
}

// Keel's replica keeps no copy of the state machine with its snapshot point:
// the store is the snapshot, read out when a follower needs it, and sent as
// it is then, at a later committed index than the point the core named
// (replica_actor.cpp send_snapshots). The follower's answer to that index is
// the answer to the snapshot sent.
struct moved_snapshot {
  test_cluster c{3, [](config& cfg) { cfg.snapshot_timeout_ticks = 5; }};
  uint64_t point = 0; // the snapshot point the core names
  uint64_t moved_to = 0;
  std::vector<Message> sent; // the core's snapshots for n3, taken off the network

  // n3 misses 10 entries; n1 records a snapshot point after 5 of them,
  // without data, compacts up to it, and applies 5 more.
  moved_snapshot() {
    EXPECT_TRUE(c.elect("n1"));
    c.isolate("n3");
    for (auto& v : values(0, 5))
      EXPECT_TRUE(c.at("n1").propose(v).ok());
    c.stabilize();
    point = c.at("n1").status().applied;
    EXPECT_TRUE(c.get("n1").storage->create_snapshot(point, c.ids(), {}).ok());
    EXPECT_TRUE(c.get("n1").storage->compact(point).ok());
    for (auto& v : values(5, 10))
      EXPECT_TRUE(c.at("n1").propose(v).ok());
    c.stabilize();
    moved_to = c.at("n1").status().applied;
    c.heal();
    c.drop_if([this](const Message& m) {
      if (m.type() != MSG_SNAPSHOT)
        return false;
      sent.push_back(m);
      return true;
    });
  }

  // What the shell sends in place of the core's snapshot.
  Message moved(const Message& m) {
    Message out = m;
    auto* meta = out.mutable_snapshot()->mutable_metadata();
    meta->set_index(moved_to);
    meta->set_term(c.at("n1").status().term);
    out.mutable_snapshot()->set_data(test::snapshot_data(c.get("n1").applied, moved_to));
    return out;
  }
};

TEST(RaftSnapshot, ASnapshotMovedToALaterIndexIsAcknowledgedForTheOneSent) {
  moved_snapshot t;
  auto& c = t.c;
  c.tick_all(2);
  ASSERT_EQ(t.sent.size(), 1u);
  EXPECT_EQ(t.sent[0].snapshot().metadata().index(), t.point);
  EXPECT_TRUE(t.sent[0].snapshot().data().empty());
  ASSERT_GT(t.moved_to, t.point);
  c.heal();
  c.in_flight().push_back(t.moved(t.sent[0]));
  c.stabilize();
  EXPECT_EQ(c.get("n3").storage->snapshot()->metadata().index(), t.moved_to);
  EXPECT_EQ(test::applied_data(c.get("n3")), values(0, 10));
  // n1 streams to n3 from the index it acknowledged, not from the point.
  auto pr = c.at("n1").status().progress.at("n3");
  EXPECT_EQ(pr.state, progress_state::replicate);
  EXPECT_EQ(pr.match, t.moved_to);
  ASSERT_TRUE(c.at("n1").propose("after").ok());
  c.settle();
  auto expected = values(0, 10);
  expected.push_back("after");
  EXPECT_EQ(test::applied_data(c.get("n3")), expected);
}

TEST(RaftSnapshot, ARefusalOfASnapshotMovedToALaterIndexStopsItsResending) {
  moved_snapshot t;
  auto& c = t.c;
  c.tick_all(2);
  ASSERT_EQ(t.sent.size(), 1u);
  // n3's shell cannot use the data and refuses the snapshot it received.
  ASSERT_TRUE(c.at("n3").refuse_snapshot(t.moved(t.sent[0])).ok());
  c.flush("n3");
  c.stabilize();
  c.tick_all(40); // eight snapshot timeouts
  EXPECT_EQ(t.sent.size(), 1u) << "a refused snapshot was offered again";
  EXPECT_EQ(c.get("n3").storage->snapshot()->metadata().index(), 0u);
}

TEST(RaftSnapshot, StaleSnapshotIsIgnored) {
  // §7: a snapshot that covers only what the follower has committed changes nothing.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  for (auto& v : values(0, 5))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.settle();
  Message m;
  m.set_type(MSG_SNAPSHOT);
  m.set_from("n1");
  m.set_to("n2");
  m.set_term(c.at("n1").status().term);
  m.mutable_snapshot()->mutable_metadata()->set_index(3);
  m.mutable_snapshot()->mutable_metadata()->set_term(1);
  for (auto& v : c.ids())
    m.mutable_snapshot()->mutable_metadata()->add_voters(v);
  auto before = c.at("n2").status();
  ASSERT_TRUE(c.at("n2").step(m).ok());
  auto rd = c.at("n2").ready();
  c.at("n2").advance(rd);
  EXPECT_FALSE(rd.snapshot);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].index(), before.commit);
  EXPECT_EQ(c.at("n2").status().last_index, before.last_index);
}

TEST(RaftRestart, RestartFromPersistedStateKeepsTermVoteAndLog) {
  // Figure 2: term, vote and log are persistent; commit and applied are
  // rebuilt (commit from the hard state, applied from the state machine).
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  for (auto& v : values(0, 5))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.stabilize();
  auto before = c.at("n2").status();
  c.restart("n2");
  auto after = c.at("n2").status();
  EXPECT_EQ(after.term, before.term);
  EXPECT_EQ(after.vote, "n1");
  EXPECT_EQ(after.last_index, before.last_index);
  EXPECT_EQ(after.node_role, role::follower);
  EXPECT_GE(after.commit, before.commit - 1); // the last commit may not have been persisted yet
  // The committed entries are handed out again and re-applied.
  c.flush("n2");
  EXPECT_EQ(test::applied_data(c.get("n2")).size(), after.commit - 1);
  c.tick_all(2);
  EXPECT_EQ(test::applied_data(c.get("n2")), values(0, 5));
}

TEST(RaftRestart, WholeClusterRestartsAndContinues) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  for (auto& v : values(0, 5))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.stabilize();
  auto term = c.at("n1").status().term;
  for (auto id : {"n1", "n2", "n3"})
    c.restart(id);
  for (int i = 0; i < 40 && c.leader().empty(); ++i)
    c.tick_all(1);
  auto leader = c.leader();
  ASSERT_NE(leader, "");
  EXPECT_GT(c.at(leader).status().term, term);
  ASSERT_TRUE(c.at(leader).propose("v5").ok());
  c.settle();
  for (auto id : {"n1", "n2", "n3"})
    EXPECT_EQ(test::applied_data(c.get(id)), values(0, 6)) << id;
}

TEST(RaftRestart, RestartAfterSnapshotResumesFromIt) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  for (auto& v : values(0, 8))
    ASSERT_TRUE(c.at("n1").propose(v).ok());
  c.settle();
  c.snapshot_and_compact("n2", 6);
  c.restart("n2");
  auto s = c.at("n2").status();
  EXPECT_EQ(s.snapshot_index, 6u);
  EXPECT_GE(s.applied, 6u);
  c.tick_all(2);
  EXPECT_EQ(test::applied_data(c.get("n2")), values(0, 8));
}

TEST(RaftRestart, UnpersistedEntriesAreLostButNeverAcknowledged) {
  // The ready contract: a follower acknowledges entries only after
  // persisting them, so losing unpersisted entries in a crash is safe.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").propose("x").ok());
  c.flush("n1");
  // Deliver the append to n2 but crash n2 before it runs its ready loop.
  while (!c.in_flight().empty()) {
    auto m = c.in_flight().front();
    c.in_flight().pop_front();
    if (m.to() == "n2" && m.type() == MSG_APPEND) {
      ASSERT_TRUE(c.at("n2").step(m).ok());
    }
  }
  ASSERT_EQ(c.at("n2").log().last_index(), 2u);
  c.restart("n2");
  EXPECT_EQ(c.at("n2").log().last_index(), 1u);
  EXPECT_EQ(c.at("n1").status().commit, 1u); // nobody acknowledged it
  c.tick_all(2);
  for (auto id : {"n1", "n2", "n3"})
    EXPECT_EQ(test::applied_data(c.get(id)), std::vector<std::string>{"x"}) << id;
}

} // namespace
} // namespace keel::raft
