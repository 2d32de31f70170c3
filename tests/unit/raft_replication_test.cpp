// Log replication: the consistency check and Log Matching (§5.3), Leader
// Completeness (§5.4), the commit rule and its Figure 8 scenario (§5.4.2),
// the no-op of a new leader (§8), fast backtracking of divergent logs, and
// flow control: batching and pipelining of appends, and back-pressure on
// proposals (the uncommitted-bytes bound).
#include <gtest/gtest.h>

#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::make_message;
using test::storage_with_terms;
using test::test_cluster;

std::vector<uint64_t> terms_of(node& n) {
  std::vector<uint64_t> out;
  for (auto i = n.log().first_index(); i <= n.log().last_index(); ++i)
    out.push_back(*n.log().term(i));
  return out;
}

/// The term of entry i in n's log, or 0 if n has no such entry.
uint64_t term_at(node& n, uint64_t i) {
  auto t = n.log().term(i);
  return t.ok() ? *t : 0;
}

bool has_entry_of_term(const Message& m, uint64_t term) {
  for (const auto& e : m.entries())
    if (e.term() == term)
      return true;
  return false;
}

TEST(RaftReplication, NewLeaderAppendsNoOpOfItsTerm) {
  // §8 / §5.4.2: a leader commits an entry of its own term at once.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_FALSE(c.get("n2").applied.empty());
  const auto& first = c.get("n2").applied.front();
  EXPECT_EQ(first.type(), ENTRY_NOOP);
  EXPECT_EQ(first.term(), 1u);
  EXPECT_EQ(c.at("n1").status().commit, 1u);
}

TEST(RaftReplication, ANewCommitIndexTravelsWithTheNextAppendNotABroadcastOfItsOwn) {
  // §5.3: followers learn the commit index from the appends that follow. A
  // busy leader sends one append per entry, and each follower answers one.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.settle();
  auto appends
    = [&] { return c.count_delivered([](const Message& m) { return m.type() == MSG_APPEND; }); };
  auto answers = [&] {
    return c.count_delivered([](const Message& m) { return m.type() == MSG_APPEND_RESP; });
  };
  auto appends_before = appends();
  auto answers_before = answers();
  auto a = c.at("n1").propose("a");
  ASSERT_TRUE(a.ok());
  c.stabilize();
  EXPECT_EQ(c.at("n1").status().commit, *a);
  EXPECT_EQ(appends() - appends_before, 2u); // one per follower, none to announce the commit
  EXPECT_EQ(answers() - answers_before, 2u);
  for (auto id : {"n2", "n3"}) {
    EXPECT_EQ(c.at(id).status().commit, *a - 1) << id;
    EXPECT_TRUE(test::applied_data(c.get(id)).empty()) << id;
  }
  // The next entry's append carries it.
  ASSERT_TRUE(c.at("n1").propose("b").ok());
  c.stabilize();
  for (auto id : {"n2", "n3"})
    EXPECT_EQ(test::applied_data(c.get(id)), std::vector<std::string>{"a"}) << id;
}

TEST(RaftReplication, FollowersThatGetNoAppendLearnTheCommitIndexAtTheLeadersNextTick) {
  // Heartbeats carry the commit index too; here they are three ticks apart,
  // so that the tick in between has to send it on its own.
  test_cluster c(3, [](config& cfg) { cfg.heartbeat_ticks = 3; });
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").propose("a").ok());
  c.stabilize();
  ASSERT_TRUE(test::applied_data(c.get("n2")).empty());
  auto sent = [&](MessageType type) {
    return c.count_delivered([type](const Message& m) { return m.type() == type; });
  };
  auto appends = sent(MSG_APPEND);
  auto heartbeats = sent(MSG_HEARTBEAT);
  c.tick("n1");
  c.stabilize();
  EXPECT_EQ(sent(MSG_APPEND) - appends, 2u);
  EXPECT_EQ(sent(MSG_HEARTBEAT), heartbeats);
  for (auto id : {"n2", "n3"})
    EXPECT_EQ(test::applied_data(c.get(id)), std::vector<std::string>{"a"}) << id;
  // Told once: the next tick sends nothing.
  appends = sent(MSG_APPEND);
  c.tick("n1");
  c.stabilize();
  EXPECT_EQ(sent(MSG_APPEND), appends);
  EXPECT_EQ(sent(MSG_HEARTBEAT), heartbeats);
}

