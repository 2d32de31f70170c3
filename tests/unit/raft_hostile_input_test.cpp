// raft::node against messages no correct peer sends: each is refused with
// errc::invalid_message and changes nothing; none reaches an invariant (which
// would abort this test binary). Also: a node at max_term stays put, and a
// refused snapshot is not resent.
#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "actors/replication/core/logger.hpp"
#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::make_message;
using test::test_cluster;

using test::u64_max;

void expect_refused(const result<void>& r, std::string_view rule) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::invalid_message);
  EXPECT_EQ(r.err().detail, rule);
}

/// A cluster where n1 leads and has replicated one entry.
void elect_n1(test_cluster& c) {
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").propose("x").ok());
  c.stabilize();
}

TEST(RaftHostileInput, HeartbeatWithTermNearWrapIsRefusedAndNobodyAborts) {
  // The issue: term 2^64-1 was adopted, and the next campaign's term + 1
  // wrapped to 0 and aborted the node, on every restart.
  for (uint64_t term : {u64_max, max_term + 1}) {
    test_cluster c(3);
    elect_n1(c);
    const auto before = c.at("n2").status();
    expect_refused(c.at("n2").step(make_message(MSG_HEARTBEAT, "n1", "n2", term)), "term_overflow");
    EXPECT_EQ(c.at("n2").status().term, before.term);
    EXPECT_EQ(c.at("n2").status().leader_id, "n1");
    EXPECT_FALSE(c.at("n2").has_ready() && c.at("n2").ready().hard_state.has_value());
    // Elections keep working: the old leader is cut off, another takes over.
    c.isolate("n1");
    EXPECT_FALSE(c.tick_until_leader({"n2", "n3"}, 200).empty());
  }
}

TEST(RaftHostileInput, MessageWithoutTermIsRefused) {
  memory_storage storage;
  auto cfg = test::lone_node(storage);
  node n(cfg);
  auto m = make_message(MSG_APPEND, "b", "a", 0);
  *m.add_entries() = test::make_entry(1, 0, "forged");
  expect_refused(n.step(m), "missing_term");
  EXPECT_EQ(n.status().last_index, 0u);
}

TEST(RaftHostileInput, NodeAtMaxTermNeverCampaigns) {
  auto storage = test::storage_with_terms({1, 1}, max_term);
  auto cfg = test::lone_node(*storage);
  for (bool pre_vote : {true, false}) {
    cfg.pre_vote = pre_vote;
    node n(cfg);
    n.campaign();
    for (int i = 0; i < 100; ++i)
      n.tick();
    EXPECT_EQ(n.status().term, max_term);
    EXPECT_EQ(n.status().node_role, role::follower);
    auto rd = n.ready();
    EXPECT_TRUE(rd.messages.empty());
    n.advance(rd);
  }
}

TEST(RaftHostileInput, NodeBelowMaxTermCampaignsUpToIt) {
  // The guard is exact: one below max_term still campaigns, into max_term.
  auto storage = test::storage_with_terms({1}, max_term - 1);
  auto cfg = test::lone_node(*storage, {"a"});
  node n(cfg);
  n.campaign();
  EXPECT_EQ(n.status().node_role, role::leader);
  EXPECT_EQ(n.status().term, max_term);
}

