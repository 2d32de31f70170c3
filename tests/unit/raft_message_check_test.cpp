// check_inbound: one test per rule with a message that breaks only that rule,
// and a whole cluster's traffic (elections, appends with rejections,
// snapshots, reads, transfers, restarts) that must pass untouched.
#include <limits>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "actors/replication/core/message_check.hpp"
#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::u64_max;

inbound_context ctx_n2() {
  return inbound_context{"n2", "n1", [](uint32_t shard) { return shard == 0; }};
}

Message base(MessageType type, uint64_t term = 5) {
  Message m;
  m.set_type(type);
  m.set_from("n1");
  m.set_to("n2");
  m.set_term(term);
  return m;
}

/// An append after (index, log_term) carrying entries with the given terms.
Message append(uint64_t index, uint64_t log_term, const std::vector<uint64_t>& terms,
               uint64_t term = 5) {
  auto m = base(MSG_APPEND, term);
  m.set_index(index);
  m.set_log_term(log_term);
  m.set_commit(index);
  for (size_t i = 0; i < terms.size(); ++i)
    *m.add_entries() = test::make_entry(index + 1 + i, terms[i], "x");
  return m;
}

Message snapshot_message(uint64_t index, uint64_t snap_term, std::vector<std::string> voters,
                         uint64_t term = 5) {
  auto m = base(MSG_SNAPSHOT, term);
  auto* meta = m.mutable_snapshot()->mutable_metadata();
  meta->set_index(index);
  meta->set_term(snap_term);
  for (auto& v : voters)
    meta->add_voters(v);
  m.mutable_snapshot()->set_data("state");
  return m;
}

std::optional<message_fault> check(const Message& m) { return check_inbound(m, ctx_n2()); }

// -- what correct nodes send passes ------------------------------------------------

TEST(RaftMessageCheck, AcceptsEachKindOfCorrectMessage) {
  auto vote = base(MSG_VOTE);
  vote.set_index(7);
  vote.set_log_term(4);
  vote.set_context("transfer");
  auto granted = base(MSG_PRE_VOTE_RESP, 6);
  auto refused = base(MSG_VOTE_RESP);
  refused.set_reject(true);
  auto ack = base(MSG_APPEND_RESP);
  ack.set_index(9);
  auto nack = base(MSG_APPEND_RESP);
  nack.set_index(9);
  nack.set_reject(true);
  nack.set_reject_hint(4);
  nack.set_reject_term(3);
  auto heartbeat = base(MSG_HEARTBEAT);
  heartbeat.set_commit(12);
  heartbeat.set_context("n1/3");
  auto refusal = base(MSG_APPEND_RESP);
  refusal.set_index(20);
  refusal.set_reject(true);
  refusal.set_context(std::string{snapshot_refused_context});
  for (const auto& m :
       {vote, granted, refused, ack, nack, heartbeat, refusal, base(MSG_TIMEOUT_NOW),
        base(MSG_HEARTBEAT_RESP), append(0, 0, {1, 1, 3}), append(4, 3, {3, 5}),
        snapshot_message(20, 4, {"n1", "n2", "n3"}), base(MSG_HEARTBEAT, max_term)})
    EXPECT_EQ(check(m), std::nullopt) << m.ShortDebugString();
}

// -- one test per rule --------------------------------------------------------------

TEST(RaftMessageCheck, UnknownType) {
  EXPECT_EQ(check(base(MSG_UNSPECIFIED)), message_fault::unknown_type);
  EXPECT_EQ(check(base(static_cast<MessageType>(99))), message_fault::unknown_type);
}

TEST(RaftMessageCheck, TransportMessagesAreTransportOnlyOnceTheirSenderIsProven) {
  // Their shape is the transport's to check (snapshot_chunks.hpp); who sends
  // them, to whom and for which shard is checked here, as for any message.
  for (auto type : {MSG_TRANSPORT_HEARTBEAT, MSG_SNAPSHOT_CHUNK, MSG_SNAPSHOT_CHUNK_ACK}) {
    auto m = base(type, 0); // transport messages carry no term
    EXPECT_EQ(check(m), message_fault::transport_only) << m.ShortDebugString();
    auto forged = m;
    forged.set_from("n3");
    EXPECT_EQ(check(forged), message_fault::wrong_sender) << m.ShortDebugString();
    auto misdirected = m;
    misdirected.set_to("n3");
    EXPECT_EQ(check(misdirected), message_fault::wrong_destination) << m.ShortDebugString();
    auto elsewhere = m;
    elsewhere.set_shard(7);
    EXPECT_EQ(check(elsewhere), type == MSG_TRANSPORT_HEARTBEAT ? message_fault::transport_only
                                                                : message_fault::unknown_shard)
      << "a heartbeat's shard means nothing; a piece's names its replica";
  }
}