TEST(RaftReplication, ProposalIsCommittedAndAppliedEverywhereInOrder) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto a = c.at("n1").propose("a");
  auto b = c.at("n1").propose("b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, 2u);
  EXPECT_EQ(*b, 3u);
  c.settle();
  for (auto id : {"n1", "n2", "n3"})
    EXPECT_EQ(test::applied_data(c.get(id)), (std::vector<std::string>{"a", "b"})) << id;
}

TEST(RaftReplication, FollowerRejectsProposalWithLeaderHint) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto r = c.at("n2").propose("x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::not_leader);
  EXPECT_EQ(r.err().leader_hint, "n1");
}

TEST(RaftReplication, LogMatchingFollowerLogBecomesIdenticalToLeaders) {
  // §5.3 Log Matching: once a follower accepts an append its log equals the
  // leader's up to the last new entry, whatever it held before (Figure 7).
  std::map<std::string, std::unique_ptr<memory_storage>> storages;
  storages["n1"] = storage_with_terms({1, 1, 1, 4, 4, 5, 5, 6, 6, 6}, 6);
  storages["n2"] = storage_with_terms({1, 1, 1, 4, 4, 5, 5, 6, 6}, 6); // missing one (Figure 7a)
  storages["n3"] = storage_with_terms({1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 7); // extra (7d)
  storages["n4"] = storage_with_terms({1, 1, 1, 4, 4, 4, 4}, 4);                // divergent (7e)
  storages["n5"] = storage_with_terms({1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 3);    // divergent (7f)
  test_cluster c({"n1", "n2", "n3", "n4", "n5"}, std::move(storages),
                 [](config& cfg) { cfg.pre_vote = false; });
  // n1 wins with n2, n4, n5 (its log is more up-to-date than theirs).
  c.at("n1").campaign();
  c.at("n1").campaign(); // term 8 beats n3's term 7
  c.stabilize();
  ASSERT_EQ(c.at("n1").status().node_role, role::leader);
  auto leader_terms = terms_of(c.at("n1"));
  for (auto id : {"n2", "n3", "n4", "n5"})
    EXPECT_EQ(terms_of(c.at(id)), leader_terms) << id;
  for (uint64_t i = 1; i <= c.at("n1").log().last_index(); ++i)
    EXPECT_EQ(*c.get("n5").storage->term(i), *c.at("n1").log().term(i));
}

TEST(RaftReplication, LeaderCompletenessNodeMissingCommittedEntriesCannotWin) {
  // §5.4.1 / §5.4.3: a committed entry is on a majority, and every majority
  // of voters contains one of its holders, which refuses a candidate lacking it.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  ASSERT_TRUE(c.at("n1").propose("committed").ok());
  c.settle();
  ASSERT_EQ(c.at("n2").status().commit, 2u);
  c.heal();
  c.isolate("n1"); // the leader fails
  for (int i = 0; i < 5; ++i) {
    c.at("n3").campaign();
    c.stabilize();
    EXPECT_NE(c.at("n3").status().node_role, role::leader);
  }
  ASSERT_TRUE(c.elect("n2"));
  EXPECT_EQ(test::applied_data(c.get("n3")), (std::vector<std::string>{"committed"}));
}

// Figure 8 (§5.4.2) with five servers s1..s5, pre-vote and check-quorum off
// to match the paper's basic algorithm. The entry at index 2 plays the
// figure's "term 2" entry; our leaders' no-ops play the later-term entries.
class RaftFigure8 : public ::testing::Test {
protected:
  RaftFigure8()
    : c(5, [](config& cfg) {
        cfg.pre_vote = false;
        cfg.check_quorum = false;
        cfg.max_entries_per_append = 1; // so entries travel one by one
      }) {}

  /// Steps (a) to (c): s1 leads in a later term and has replicated the old
  /// entry at index 2 to a majority (s1, s2, s3), while its own no-op has
  /// only reached s2.
  void run_a_to_c() {
    ASSERT_TRUE(c.elect("n1")); // term 1, no-op at index 1 everywhere
    old_term = c.at("n1").status().term;
    // (a) s1 replicates index 2 to s2 only.
    c.cut("n1", "n3");
    c.cut("n1", "n4");
    c.cut("n1", "n5");
    ASSERT_TRUE(c.at("n1").propose("old").ok());
    c.stabilize();
    ASSERT_EQ(term_at(c.at("n2"), 2), old_term);
    // (b) s1 crashes; s5 is elected with s3 and s4 and writes index 2 in its
    // own term (its no-op), which reaches no one.
    c.heal();
    c.isolate("n1");
    c.drop_if([](const Message& m) { return m.from() == "n5" && m.type() == MSG_APPEND; });
    c.cut("n5", "n2");
    ASSERT_TRUE(c.elect("n5"));
    s5_term = c.at("n5").status().term;
    ASSERT_EQ(term_at(c.at("n5"), 2), s5_term);
    // (c) s5 crashes; s1 restarts and is elected with s2 and s3; it
    // replicates the old entry to s3, but its no-op reaches only s2.
    c.heal();
    c.restart("n1");
    c.isolate("n5");
    c.cut("n1", "n4");
    // s3 first rejects the probe carrying the no-op (it lacks index 2),
    // then receives index 2 alone; the no-op that follows is lost.
    c.drop_if([this](const Message& m) {
      return m.to() == "n3" && m.type() == MSG_APPEND
             && has_entry_of_term(m, c.at("n1").status().term) && term_at(c.at("n3"), 2) != 0;
    });
    c.at("n1").campaign(); // rejected in s5's term by s3, s4 ...
    c.stabilize();
    if (c.at("n1").status().node_role != role::leader)
      c.at("n1").campaign(); // ... so again, one term higher
    c.stabilize();
    ASSERT_EQ(c.at("n1").status().node_role, role::leader);
    s1_term = c.at("n1").status().term;
    ASSERT_GT(s1_term, s5_term);
    ASSERT_EQ(term_at(c.at("n3"), 2), old_term);
    ASSERT_EQ(term_at(c.at("n2"), 3), s1_term);
    ASSERT_EQ(c.at("n3").log().last_index(), 2u);
  }

  test_cluster c;
  uint64_t old_term = 0;
  uint64_t s5_term = 0;
  uint64_t s1_term = 0;
};

TEST_F(RaftFigure8, OldTermEntryOnMajorityIsNotCommittedAndMayBeOverwritten) {
  run_a_to_c();
  if (HasFatalFailure())
    return;
  // The old entry is stored on a majority, yet s1 must not count replicas
  // of an entry from an earlier term (§5.4.2).
  auto progress = c.at("n1").status().progress;
  EXPECT_GE(progress.at("n3").match, 2u);
  EXPECT_GE(progress.at("n2").match, 2u);
  EXPECT_EQ(c.at("n1").status().commit, 1u);
  // (d) s1 crashes; s5 is elected with s3 and s4 (its last term beats
  // theirs) and overwrites index 2 everywhere. Had index 2 been committed,
  // a committed entry would now be lost.
  c.heal();
  c.isolate("n1");
  c.restart("n5");
  c.at("n5").campaign();
  c.stabilize();
  if (c.at("n5").status().node_role != role::leader)
    c.at("n5").campaign();
  c.stabilize();
  ASSERT_EQ(c.at("n5").status().node_role, role::leader);
  for (auto id : {"n2", "n3", "n4"})
    EXPECT_EQ(term_at(c.at(id), 2), s5_term) << id;
  for (auto id : {"n1", "n2", "n3", "n4", "n5"})
    EXPECT_TRUE(test::applied_data(c.get(id)).empty()) << id << " applied the overwritten entry";
}

TEST_F(RaftFigure8, CurrentTermEntryOnMajorityCommitsOlderOnesAndBlocksStaleLeader) {
  run_a_to_c();
  if (HasFatalFailure())
    return;
  // (e) s1's no-op of its own term reaches s3 too: it is committed, and with
  // it the old entry before it (Log Matching).
  c.heal();
  c.isolate("n5");
  c.cut("n1", "n4");
  c.at("n1").tick(); // a heartbeat round lets s1 resend to s3
  c.stabilize();
  EXPECT_GE(c.at("n1").status().commit, 3u);
  EXPECT_EQ(test::applied_data(c.get("n1")), (std::vector<std::string>{"old"}));
  // Now s5 can never be elected: s2 and s3 hold a later last term.
  c.heal();
  c.isolate("n1");
  c.restart("n5");
  for (int i = 0; i < 4; ++i) {
    c.at("n5").campaign();
    c.stabilize();
    EXPECT_NE(c.at("n5").status().node_role, role::leader);
  }
  ASSERT_TRUE(c.elect("n2"));
  EXPECT_EQ(term_at(c.at("n5"), 2), old_term); // s5's entry was the one overwritten
}

TEST(RaftBacktracking, DivergentLogsOfFiftyEntriesRepairAfterOneRejection) {
  // A follower with 60 entries of a term the leader never had. Backing up
  // one entry per round trip (Figure 2) would take 50+ round trips; hinting
  // the conflicting term (§5.3, end) skips the whole term at once.
  std::vector<uint64_t> leader_terms(10, 1);
  leader_terms.insert(leader_terms.end(), 50, 3);
  std::vector<uint64_t> follower_terms(10, 1);
  follower_terms.insert(follower_terms.end(), 60, 2);
  std::map<std::string, std::unique_ptr<memory_storage>> storages;
  storages["n1"] = storage_with_terms(leader_terms, 3);
  storages["n2"] = storage_with_terms(follower_terms, 3);
  storages["n3"] = storage_with_terms(leader_terms, 3);
  test_cluster c({"n1", "n2", "n3"}, std::move(storages));
  c.isolate("n2");
  ASSERT_TRUE(c.elect("n1"));
  c.heal();
  c.tick_all(1);
  auto rejections = c.count_delivered(
    [](const Message& m) { return m.from() == "n2" && m.type() == MSG_APPEND_RESP && m.reject(); });
  // One round trip finds the agreement point, the next append carries all
  // 51 missing entries (50 of term 3 and the new leader's no-op).
  EXPECT_EQ(rejections, 1u);
  EXPECT_EQ(c.count_delivered([](const Message& m) {
    return m.to() == "n2" && m.type() == MSG_APPEND && m.entries_size() == 51;
  }),
            1u);
  EXPECT_EQ(terms_of(c.at("n2")), terms_of(c.at("n1")));
  EXPECT_EQ(c.at("n2").status().commit, c.at("n1").status().commit);
}

TEST(RaftBacktracking, FollowerWithShortLogIsProbedFromItsEnd) {
  // The follower's reject hint is its last index, so the leader does not
  // walk back over entries the follower never had.
  std::map<std::string, std::unique_ptr<memory_storage>> storages;
  storages["n1"] = storage_with_terms(std::vector<uint64_t>(80, 1), 1);
  storages["n2"] = storage_with_terms(std::vector<uint64_t>(5, 1), 1);
  storages["n3"] = storage_with_terms(std::vector<uint64_t>(80, 1), 1);
  test_cluster c({"n1", "n2", "n3"}, std::move(storages));
  c.isolate("n2");
  ASSERT_TRUE(c.elect("n1"));
  c.heal();
  c.tick_all(1);
  EXPECT_EQ(c.count_delivered([](const Message& m) {
    return m.from() == "n2" && m.type() == MSG_APPEND_RESP && m.reject();
  }),
            1u);
  EXPECT_EQ(c.at("n2").log().last_index(), c.at("n1").log().last_index());
}

TEST(RaftFlowControl, BatchingOneAppendCarriesManyEntries) {
  // Entries proposed while a follower is probed go out together in one
  // append once the probe succeeds.
  test_cluster c(3);
  c.isolate("n3");
  ASSERT_TRUE(c.elect("n1"));
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(c.at("n1").propose(test::numbered("p", i)).ok());
  c.stabilize();
  c.heal();
  c.tick_all(1);
  size_t largest = 0;
  for (const auto& m : c.delivered())
    if (m.to() == "n3" && m.type() == MSG_APPEND)
      largest = std::max<size_t>(largest, m.entries_size());
  EXPECT_GE(largest, 40u);
  EXPECT_EQ(test::applied_data(c.get("n3")).size(), 40u);
}

TEST(RaftFlowControl, BatchesRespectEntryAndByteLimits) {
  test_cluster c(3, [](config& cfg) {
    cfg.max_entries_per_append = 8;
    cfg.max_bytes_per_append = 1000;
  });
  c.isolate("n3");
  ASSERT_TRUE(c.elect("n1"));
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(c.at("n1").propose(std::string(i < 20 ? 10 : 300, 'x')).ok());
  c.stabilize();
  c.heal();
  c.tick_all(1);
  for (const auto& m : c.delivered()) {
    if (m.to() != "n3" || m.type() != MSG_APPEND)
      continue;
    EXPECT_LE(m.entries_size(), 8);
    size_t bytes = 0;
    for (const auto& e : m.entries())
      bytes += e.ByteSizeLong();
    EXPECT_TRUE(bytes <= 1000 || m.entries_size() == 1) << bytes;
  }
  EXPECT_EQ(test::applied_data(c.get("n3")).size(), 40u);
}

TEST(RaftFlowControl, PipeliningSeveralAppendsInFlight) {
  // In the replicate state the leader does not wait for an acknowledgement
  // before sending the next append, up to max_inflight_appends of them.
  test_cluster c(3, [](config& cfg) { cfg.max_inflight_appends = 3; });
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_EQ(c.at("n1").status().progress.at("n2").state, progress_state::replicate);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.at("n1").propose(test::numbered("p", i)).ok());
    c.flush("n1"); // sent, not yet delivered
  }
  size_t in_flight_to_n2 = 0;
  for (const auto& m : c.in_flight())
    if (m.to() == "n2" && m.type() == MSG_APPEND)
      ++in_flight_to_n2;
  EXPECT_EQ(in_flight_to_n2, 3u); // the window is full: p3 and p4 wait
  auto progress = c.at("n1").status().progress.at("n2");
  EXPECT_EQ(progress.next, c.at("n1").status().last_index - 1); // optimistic next
  c.settle();
  EXPECT_EQ(test::applied_data(c.get("n2")).size(), 5u);
}

