// The log building blocks under raft::node: memory_storage, unstable_log
// and raft_log (consistency check and conflict resolution of §5.3, the
// up-to-date rule of §5.4.1, the commit rule of §5.4.2, fast backtracking).
#include <gtest/gtest.h>

#include "actors/replication/core/memory_storage.hpp"
#include "actors/replication/core/raft_log.hpp"
#include "raft_test_cluster.hpp"

namespace keel::raft {
namespace {

using test::make_entry;
using test::storage_with_terms;

std::vector<uint64_t> terms_of(const raft_log& log) {
  std::vector<uint64_t> out;
  for (auto i = log.first_index(); i <= log.last_index(); ++i)
    out.push_back(*log.term(i));
  return out;
}

TEST(RaftMemoryStorage, AppendTruncatesConflictingSuffix) {
  auto s = storage_with_terms({1, 1, 2, 2}, 2);
  s->append({make_entry(3, 3), make_entry(4, 3), make_entry(5, 3)});
  EXPECT_EQ(s->last_index(), 5u);
  EXPECT_EQ(*s->term(3), 3u);
  s->append({make_entry(2, 4)});
  EXPECT_EQ(s->last_index(), 2u); // everything after the replaced entry is gone
  EXPECT_EQ(*s->term(2), 4u);
}

TEST(RaftMemoryStorage, CompactKeepsTermOfLastCompactedEntry) {
  auto s = storage_with_terms({1, 1, 2, 2, 3}, 3);
  ASSERT_TRUE(s->create_snapshot(3, {"n1"}, "state").ok());
  ASSERT_TRUE(s->compact(3).ok());
  EXPECT_EQ(s->first_index(), 4u);
  EXPECT_EQ(*s->term(3), 2u);
  EXPECT_EQ(s->term(2).code(), errc::compacted);
  EXPECT_EQ(s->entries(3, 5, UINT64_MAX).code(), errc::compacted);
  EXPECT_EQ(s->entries(4, 6, UINT64_MAX)->size(), 2u);
  EXPECT_EQ(s->compact(2).code(), errc::compacted);
  EXPECT_EQ(s->snapshot()->metadata().index(), 3u);
  EXPECT_EQ(s->create_snapshot(3, {"n1"}, "again").code(), errc::snapshot_out_of_date);
}

TEST(RaftMemoryStorage, EntriesStopAtMaxBytesButReturnAtLeastOne) {
  auto s = std::make_unique<memory_storage>();
  s->append({make_entry(1, 1, std::string(100, 'a')), make_entry(2, 1, std::string(100, 'b'))});
  EXPECT_EQ(s->entries(1, 3, 1)->size(), 1u);
  EXPECT_EQ(s->entries(1, 3, 250)->size(), 2u);
}

TEST(RaftMemoryStorage, ApplySnapshotReplacesTheLog) {
  auto s = storage_with_terms({1, 1}, 1);
  Snapshot snap;
  snap.mutable_metadata()->set_index(10);
  snap.mutable_metadata()->set_term(4);
  ASSERT_TRUE(s->apply_snapshot(snap).ok());
  EXPECT_EQ(s->first_index(), 11u);
  EXPECT_EQ(s->last_index(), 10u);
  EXPECT_EQ(*s->term(10), 4u);
  EXPECT_EQ(s->apply_snapshot(snap).code(), errc::snapshot_out_of_date);
}

TEST(RaftUnstableLog, TruncateAndAppendReplacesSuffix) {
  unstable_log u(5);
  std::vector<Entry> first{make_entry(5, 1), make_entry(6, 1), make_entry(7, 1)};
  u.truncate_and_append(first);
  std::vector<Entry> second{make_entry(6, 2)};
  u.truncate_and_append(second);
  ASSERT_EQ(u.entries().size(), 2u);
  EXPECT_EQ(*u.maybe_term(6), 2u);
  EXPECT_FALSE(u.maybe_term(7));
  u.stable_to(6, 1); // stale: entry 6 is term 2 now
  EXPECT_EQ(u.offset(), 5u);
  u.stable_to(6, 2);
  EXPECT_EQ(u.offset(), 7u);
  EXPECT_TRUE(u.entries().empty());
}

TEST(RaftLog, ConsistencyCheckRejectsMismatchedPreviousEntry) {
  // §5.3: the follower refuses entries unless it holds the preceding one.
  auto s = storage_with_terms({1, 1, 2}, 2);
  raft_log log(*s, UINT64_MAX);
  std::vector<Entry> ents{make_entry(4, 3)};
  EXPECT_FALSE(log.maybe_append(3, 1, 0, ents)); // entry 3 has term 2, not 1
  EXPECT_FALSE(log.maybe_append(5, 3, 0, ents)); // no entry 5 at all
  EXPECT_EQ(log.last_index(), 3u);
  auto last = log.maybe_append(3, 2, 4, ents);
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 4u);
  EXPECT_EQ(log.committed(), 4u);
}

TEST(RaftLog, ConflictingEntriesAreReplacedAndCommitIsBoundedByLastNew) {
  // §5.3: a conflicting entry and all that follow it are deleted; Figure 2:
  // commitIndex = min(leaderCommit, index of last new entry).
  auto s = storage_with_terms({1, 1, 2, 2, 2}, 2);
  raft_log log(*s, UINT64_MAX);
  std::vector<Entry> ents{make_entry(3, 3)};
  auto last = log.maybe_append(2, 1, 10, ents);
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 3u);
  EXPECT_EQ(terms_of(log), (std::vector<uint64_t>{1, 1, 3}));
  EXPECT_EQ(log.committed(), 3u);
}

