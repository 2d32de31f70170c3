// Leader election: §5.2 (randomized timeouts, RequestVote, one vote per
// term), §5.4.1 (the up-to-date rule), thesis §9.6 (pre-vote), thesis §6.2
// (check quorum) and thesis §4.2.3 (the leader lease on votes).
#include <set>

#include <gtest/gtest.h>

#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::make_message;
using test::test_cluster;

/// A lone replica of the group {a, b, c}, for stepping messages by hand.
struct lone_replica {
  explicit lone_replica(std::unique_ptr<memory_storage> s = std::make_unique<memory_storage>(),
                        bool check_quorum = false)
    : storage(std::move(s)) {
    auto cfg = test::lone_node(*storage);
    cfg.check_quorum = check_quorum;
    raft = std::make_unique<node>(cfg);
  }

  /// Steps m and returns the ready that follows, persisting nothing.
  raft::ready step(const Message& m) {
    auto stepped = raft->step(m);
    EXPECT_TRUE(stepped.ok()) << stepped.err().detail;
    auto rd = raft->ready();
    raft->advance(rd);
    return rd;
  }

  std::unique_ptr<memory_storage> storage;
  std::unique_ptr<node> raft;
};

Message vote_request(const std::string& from, uint64_t term, uint64_t last_index,
                     uint64_t last_term) {
  auto m = make_message(MSG_VOTE, from, "a", term);
  m.set_index(last_index);
  m.set_log_term(last_term);
  return m;
}

bool granted(const raft::ready& rd) {
  return rd.messages.size() == 1 && rd.messages[0].type() == MSG_VOTE_RESP
         && !rd.messages[0].reject();
}

TEST(RaftElection, CandidateWinsWithMajorityOfVotes) {
  // §5.2: a candidate that gets votes from a majority becomes leader.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto s = c.at("n1").status();
  EXPECT_EQ(s.term, 1u);
  EXPECT_EQ(c.at("n2").status().leader_id, "n1");
  EXPECT_EQ(c.at("n3").status().leader_id, "n1");
  EXPECT_EQ(c.at("n2").status().vote, "n1");
}

TEST(RaftElection, FollowerCampaignsAfterElectionTimeout) {
  // §5.2: a follower that hears nothing for an election timeout campaigns.
  test_cluster c(3, [](config& cfg) { cfg.pre_vote = false; });
  EXPECT_EQ(c.at("n1").campaigns(), 0u);
  c.tick("n1", 2 * 10); // surely past the randomized timeout
  EXPECT_EQ(c.at("n1").status().node_role, role::candidate);
  EXPECT_EQ(c.at("n1").status().term, 1u);
  EXPECT_EQ(c.at("n1").campaigns(), 1u); // what keel_raft_elections_total counts
  c.stabilize();
  EXPECT_EQ(c.leader(), "n1");
  EXPECT_EQ(c.at("n1").campaigns(), 1u);
  EXPECT_EQ(c.at("n2").campaigns(), 0u);
}

TEST(RaftElection, ElectionTimeoutIsRandomizedWithinOneToTwoTimeouts) {
  // §5.2: timeouts drawn from [T, 2T) make split votes rare.
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    memory_storage storage;
    auto cfg = test::lone_node(storage);
    cfg.pre_vote = false;
    cfg.seed = seed;
    node n(cfg);
    int ticks = 0;
    while (n.status().node_role == role::follower) {
      n.tick();
      ++ticks;
      ASSERT_LT(ticks, 100);
    }
    EXPECT_GE(ticks, 10);
    EXPECT_LT(ticks, 20);
    seen.insert(ticks);
  }
  EXPECT_GT(seen.size(), 5u);
}