TEST(RaftFlowControl, LostPipelinedAppendIsRecoveredByProbing) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  int dropped = 0;
  c.drop_if([&](const Message& m) {
    return m.to() == "n2" && m.type() == MSG_APPEND && m.entries_size() > 0 && dropped++ == 0;
  });
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(c.at("n1").propose(test::numbered("p", i)).ok());
  c.stabilize();
  c.tick_all(2);
  EXPECT_EQ(test::applied_data(c.get("n2")).size(), 4u);
}

TEST(RaftFlowControl, AClosedConnectionTurnsAFollowersPipelineIntoAProbe) {
  // The appends in flight went with the connection (node::peer_unreachable):
  // the leader probes from the follower's match instead of waiting for a
  // window that will never be acknowledged. Nobody campaigns.
  test_cluster c(3, [](config& cfg) { cfg.max_inflight_appends = 3; });
  ASSERT_TRUE(c.elect("n1"));
  auto match = c.at("n1").status().progress.at("n2").match;
  c.isolate("n2");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.at("n1").propose(test::numbered("p", i)).ok());
    c.flush("n1");
  }
  c.stabilize();
  ASSERT_EQ(c.at("n1").status().progress.at("n2").state, progress_state::replicate);
  c.at("n1").peer_unreachable("n2");
  auto pr = c.at("n1").status().progress.at("n2");
  EXPECT_EQ(pr.state, progress_state::probe);
  EXPECT_EQ(pr.next, match + 1);
  c.heal();
  c.tick_all(config{}.heartbeat_ticks + 1);
  c.settle();
  EXPECT_EQ(test::applied_data(c.get("n2")).size(), 3u);
  EXPECT_EQ(c.at("n1").status().progress.at("n2").state, progress_state::replicate);
  EXPECT_EQ(c.at("n1").status().term, 1u);
  EXPECT_EQ(c.at("n2").status().leader_id, "n1");
}