TEST(RaftMessageCheck, OnlyTransportMessagesCarryAPieceOfASnapshot) {
  auto m = snapshot_message(20, 4, {"n1", "n2"});
  m.mutable_chunk()->set_transfer(1);
  EXPECT_EQ(check(m), message_fault::field_not_allowed);
}

TEST(RaftMessageCheck, SenderMustBeTheAuthenticatedPeer) {
  auto m = base(MSG_HEARTBEAT);
  m.set_from("n3"); // n1's connection speaking for n3
  EXPECT_EQ(check(m), message_fault::wrong_sender);
  m.set_from("");
  EXPECT_EQ(check_inbound(m, inbound_context{"n2", "", ctx_n2().has_shard}),
            message_fault::wrong_sender);
}

TEST(RaftMessageCheck, DestinationMustBeThisNode) {
  auto m = base(MSG_HEARTBEAT);
  m.set_to("n3");
  EXPECT_EQ(check(m), message_fault::wrong_destination);
}

TEST(RaftMessageCheck, ShardMustHaveAReplicaHere) {
  auto m = base(MSG_HEARTBEAT);
  m.set_shard(7);
  EXPECT_EQ(check(m), message_fault::unknown_shard);
  m.set_shard(0);
  EXPECT_EQ(check_inbound(m, inbound_context{"n2", "n1", {}}), message_fault::unknown_shard);
}

TEST(RaftMessageCheck, TermsAboveMaxTermAreRefusedWherever) {
  EXPECT_EQ(check(base(MSG_HEARTBEAT, u64_max)), message_fault::term_overflow);
  EXPECT_EQ(check(base(MSG_HEARTBEAT, max_term + 1)), message_fault::term_overflow);
  auto vote = base(MSG_VOTE);
  vote.set_index(1);
  vote.set_log_term(u64_max);
  EXPECT_EQ(check(vote), message_fault::term_overflow);
  EXPECT_EQ(check(append(0, 0, {1, u64_max})), message_fault::term_overflow);
  EXPECT_EQ(check(snapshot_message(3, max_term + 1, {"n1", "n2"})), message_fault::term_overflow);
  auto nack = base(MSG_APPEND_RESP);
  nack.set_reject(true);
  nack.set_reject_term(u64_max);
  EXPECT_EQ(check(nack), message_fault::term_overflow);
}

TEST(RaftMessageCheck, EveryMessageCarriesATerm) {
  EXPECT_EQ(check(base(MSG_HEARTBEAT, 0)), message_fault::missing_term);
  EXPECT_EQ(check(base(MSG_VOTE_RESP, 0)), message_fault::missing_term);
}

TEST(RaftMessageCheck, LogTermNotAboveTerm) {
  auto vote = base(MSG_PRE_VOTE, 5);
  vote.set_index(3);
  vote.set_log_term(6);
  EXPECT_EQ(check(vote), message_fault::log_term_above_term);
}

TEST(RaftMessageCheck, LogTermOfIndexZeroIsZero) {
  EXPECT_EQ(check(append(0, 2, {2})), message_fault::log_term_without_index);
}

TEST(RaftMessageCheck, EntriesOnlyOnAppend) {
  auto vote = base(MSG_VOTE);
  vote.set_index(1);
  vote.set_log_term(1);
  *vote.add_entries() = test::make_entry(2, 1);
  EXPECT_EQ(check(vote), message_fault::entries_not_allowed);
}

TEST(RaftMessageCheck, EntryCountIsBounded) {
  EXPECT_EQ(check(append(0, 0, std::vector<uint64_t>(max_entries_per_message, 1))), std::nullopt);
  EXPECT_EQ(check(append(0, 0, std::vector<uint64_t>(max_entries_per_message + 1, 1))),
            message_fault::too_many_entries);
}

TEST(RaftMessageCheck, EntriesAreContiguousFromIndexPlusOne) {
  auto gap = append(3, 1, {1, 1});
  gap.mutable_entries(1)->set_index(6);
  EXPECT_EQ(check(gap), message_fault::entry_index_gap);
  auto overlapping = append(3, 1, {1});
  overlapping.mutable_entries(0)->set_index(3);
  EXPECT_EQ(check(overlapping), message_fault::entry_index_gap);
  auto wraps = append(0, 0, {1, 1});
  wraps.set_index(u64_max - 1);
  wraps.set_log_term(1);
  wraps.mutable_entries(0)->set_index(u64_max);
  wraps.mutable_entries(1)->set_index(0);
  EXPECT_EQ(check(wraps), message_fault::entry_index_gap);
}

TEST(RaftMessageCheck, EntriesCarryATerm) {
  EXPECT_EQ(check(append(0, 0, {0})), message_fault::entry_term_missing);
}