TEST(RaftHostileInput, HeartbeatCommitBeyondTheLogIsClamped) {
  test_cluster c(3);
  elect_n1(c);
  auto term = c.at("n1").status().term;
  auto hb = make_message(MSG_HEARTBEAT, "n1", "n2", term);
  hb.set_commit(1'000'000'000);
  ASSERT_TRUE(c.at("n2").step(hb).ok());
  EXPECT_EQ(c.at("n2").status().commit, c.at("n2").status().last_index);
}

TEST(RaftHostileInput, SecondLeaderInOneTermIsRefused) {
  test_cluster c(3);
  elect_n1(c);
  auto term = c.at("n2").status().term;
  auto forged = make_message(MSG_APPEND, "n3", "n2", term);
  forged.set_index(c.at("n2").status().last_index);
  forged.set_log_term(term);
  *forged.add_entries() = test::make_entry(forged.index() + 1, term, "forged");
  const auto last_before = c.at("n2").status().last_index;
  expect_refused(c.at("n2").step(forged), "second_leader");
  expect_refused(c.at("n2").step(make_message(MSG_TIMEOUT_NOW, "n3", "n2", term)), "second_leader");
  EXPECT_EQ(c.at("n2").status().leader_id, "n1");
  EXPECT_EQ(c.at("n2").status().last_index, last_before);
  EXPECT_EQ(c.at("n2").status().node_role, role::follower);
  // A leader does not take appends from another claimed leader of its term either.
  expect_refused(c.at("n1").step(make_message(MSG_HEARTBEAT, "n3", "n1", term)), "second_leader");
}

TEST(RaftHostileInput, AcknowledgementBeyondTheLeadersLogIsRefused) {
  test_cluster c(3);
  elect_n1(c);
  auto term = c.at("n1").status().term;
  auto ack = make_message(MSG_APPEND_RESP, "n2", "n1", term);
  ack.set_index(1'000'000);
  const auto before = c.at("n1").status().progress.at("n2");
  expect_refused(c.at("n1").step(ack), "ack_beyond_log");
  const auto after = c.at("n1").status().progress.at("n2");
  EXPECT_EQ(after.match, before.match);
  EXPECT_EQ(after.next, before.next);
}

// Counts the Raft core's warnings by what they say.
struct warnings_counter final : logger {
  std::vector<std::string> lines;
  void write(log_level level, std::string_view line) override {
    if (level == log_level::warn)
      lines.emplace_back(line);
  }
  size_t containing(std::string_view what) const {
    return static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
      return l.find(what) != std::string::npos;
    }));
  }
};

// A follower that lost entries it had acknowledged (its data directory was
// replaced) answers every probe from match + 1 with "my log ends below". The
// leader answered each such rejection with the same probe at once: a loop
// between the two without end (found by the whole-node simulation with the
// incarnation check taken out). Now the next probe waits for the next entry
// or heartbeat round. The same holds when the follower's hint is its match
// itself, its entry there of another term than the one it acknowledged (the
// simulation's power cuts with a store whose syncs lie: NodeSim.CatchesSyncsThatLie).
TEST(RaftHostileInput, AFollowerRejectingAtOrBelowItsMatchIsNotProbedAgainAtOnce) {
  for (bool hint_at_match : {false, true}) {
    SCOPED_TRACE(hint_at_match ? "hint at the match" : "hint 0");
    warnings_counter warnings;
    test_cluster c(3, [&](config& cfg) { cfg.log = &warnings; });
    elect_n1(c);
    ASSERT_TRUE(c.at("n1").propose("y").ok());
    c.stabilize();
    ASSERT_FALSE(c.at("n1").has_ready());
    auto term = c.at("n1").status().term;
    const auto match = c.at("n1").status().progress.at("n2").match;
    ASSERT_GE(match, 2u);
    auto sends_to_n2 = [&] {
      size_t n = 0;
      if (c.at("n1").has_ready()) {
        auto rd = c.at("n1").ready();
        for (auto* list : {&rd.leader_messages, &rd.messages})
          for (auto& m : *list)
            n += m.to() == "n2" && m.type() == MSG_APPEND ? 1 : 0;
        c.at("n1").advance(rd);
      }
      return n;
    };
    // n2's connection dropped (it restarted): the leader probes it from match + 1...
    c.at("n1").report_unreachable("n2");
    sends_to_n2();
    EXPECT_EQ(c.at("n1").status().progress.at("n2").next, match + 1);
    // ...and each rejection of that probe, the same every time, is not
    // answered with the same probe at once.
    auto lost = make_message(MSG_APPEND_RESP, "n2", "n1", term);
    lost.set_reject(true);
    lost.set_reject_hint(hint_at_match ? match : 0);
    lost.set_reject_term(hint_at_match ? term - 1 : 0);
    lost.set_index(match);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(c.at("n1").step(lost).ok());
      EXPECT_EQ(sends_to_n2(), 0u) << "probe " << i << " resent at once";
    }
    // Said once, not at every heartbeat round.
    EXPECT_EQ(warnings.containing("it lost entries"), 1u);
    EXPECT_EQ(c.at("n1").status().progress.at("n2").match, match);
    // The next probe goes out with the next entry, as to any follower.
    ASSERT_TRUE(c.at("n1").propose("z").ok());
    EXPECT_EQ(sends_to_n2(), 1u);
  }
}