TEST(RaftReplication, HeartbeatNeverCommitsBeyondFollowersMatch) {
  // A follower's log past its match index may still differ from the
  // leader's, so a heartbeat carries min(match, commit).
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3");
  ASSERT_TRUE(c.at("n1").propose("x").ok());
  c.stabilize();
  c.heal();
  c.drop_if([](const Message& m) { return m.type() == MSG_APPEND || m.type() == MSG_APPEND_RESP; });
  c.at("n1").tick();
  c.stabilize();
  for (const auto& m : c.delivered()) {
    if (m.type() == MSG_HEARTBEAT && m.to() == "n3") {
      EXPECT_LE(m.commit(), 1u);
    }
  }
  EXPECT_EQ(c.at("n3").status().commit, 1u);
}

TEST(RaftReplication, StaleAppendBelowCommitIsAnsweredWithCommitIndex) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").propose("x").ok());
  c.settle();
  auto term = c.at("n2").status().term;
  // From a later term, so that its entry can conflict with n2's entry 1.
  auto stale = make_message(MSG_APPEND, "n1", "n2", term + 1);
  stale.set_index(0);
  stale.set_log_term(0);
  *stale.add_entries() = test::make_entry(1, term + 1); // would conflict, but is old news
  ASSERT_TRUE(c.at("n2").step(stale).ok());
  auto rd = c.at("n2").ready();
  c.at("n2").advance(rd);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_FALSE(rd.messages[0].reject());
  EXPECT_EQ(rd.messages[0].index(), 2u);
  EXPECT_EQ(term_at(c.at("n2"), 1), term);
}