TEST(RaftMessageCheck, EntryTermsNeverDecrease) {
  EXPECT_EQ(check(append(2, 3, {3, 2})), message_fault::entry_term_decreasing);
  EXPECT_EQ(check(append(2, 3, {2})), message_fault::entry_term_decreasing); // below log_term
}

TEST(RaftMessageCheck, EntryTermsNotAboveTheMessageTerm) {
  EXPECT_EQ(check(append(2, 3, {3, 6}, 5)), message_fault::entry_term_above_term);
}

TEST(RaftMessageCheck, EntryTypeIsKnown) {
  auto m = append(0, 0, {1});
  m.mutable_entries(0)->set_type(ENTRY_TYPE_UNSPECIFIED);
  EXPECT_EQ(check(m), message_fault::entry_type_unknown);
  m.mutable_entries(0)->set_type(static_cast<EntryType>(42));
  EXPECT_EQ(check(m), message_fault::entry_type_unknown);
}

TEST(RaftMessageCheck, SnapshotOnlyOnSnapshotMessages) {
  auto m = base(MSG_HEARTBEAT);
  m.mutable_snapshot()->mutable_metadata()->set_index(3);
  EXPECT_EQ(check(m), message_fault::snapshot_not_allowed);
}

TEST(RaftMessageCheck, SnapshotMessageCarriesASnapshot) {
  EXPECT_EQ(check(base(MSG_SNAPSHOT)), message_fault::snapshot_missing);
  EXPECT_EQ(check(snapshot_message(0, 1, {"n1", "n2"})), message_fault::snapshot_missing);
  EXPECT_EQ(check(snapshot_message(4, 0, {"n1", "n2"})), message_fault::snapshot_missing);
}

TEST(RaftMessageCheck, SnapshotTermNotAboveTheMessageTerm) {
  EXPECT_EQ(check(snapshot_message(4, 6, {"n1", "n2"}, 5)),
            message_fault::snapshot_term_above_term);
}

TEST(RaftMessageCheck, SnapshotVotersNameSenderAndReceiver) {
  EXPECT_EQ(check(snapshot_message(4, 2, {})), message_fault::snapshot_voters_invalid);
  EXPECT_EQ(check(snapshot_message(4, 2, {"n1", "n3"})), message_fault::snapshot_voters_invalid);
  EXPECT_EQ(check(snapshot_message(4, 2, {"n2", "n3"})), message_fault::snapshot_voters_invalid);
}

TEST(RaftMessageCheck, RejectOnlyOnResponses) {
  auto heartbeat = base(MSG_HEARTBEAT);
  heartbeat.set_reject(true);
  EXPECT_EQ(check(heartbeat), message_fault::reject_not_allowed);
  auto vote_resp = base(MSG_VOTE_RESP);
  vote_resp.set_reject(true);
  vote_resp.set_reject_hint(3); // hints belong to append responses
  EXPECT_EQ(check(vote_resp), message_fault::reject_not_allowed);
}

TEST(RaftMessageCheck, RejectHintIsConsistent) {
  auto hint_above_index = base(MSG_APPEND_RESP);
  hint_above_index.set_index(4);
  hint_above_index.set_reject(true);
  hint_above_index.set_reject_hint(9);
  EXPECT_EQ(check(hint_above_index), message_fault::reject_hint_invalid);
  auto hint_without_reject = base(MSG_APPEND_RESP);
  hint_without_reject.set_index(4);
  hint_without_reject.set_reject_hint(2);
  EXPECT_EQ(check(hint_without_reject), message_fault::reject_hint_invalid);
  auto future_term = base(MSG_APPEND_RESP, 5);
  future_term.set_index(4);
  future_term.set_reject(true);
  future_term.set_reject_hint(2);
  future_term.set_reject_term(6);
  EXPECT_EQ(check(future_term), message_fault::reject_hint_invalid);
}

TEST(RaftMessageCheck, FieldsATypeNeverCarriesAreRefused) {
  auto vote_with_commit = base(MSG_VOTE);
  vote_with_commit.set_commit(3);
  EXPECT_EQ(check(vote_with_commit), message_fault::field_not_allowed);
  auto append_with_context = append(0, 0, {1});
  append_with_context.set_context("x");
  EXPECT_EQ(check(append_with_context), message_fault::field_not_allowed);
  auto heartbeat_with_index = base(MSG_HEARTBEAT);
  heartbeat_with_index.set_index(3);
  EXPECT_EQ(check(heartbeat_with_index), message_fault::field_not_allowed);
  auto pre_vote_with_context = base(MSG_PRE_VOTE);
  pre_vote_with_context.set_context("transfer"); // only a real vote is a transfer campaign
  EXPECT_EQ(check(pre_vote_with_context), message_fault::field_not_allowed);
  auto ack_with_refusal = base(MSG_APPEND_RESP); // the refusal context without reject
  ack_with_refusal.set_index(3);
  ack_with_refusal.set_context(std::string{snapshot_refused_context});
  EXPECT_EQ(check(ack_with_refusal), message_fault::field_not_allowed);
}