TEST(RaftElection, ReElectionAfterLeaderLoss) {
  // §5.2: when the leader fails, the others time out and elect a new one,
  // which still holds every committed entry (§5.4).
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  ASSERT_TRUE(c.at("n1").propose("x").ok());
  c.stabilize();
  c.isolate("n1");
  auto new_leader = c.tick_until_leader({"n2", "n3"});
  ASSERT_NE(new_leader, "");
  EXPECT_GT(c.at(new_leader).status().term, 1u);
  ASSERT_TRUE(c.at(new_leader).propose("y").ok());
  c.settle();
  EXPECT_EQ(test::applied_data(c.get("n2")), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(test::applied_data(c.get("n3")), (std::vector<std::string>{"x", "y"}));
}

TEST(RaftElection, UnreachableLeaderIsReplacedInTicksNotAnElectionTimeout) {
  // The transport saw the leader's connection close (a killed process):
  // the followers drop its lease and the first of them campaigns at once.
  for (bool hinted : {false, true}) {
    test_cluster c(3);
    ASSERT_TRUE(c.elect("n1"));
    ASSERT_TRUE(c.at("n1").propose("x").ok());
    c.stabilize();
    c.isolate("n1");
    if (hinted) {
      c.at("n2").peer_unreachable("n1");
      c.at("n3").peer_unreachable("n1");
    }
    c.tick_all(1);
    if (!hinted) {
      EXPECT_EQ(c.at("n2").status().node_role, role::follower); // waits out a whole timeout
      continue;
    }
    // n2 ranks first among {n2, n3}: one tick, one pre-vote, one vote.
    EXPECT_EQ(c.at("n2").status().node_role, role::leader);
    EXPECT_EQ(c.at("n3").status().leader_id, "n2");
    ASSERT_TRUE(c.at("n2").propose("y").ok());
    c.settle();
    EXPECT_EQ(test::applied_data(c.get("n3")), (std::vector<std::string>{"x", "y"}));
  }
}

TEST(RaftElection, AWrongUnreachableHintDisruptsNobody) {
  // One broken link, the leader alive: the hinted follower's pre-vote fails
  // against the follower that still hears the leader (its lease), and the
  // leader's next heartbeat brings it back. No term moves.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.at("n2").peer_unreachable("n1");
  c.tick_all(3);
  EXPECT_EQ(c.at("n1").status().node_role, role::leader);
  EXPECT_EQ(c.at("n1").status().term, 1u);
  EXPECT_EQ(c.at("n2").status().term, 1u);
  EXPECT_EQ(c.at("n2").status().leader_id, "n1");
}

TEST(RaftElection, UnreachableLeaderHintsStaggerTheFollowersByRank) {
  // Voters {a, b, c}, leader b: a ranks first, c second (one stagger later),
  // so that their pre-votes do not split the group.
  for (const char* id : {"a", "c"}) {
    memory_storage storage;
    auto cfg = test::lone_node(storage);
    cfg.id = id;
    node n(cfg);
    ASSERT_TRUE(n.step(make_message(MSG_HEARTBEAT, "b", id, 1)).ok());
    n.advance(n.ready());
    n.peer_unreachable("c" == std::string{id} ? "a" : "c"); // not its leader: ignored
    n.peer_unreachable(id);                                 // itself: ignored
    EXPECT_EQ(n.status().leader_id, "b");
    n.peer_unreachable("b");
    EXPECT_EQ(n.status().leader_id, ""); // the lease is gone at once
    const int wait = std::string{id} == "a" ? 1 : 1 + stagger_ticks_per_rank;
    for (int t = 1; t < wait; ++t) {
      n.tick();
      EXPECT_EQ(n.status().node_role, role::follower) << id << " after " << t << " ticks";
    }
    n.tick();
    EXPECT_EQ(n.status().node_role, role::pre_candidate) << id;
  }
}

TEST(RaftElection, CandidateStepsDownOnHigherTerm) {
  // §5.1: a server that sees a higher term reverts to follower.
  lone_replica r;
  r.raft->campaign();
  ASSERT_EQ(r.raft->status().node_role, role::pre_candidate);
  r.step(make_message(MSG_HEARTBEAT, "b", "a", 5));
  auto s = r.raft->status();
  EXPECT_EQ(s.node_role, role::follower);
  EXPECT_EQ(s.term, 5u);
  EXPECT_EQ(s.leader_id, "b");
}

TEST(RaftElection, CandidateStepsDownOnAppendFromLeaderOfItsTerm) {
  // §5.2: a candidate that receives AppendEntries from a leader of its own
  // term recognizes that leader.
  memory_storage storage;
  auto cfg = test::lone_node(storage);
  cfg.pre_vote = false;
  node n(cfg);
  n.campaign();
  ASSERT_EQ(n.status().node_role, role::candidate);
  auto append = make_message(MSG_APPEND, "b", "a", n.status().term);
  ASSERT_TRUE(n.step(append).ok());
  EXPECT_EQ(n.status().node_role, role::follower);
  EXPECT_EQ(n.status().leader_id, "b");
}

TEST(RaftVote, OneVotePerTermFirstComeFirstServed) {
  // §5.2: each server votes for at most one candidate in a given term.
  lone_replica r;
  EXPECT_TRUE(granted(r.step(vote_request("b", 1, 0, 0))));
  EXPECT_FALSE(granted(r.step(vote_request("c", 1, 0, 0))));
  EXPECT_TRUE(granted(r.step(vote_request("b", 1, 0, 0)))); // a retransmission
  EXPECT_TRUE(granted(r.step(vote_request("c", 2, 0, 0)))); // a new term, a new vote
  EXPECT_EQ(r.raft->status().vote, "c");
}

TEST(RaftVote, GrantingAVoteRestartsTheElectionTimer) {
  // Figure 2, rules for followers: campaign only if the election timeout
  // elapses without hearing from the leader or granting a vote.
  for (uint64_t seed = 0; seed < 20; ++seed) {
    memory_storage storage;
    auto cfg = test::lone_node(storage);
    cfg.pre_vote = false;
    cfg.seed = seed;
    node n(cfg);
    ASSERT_TRUE(n.step(make_message(MSG_VOTE_RESP, "c", "a", 1)).ok()); // reach term 1, no vote yet
    for (int i = 0; i < 9; ++i) // just below the shortest timeout
      n.tick();
    ASSERT_TRUE(
      n.step(vote_request("b", 1, 0, 0)).ok()); // same term: only a grant restarts the timer
    ASSERT_EQ(n.status().vote, "b");
    for (int i = 0; i < 9; ++i)
      n.tick();
    EXPECT_EQ(n.status().node_role, role::follower) << "seed " << seed;
  }
}

TEST(RaftVote, VoteIsInTheHardStateOfTheReadyThatCarriesTheGrant) {
  // Figure 2: votedFor is on stable storage before responding to RequestVote.
  lone_replica r;
  auto rd = r.step(vote_request("b", 3, 0, 0));
  ASSERT_TRUE(granted(rd));
  ASSERT_TRUE(rd.hard_state);
  EXPECT_EQ(rd.hard_state->term(), 3u);
  EXPECT_EQ(rd.hard_state->vote(), "b");
}

TEST(RaftVote, RejectsCandidateWhoseLogIsLessUpToDate) {
  // §5.4.1: a vote goes only to a candidate whose log is at least as
  // up-to-date: a higher last term, or the same last term and no shorter.
  auto make = [] { return lone_replica(test::storage_with_terms({1, 2}, 2)); };
  {
    auto r = make();
    EXPECT_FALSE(granted(r.step(vote_request("b", 3, 3, 1)))); // longer, but older last term
  }
  {
    auto r = make();
    EXPECT_FALSE(granted(r.step(vote_request("b", 3, 1, 2)))); // same last term, shorter
  }
  {
    auto r = make();
    EXPECT_TRUE(granted(r.step(vote_request("b", 3, 2, 2)))); // same last term, same length
  }
  {
    auto r = make();
    EXPECT_TRUE(granted(r.step(vote_request("b", 3, 1, 3)))); // newer last term, shorter
  }
}

TEST(RaftVote, RejectedVoteStillAdoptsTheHigherTerm) {
  // §5.1: the term advances even when the vote is refused.
  lone_replica r(test::storage_with_terms({1, 2}, 2));
  auto rd = r.step(vote_request("b", 7, 1, 1));
  EXPECT_FALSE(granted(rd));
  EXPECT_EQ(r.raft->status().term, 7u);
  EXPECT_EQ(r.raft->status().vote, "");
}

TEST(RaftPreVote, PartitionedNodeRejoiningDoesNotBumpTerms) {
  // Thesis §9.6: a node cut off from the majority keeps failing its
  // pre-vote, so its term stays put and it cannot depose the leader when
  // it comes back.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  auto term = c.at("n1").status().term;
  c.isolate("n3");
  for (int i = 0; i < 100; ++i) {
    c.at("n3").tick();
    c.flush("n3");
  }
  c.stabilize();
  EXPECT_EQ(c.at("n3").status().term, term);
  c.heal();
  c.tick_all(30);
  EXPECT_EQ(c.leader(), "n1");
  EXPECT_EQ(c.at("n1").status().term, term);
  EXPECT_EQ(c.at("n3").status().leader_id, "n1");
}

TEST(RaftPreVote, WithoutPreVoteARejoiningNodeDisruptsTheLeader) {
  // The contrast case: without pre-vote (and without the lease) the
  // partitioned node inflates its term and forces a new election.
  test_cluster c(3, [](config& cfg) {
    cfg.pre_vote = false;
    cfg.check_quorum = false;
  });
  ASSERT_TRUE(c.elect("n1"));
  auto term = c.at("n1").status().term;
  c.isolate("n3");
  for (int i = 0; i < 100; ++i)
    c.tick("n3");
  c.stabilize();
  EXPECT_GT(c.at("n3").status().term, term + 3);
  c.heal();
  c.tick_all(30); // n3 times out again and campaigns with its inflated term
  EXPECT_GT(c.at("n1").status().term, term + 3);
}

TEST(RaftPreVote, PreVoteChangesNoStateOnTheVoter) {
  // Thesis §9.6: granting a pre-vote neither raises the term nor records a vote.
  lone_replica r;
  auto m = vote_request("b", 4, 0, 0);
  m.set_type(MSG_PRE_VOTE);
  auto rd = r.step(m);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type(), MSG_PRE_VOTE_RESP);
  EXPECT_FALSE(rd.messages[0].reject());
  EXPECT_EQ(rd.messages[0].term(), 4u); // answered in the future term
  EXPECT_EQ(r.raft->status().term, 0u);
  EXPECT_EQ(r.raft->status().vote, "");
  EXPECT_FALSE(rd.hard_state);
}