TEST(RaftBackPressure, LeaderRefusesProposalsBeyondTheUncommittedBoundUntilTheyCommit) {
  test_cluster c(3, [](config& cfg) { cfg.max_uncommitted_bytes = 3000; });
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n1"); // nothing it proposes can commit now
  const std::string kib(1000, 'x');
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c.at("n1").propose(kib).ok()) << i;
  c.stabilize();
  auto refused = c.at("n1").propose(kib);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), errc::uncommitted_limit);
  auto last = c.at("n1").status().last_index;
  // The followers catch up: the three commit, and the bound frees.
  c.heal();
  c.tick("n1", 2); // a heartbeat finds them behind
  c.stabilize();
  ASSERT_GE(c.at("n1").status().commit, last);
  EXPECT_TRUE(c.at("n1").propose(kib).ok());
  c.settle();
  EXPECT_EQ(test::applied_data(c.get("n3")), (std::vector<std::string>{kib, kib, kib, kib}));
}

TEST(RaftBackPressure, AProposalLargerThanTheBoundIsTakenWhenNothingWaits) {
  // Else a value larger than the bound could never be written.
  test_cluster c(3, [](config& cfg) { cfg.max_uncommitted_bytes = 100; });
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n1");
  EXPECT_TRUE(c.at("n1").propose(std::string(1000, 'y')).ok());
  c.stabilize();
  EXPECT_EQ(c.at("n1").propose("z").code(), errc::uncommitted_limit);
  // A new leader starts from nothing: n2 wins, and takes a proposal at once.
  c.heal();
  c.isolate("n1");
  auto next = c.tick_until_leader({"n2", "n3"});
  ASSERT_FALSE(next.empty());
  EXPECT_TRUE(c.at(next).propose(std::string(1000, 'w')).ok());
}

} // namespace
} // namespace keel::raft