TEST(RaftMessageCheck, ContextIsBounded) {
  auto m = base(MSG_HEARTBEAT);
  m.set_context(std::string(max_context_bytes, 'c'));
  EXPECT_EQ(check(m), std::nullopt);
  m.set_context(std::string(max_context_bytes + 1, 'c'));
  EXPECT_EQ(check(m), message_fault::context_too_large);
}

TEST(RaftMessageCheck, EveryFaultHasItsOwnName) {
  std::set<std::string_view> names;
  for (int f = 0; f <= static_cast<int>(message_fault::context_too_large); ++f) {
    auto name = to_string(static_cast<message_fault>(f));
    EXPECT_NE(name, "unknown_fault");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(to_string(message_fault::term_overflow), "term_overflow");
}

// -- a correct cluster's whole traffic passes -----------------------------------------------

TEST(RaftMessageCheck, EveryMessageOfACorrectClusterPasses) {
  // A run through the situations that produce every message type and field:
  // pre-vote and vote campaigns, appends with rejections and hints, heartbeats
  // with read contexts, a snapshot, a leadership transfer, a restart.
  test::test_cluster c(3, [](config& cfg) { cfg.max_entries_per_append = 4; });
  std::vector<Message> sent;
  auto record_all = [&](const Message& m) {
    sent.push_back(m);
    return false;
  };
  c.drop_if(record_all);
  c.tick_all(30); // an election by timeouts: pre-votes and votes
  auto leader = c.leader();
  ASSERT_FALSE(leader.empty());
  std::vector<std::string> others;
  for (auto& id : c.ids())
    if (id != leader)
      others.push_back(id);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(c.at(leader).propose(test::numbered("a", i)).ok());
  ASSERT_TRUE(c.at(leader).read_index("read-1").ok());
  c.stabilize();
  c.tick_all(2);

  // A follower misses entries the leader then compacts: it needs a snapshot.
  c.isolate(others[1]);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(c.at(leader).propose(test::numbered("b", i)).ok());
  c.stabilize();
  c.snapshot_and_compact(leader, c.at(leader).status().applied);
  c.heal();
  c.drop_if(record_all);
  c.tick_all(5);

  // A deposed leader with uncommitted entries: the new leader's appends are
  // rejected with hints until the logs agree.
  c.isolate(leader);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c.at(leader).propose(test::numbered("lost", i)).ok());
  c.flush(leader);
  c.in_flight().clear();
  auto next = c.tick_until_leader(others, 200);
  ASSERT_FALSE(next.empty());
  ASSERT_TRUE(c.at(next).propose("c").ok());
  c.stabilize();
  c.heal();
  c.drop_if(record_all);
  c.tick_all(30);

  // Leadership transfer (MSG_TIMEOUT_NOW, a vote with the transfer context), then a restart.
  auto current = c.leader();
  ASSERT_FALSE(current.empty());
  auto target = current == c.ids()[0] ? c.ids()[1] : c.ids()[0];
  ASSERT_TRUE(c.at(current).transfer_leadership(target).ok());
  c.stabilize();
  c.tick_all(5);
  c.restart(current);
  c.tick_all(30);
  ASSERT_TRUE(c.at(c.leader()).propose("d").ok());
  c.stabilize();

  std::map<MessageType, int> seen;
  bool saw_rejected_append = false;
  for (const auto& m : sent) {
    ++seen[m.type()];
    saw_rejected_append |= m.type() == MSG_APPEND_RESP && m.reject() && m.reject_hint() > 0;
    inbound_context ctx{m.to(), m.from(), [](uint32_t shard) { return shard == 0; }};
    auto fault = check_inbound(m, ctx);
    EXPECT_EQ(fault, std::nullopt)
      << to_string(fault.value_or(message_fault::unknown_type)) << ": " << m.ShortDebugString();
  }
  // The run exercised every message type a replica sends.
  for (auto type :
       {MSG_PRE_VOTE, MSG_PRE_VOTE_RESP, MSG_VOTE, MSG_VOTE_RESP, MSG_APPEND, MSG_APPEND_RESP,
        MSG_HEARTBEAT, MSG_HEARTBEAT_RESP, MSG_SNAPSHOT, MSG_TIMEOUT_NOW})
    EXPECT_GT(seen[type], 0) << MessageType_Name(type);
  EXPECT_TRUE(saw_rejected_append);
}

} // namespace
} // namespace keel::raft