TEST(RaftPreVote, PreCandidateKeepsTermUntilPreVoteWon) {
  lone_replica r;
  r.raft->campaign();
  auto rd = r.raft->ready();
  r.raft->advance(rd);
  EXPECT_EQ(r.raft->status().node_role, role::pre_candidate);
  EXPECT_EQ(r.raft->status().term, 0u);
  ASSERT_EQ(rd.messages.size(), 2u);
  EXPECT_EQ(rd.messages[0].type(), MSG_PRE_VOTE);
  EXPECT_EQ(rd.messages[0].term(), 1u);
  auto grant = make_message(MSG_PRE_VOTE_RESP, "b", "a", 1);
  rd = r.step(grant);
  EXPECT_EQ(r.raft->status().node_role, role::candidate);
  EXPECT_EQ(r.raft->status().term, 1u);
  ASSERT_EQ(rd.messages.size(), 2u);
  EXPECT_EQ(rd.messages[0].type(), MSG_VOTE);
}

TEST(RaftCheckQuorum, LeaderWithoutQuorumStepsDown) {
  // Thesis §6.2: a leader that hears from no majority for an election
  // timeout steps down.
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n1");
  for (int i = 0; i < 2 * 10 + 1; ++i) {
    c.at("n1").tick();
    c.stabilize();
  }
  EXPECT_EQ(c.at("n1").status().node_role, role::follower);
  EXPECT_EQ(c.at("n1").status().leader_id, "");
}