TEST(RaftLog, CommitStopsAtLastNewEntryNotAtStaleEntriesBeyondIt) {
  // Figure 2: commitIndex = min(leaderCommit, index of last NEW entry). The
  // follower's entries after the append may be stale ones of an old term
  // that the leader has not overwritten yet; they must not be committed.
  auto s = storage_with_terms({1, 1, 2}, 3);
  raft_log log(*s, UINT64_MAX);
  std::vector<Entry> ents{make_entry(2, 1)};
  auto last = log.maybe_append(1, 1, 3, ents);
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 2u);
  EXPECT_EQ(log.committed(), 2u);
  EXPECT_EQ(log.last_index(), 3u); // the stale entry is still there, uncommitted
}

TEST(RaftLog, AppendOfEntriesAlreadyPresentTruncatesNothing) {
  auto s = storage_with_terms({1, 1, 2, 2}, 2);
  raft_log log(*s, UINT64_MAX);
  std::vector<Entry> ents{make_entry(2, 1)}; // a delayed, duplicated append
  ASSERT_TRUE(log.maybe_append(1, 1, 0, ents));
  EXPECT_EQ(log.last_index(), 4u);
}

TEST(RaftLog, UpToDateComparesLastTermThenLength) {
  // §5.4.1
  auto s = storage_with_terms({1, 2, 2}, 2);
  raft_log log(*s, UINT64_MAX);
  EXPECT_TRUE(log.is_up_to_date(1, 3));   // higher last term wins, even if shorter
  EXPECT_TRUE(log.is_up_to_date(3, 2));   // same term, same length
  EXPECT_TRUE(log.is_up_to_date(4, 2));   // same term, longer
  EXPECT_FALSE(log.is_up_to_date(2, 2));  // same term, shorter
  EXPECT_FALSE(log.is_up_to_date(10, 1)); // lower last term loses, even if longer
}

TEST(RaftLog, CommitOnlyCountsEntriesOfTheCurrentTerm) {
  // §5.4.2: a majority holding an entry of an older term does not commit it.
  auto s = storage_with_terms({1, 2, 2, 4}, 4);
  raft_log log(*s, UINT64_MAX);
  EXPECT_FALSE(log.maybe_commit(3, 4));
  EXPECT_EQ(log.committed(), 0u);
  EXPECT_TRUE(log.maybe_commit(4, 4));
  EXPECT_EQ(log.committed(), 4u);
}

TEST(RaftLog, FindConflictByTermSkipsWholeTerms) {
  auto s = storage_with_terms({1, 1, 1, 4, 4, 5, 5, 5}, 5);
  raft_log log(*s, UINT64_MAX);
  EXPECT_EQ(log.find_conflict_by_term(8, 3), (std::pair<uint64_t, uint64_t>{3, 1}));
  EXPECT_EQ(log.find_conflict_by_term(8, 4), (std::pair<uint64_t, uint64_t>{5, 4}));
  EXPECT_EQ(log.find_conflict_by_term(8, 5), (std::pair<uint64_t, uint64_t>{8, 5}));
  EXPECT_EQ(log.find_conflict_by_term(2, 0), (std::pair<uint64_t, uint64_t>{0, 0}));
}

TEST(RaftLog, UnstableEntriesOverrideStoredOnesUntilPersisted) {
  auto s = storage_with_terms({1, 1, 1}, 1);
  raft_log log(*s, UINT64_MAX);
  std::vector<Entry> ents{make_entry(2, 2), make_entry(3, 2), make_entry(4, 2)};
  ASSERT_TRUE(log.maybe_append(1, 1, 0, ents));
  EXPECT_EQ(terms_of(log), (std::vector<uint64_t>{1, 2, 2, 2}));
  EXPECT_EQ(log.unstable_entries().size(), 3u);
  auto slice = log.slice(1, 5, 100, UINT64_MAX);
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(slice->size(), 4u);
  EXPECT_EQ((*slice)[1].term(), 2u);
  s->append(log.unstable_entries());
  log.stable_to(4, 2);
  EXPECT_TRUE(log.unstable_entries().empty());
  EXPECT_EQ(terms_of(log), (std::vector<uint64_t>{1, 2, 2, 2}));
}

TEST(RaftLog, NextCommittedEntriesRespectsApplyLimit) {
  auto s = std::make_unique<memory_storage>();
  s->append({make_entry(1, 1, std::string(100, 'a')), make_entry(2, 1, std::string(100, 'b')),
             make_entry(3, 1, std::string(100, 'c'))});
  raft_log log(*s, 150);
  log.commit_to(3);
  auto first = log.next_committed_entries();
  ASSERT_EQ(first.size(), 1u);
  log.applied_to(1);
  EXPECT_EQ(log.next_committed_entries().front().index(), 2u);
}

TEST(RaftLog, RestoreFromSnapshotResetsTheLog) {
  auto s = storage_with_terms({1, 1}, 1);
  raft_log log(*s, UINT64_MAX);
  Snapshot snap;
  snap.mutable_metadata()->set_index(20);
  snap.mutable_metadata()->set_term(3);
  log.restore(snap);
  EXPECT_EQ(log.first_index(), 21u);
  EXPECT_EQ(log.last_index(), 20u);
  EXPECT_EQ(log.committed(), 20u);
  EXPECT_EQ(*log.term(20), 3u);
  EXPECT_EQ(log.term(19).code(), errc::compacted);
  EXPECT_EQ(log.slice(20, 21, 10, UINT64_MAX).code(), errc::compacted);
}

} // namespace
} // namespace keel::raft