TEST(RaftHostileInput, AppendWithAGapIsRefusedBeforeTheLog) {
  // Unchecked, the gap reached unstable_log's "gap in the unstable log"
  // invariant, and an entry at index <= the message's index underflowed the
  // conflict offset in raft_log::maybe_append.
  test_cluster c(3);
  elect_n1(c);
  auto st = c.at("n2").status();
  auto m = make_message(MSG_APPEND, "n1", "n2", st.term);
  m.set_index(st.last_index);
  m.set_log_term(st.term);
  *m.add_entries() = test::make_entry(st.last_index + 5, st.term, "far");
  expect_refused(c.at("n2").step(m), "entry_index_gap");
  m.mutable_entries(0)->set_index(st.last_index);
  expect_refused(c.at("n2").step(m), "entry_index_gap");
  EXPECT_EQ(c.at("n2").status().last_index, st.last_index);
}

TEST(RaftHostileInput, RefusedSnapshotIsNotResentUntilANewerOne) {
  test_cluster c(3, [](config& cfg) { cfg.snapshot_timeout_ticks = 5; });
  elect_n1(c);
  c.isolate("n3");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c.at("n1").propose(test::numbered("v", i)).ok());
  c.stabilize();
  c.snapshot_and_compact("n1", c.at("n1").status().applied);
  const auto first_snapshot = c.at("n1").status().snapshot_index;
  c.heal();
  // n3's shell finds the snapshot unusable: it refuses instead of stepping it.
  std::vector<uint64_t> refused;
  c.drop_if([&](const Message& m) {
    if (m.type() != MSG_SNAPSHOT || m.to() != "n3")
      return false;
    refused.push_back(m.snapshot().metadata().index());
    EXPECT_TRUE(c.at("n3").refuse_snapshot(m).ok());
    return true;
  });
  c.tick_all(40); // eight snapshot timeouts
  EXPECT_EQ(refused, std::vector<uint64_t>{first_snapshot});
  EXPECT_EQ(c.count_delivered([](const Message& m) {
    return m.type() == MSG_APPEND_RESP && m.reject() && m.context() == snapshot_refused_context;
  }),
            1u);
  EXPECT_EQ(c.get("n3").storage->snapshot()->metadata().index(), 0u); // nothing persisted
  // A newer snapshot is offered, and installed once n3 accepts it.
  c.heal();
  ASSERT_TRUE(c.at("n1").propose("w").ok());
  c.stabilize();
  c.snapshot_and_compact("n1", c.at("n1").status().applied);
  c.tick_all(20);
  EXPECT_GT(c.get("n3").storage->snapshot()->metadata().index(), first_snapshot);
  EXPECT_EQ(c.at("n3").status().commit, c.at("n1").status().commit);
}

TEST(RaftHostileInput, RefuseSnapshotOnlyTakesSnapshots) {
  test_cluster c(3);
  elect_n1(c);
  auto term = c.at("n1").status().term;
  expect_refused(c.at("n2").refuse_snapshot(make_message(MSG_HEARTBEAT, "n1", "n2", term)),
                 "not_a_snapshot");
}

} // namespace
} // namespace keel::raft