TEST(RaftCheckQuorum, LeaderWithQuorumStaysLeader) {
  test_cluster c(3);
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n3"); // one follower lost, the majority remains
  c.cut("n2", "n3");
  for (int i = 0; i < 50; ++i) {
    c.at("n1").tick();
    c.at("n2").tick();
    c.stabilize();
  }
  EXPECT_EQ(c.at("n1").status().node_role, role::leader);
}

TEST(RaftCheckQuorum, WithoutCheckQuorumIsolatedLeaderStaysLeader) {
  test_cluster c(3, [](config& cfg) { cfg.check_quorum = false; });
  ASSERT_TRUE(c.elect("n1"));
  c.isolate("n1");
  for (int i = 0; i < 50; ++i) {
    c.at("n1").tick();
    c.stabilize();
  }
  EXPECT_EQ(c.at("n1").status().node_role, role::leader);
}

TEST(RaftLeaderLease, FollowerIgnoresVoteRequestWhileLeaderIsAlive) {
  // Thesis §4.2.3: a follower that heard from the leader within the minimum
  // election timeout ignores RequestVote, without even adopting its term.
  lone_replica r(std::make_unique<memory_storage>(), /*check_quorum=*/true);
  r.step(make_message(MSG_HEARTBEAT, "b", "a", 2));
  ASSERT_EQ(r.raft->status().leader_id, "b");
  auto rd = r.step(vote_request("c", 3, 0, 0));
  EXPECT_TRUE(rd.messages.empty());
  EXPECT_EQ(r.raft->status().term, 2u);
  // After an election timeout without the leader, the vote is considered.
  for (int i = 0; i < 10; ++i)
    r.raft->tick();
  r.raft->advance(r.raft->ready());
  rd = r.step(vote_request("c", 3, 0, 0));
  EXPECT_EQ(r.raft->status().term, 3u);
}

TEST(RaftLeaderLease, StaleLeaderLearnsTheNewTermFromItsFollowers) {
  // With pre-vote and the lease a higher term never spreads by elections, so
  // a follower answers a stale leader's append with its own term.
  lone_replica r(std::make_unique<memory_storage>(), true);
  r.step(make_message(MSG_HEARTBEAT, "b", "a", 5));
  auto rd = r.step(make_message(MSG_APPEND, "c", "a", 4));
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type(), MSG_APPEND_RESP);
  EXPECT_EQ(rd.messages[0].term(), 5u);
}

} // namespace
} // namespace keel::raft
