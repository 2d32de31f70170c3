// replica_storage over an engine on each store (RocksDB, memory): what a replica loads at restart,
// persist (entries, a replacing suffix §5.3, an installed snapshot §7), apply (normal, no-op,
// already applied, session dedup thesis §6.3), compaction, and the broken invariants that must
// throw instead of writing.
#include <map>
#include <memory>
#include <random>
#include <utility>

#include <gtest/gtest.h>

#include "actors/storage/core/replica_storage.hpp"
#include "storage_test_dir.hpp"
#include "storage_test_entries.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using keel::storage::test::open_ok;
using namespace keel::storage::test::raft_entries;
using keel::storage::test::store_kind;
using keel::storage::test::succeeded;
using keel::storage::test::temp_dir;
using keel::storage::test::test_stores;

/// One engine and the replica storage of shard 1; each call commits its batch.
struct StorageReplica : ::testing::TestWithParam<store_kind> {
  test_stores stores{GetParam()};
  std::unique_ptr<engine> db = stores.open_ok("n1");
  replica_storage replica{*db, 1};

  void commit(write_batch& batch, bool sync) { ASSERT_TRUE(succeeded(db->commit(batch, sync))); }
  void persist(const PersistRequest& request) {
    auto batch = db->make_batch();
    replica.persist(request, batch);
    commit(batch, true);
  }
  ApplyResult apply(std::vector<raft::Entry> entries) {
    auto batch = db->make_batch();
    auto result = replica.apply(apply_of(std::move(entries)), batch);
    EXPECT_TRUE(succeeded(result));
    commit(batch, false);
    return result.value_or(ApplyResult{});
  }
  void compact(uint64_t index) {
    auto batch = db->make_batch();
    replica.compact(index, batch);
    commit(batch, false);
  }
};

TEST_P(StorageReplica, FreshShardLoadsEmpty) {
  auto state = replica.load();
  EXPECT_EQ(state.hard_state().term(), 0u);
  EXPECT_EQ(state.log_state().snapshot_index(), 0u);
  EXPECT_EQ(state.applied().applied_index(), 0u);
  EXPECT_EQ(state.entries_size(), 0);
}

TEST_P(StorageReplica, PersistedEntriesAndHardStateLoadBack) {
  // Figure 2: currentTerm, votedFor and log[] are what a restart reads.
  persist(persist_of({noop(1, 1), put(2, 1, "a", "1")}, hard_state(1, "n1", 0)));
  persist(persist_of({put(3, 2, "b", "2")}));
  auto state = replica.load();
  EXPECT_EQ(indexes_of(state), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(state.entries(2).term(), 2u);
  EXPECT_EQ(state.entries(1).data(), put(2, 1, "a", "1").data());
  EXPECT_EQ(state.hard_state().term(), 1u); // the second persist carried none
  EXPECT_EQ(state.hard_state().vote(), "n1");
}

TEST_P(StorageReplica, PersistedSuffixReplacesTheConflictingOne) {
  // §5.3: a conflicting entry and all that follow it are deleted.
  persist(persist_of({noop(1, 1), put(2, 1, "a", "1"), put(3, 1, "b", "1"), put(4, 1, "c", "1")}));
  persist(persist_of({put(3, 2, "x", "2")}, hard_state(2, "n2", 2)));
  auto state = replica.load();
  EXPECT_EQ(indexes_of(state), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(state.entries(2).term(), 2u);
  EXPECT_EQ(state.hard_state().vote(), "n2");
}

TEST_P(StorageReplica, PersistedSnapshotReplacesDataSessionsAndTheWholeLog) {
  persist(persist_of({noop(1, 1), put(2, 1, "old", "1", 5, 1), put(3, 1, "b", "1")}));
  apply({noop(1, 1), put(2, 1, "old", "1", 5, 1)});
  PersistRequest request = persist_of({put(11, 3, "after", "x")}, hard_state(3, "", 10));
  *request.mutable_snapshot() = snapshot_at(1, 10, 3, "k", "v");
  persist(request);

  auto state = replica.load();
  EXPECT_EQ(state.log_state().snapshot_index(), 10u);
  EXPECT_EQ(state.log_state().snapshot_term(), 3u);
  EXPECT_EQ(state.applied().applied_index(), 10u);
  EXPECT_EQ(state.applied().applied_term(), 3u);
  EXPECT_EQ(indexes_of(state), (std::vector<uint64_t>{11}));
  EXPECT_EQ(state.hard_state().commit(), 10u);
  auto data = db->export_shard(1);
  EXPECT_EQ(data.applied_index(), 10u);
  ASSERT_EQ(data.data_size(), 1);
  EXPECT_EQ(data.data(0).key(), "k");
  EXPECT_EQ(data.sessions_size(), 0); // client 5's session went with the data
  EXPECT_EQ(db->get(1, "old"), std::nullopt);
  EXPECT_EQ(db->get(1, "k"), "v");
}

// §7 as etcd raft does it: the stored entries after the snapshot go too,
// even where they agree with it; the leader sends them again.
TEST_P(StorageReplica, PersistedSnapshotDropsTheStoredEntriesAfterIt) {
  std::vector<raft::Entry> log{noop(1, 1)};
  for (uint64_t i = 2; i <= 12; ++i)
    log.push_back(put(i, 1, "k" + std::to_string(i), "1"));
  persist(persist_of(log));
  PersistRequest request = persist_of({}, hard_state(3, "", 10));
  *request.mutable_snapshot() = snapshot_at(1, 10, 3, "k", "v");
  persist(request);
  auto state = replica.load();
  EXPECT_EQ(state.log_state().snapshot_index(), 10u);
  EXPECT_EQ(indexes_of(state), (std::vector<uint64_t>{}));
  // The log goes on from the snapshot.
  persist(persist_of({put(11, 3, "after", "x")}));
  EXPECT_EQ(indexes_of(replica.load()), (std::vector<uint64_t>{11}));
}

TEST_P(StorageReplica, PersistSkipsEntriesTheCompactionPointCovers) {
  PersistRequest request
    = persist_of({put(9, 3, "a", "1"), put(10, 3, "b", "1"), put(11, 3, "c", "1")});
  *request.mutable_snapshot() = snapshot_at(1, 10, 3, "k", "v");
  persist(request);
  EXPECT_EQ(indexes_of(replica.load()), (std::vector<uint64_t>{11}));
}

/// Broken invariants of the replica's requests: KEEL_ASSERT stops the process.
using StorageReplicaDeathTest = StorageReplica;

TEST_P(StorageReplicaDeathTest, PersistOfABrokenSnapshotIsABug) {
  // The replica refuses these before the Raft core sees them (check_snapshot_data).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto refused = [&](const raft::Snapshot& snapshot, const char* why) {
    PersistRequest request;
    *request.mutable_snapshot() = snapshot;
    auto batch = db->make_batch();
    EXPECT_DEATH(replica.persist(request, batch), why);
  };
  auto unchecked = "a snapshot check_snapshot_data refuses";
  refused(snapshot_at(2, 10, 3, "k", "v"), unchecked); // another shard
  auto mislabeled = snapshot_at(1, 10, 3, "k", "v");
  mislabeled.mutable_metadata()->set_index(11);
  refused(mislabeled, unchecked);
  auto garbage = snapshot_at(1, 10, 3, "k", "v");
  garbage.set_data("\xff\xff\xff");
  refused(garbage, unchecked);
  // Behind the compaction point: Raft never installs a snapshot older than
  // what it committed.
  PersistRequest newer;
  *newer.mutable_snapshot() = snapshot_at(1, 20, 4, "k", "v");
  persist(newer);
  refused(snapshot_at(1, 10, 3, "k", "v"), "compaction point going backwards");
  EXPECT_EQ(replica.load().log_state().snapshot_index(), 20u);
}

TEST_P(StorageReplicaDeathTest, PersistOfAGapInTheLogIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  persist(persist_of({noop(1, 1)}));
  auto batch = db->make_batch();
  EXPECT_DEATH(replica.persist(persist_of({put(3, 1, "a", "1")}), batch),
               "gap after the last index");
}

TEST_P(StorageReplica, ApplyRunsNormalEntriesAndAdvancesOverNoops) {
  auto result = apply({noop(1, 1), put(2, 1, "a", "1"), noop(3, 2)});
  ASSERT_EQ(result.results_size(), 1); // no-ops produce no result
  EXPECT_EQ(result.results(0).index(), 2u);
  EXPECT_EQ(result.results(0).term(), 1u);
  ASSERT_EQ(result.results(0).responses_size(), 1);
  EXPECT_EQ(result.results(0).responses(0).status(), kv::STATUS_OK);
  EXPECT_EQ(result.results(0).responses(0).index(), 2u);
  EXPECT_EQ(db->applied(1).applied_index(), 3u);
  EXPECT_EQ(db->applied(1).applied_term(), 2u);
  EXPECT_EQ(db->get(1, "a"), "1");
}

TEST_P(StorageReplica, AlreadyAppliedEntriesAreSkipped) {
  apply({noop(1, 1), put(2, 1, "a", "1")});
  // A restarted replica hands out 1..3 again: only 3 is new.
  auto result = apply({noop(1, 1), put(2, 1, "a", "overwritten?"), put(3, 1, "b", "2")});
  ASSERT_EQ(result.results_size(), 1);
  EXPECT_EQ(result.results(0).index(), 3u);
  EXPECT_EQ(db->get(1, "a"), "1");
  EXPECT_EQ(db->applied(1).applied_index(), 3u);
}

TEST_P(StorageReplica, RepeatedCommandIsAnsweredFromItsSession) {
  // Thesis §6.3: a client's retry, committed twice, is applied once.
  apply({noop(1, 1), put(2, 1, "k", "first", 7, 1), put(3, 1, "k", "other")});
  auto retry = apply({put(4, 1, "k", "first", 7, 1)});
  ASSERT_EQ(retry.results_size(), 1);
  EXPECT_EQ(retry.results(0).index(), 4u);
  EXPECT_EQ(retry.results(0).responses(0).status(), kv::STATUS_OK);
  EXPECT_EQ(retry.results(0).responses(0).index(), 2u); // the first answer, cached
  EXPECT_EQ(db->get(1, "k"), "other");                  // not applied again
}

TEST_P(StorageReplica, AnEntryThatIsNotACommandBatchIsCorrupt) {
  // A peer's bytes can put it into a committed log: an error, not an assertion.
  auto garbage = put(2, 1, "k", "v");
  garbage.set_data("\xff\xff\xff");
  auto batch = db->make_batch();
  auto applied = replica.apply(apply_of({noop(1, 1), garbage}), batch);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, errc::corrupt);
  EXPECT_NE(applied.error().detail.find("index 2 of shard 1 is not a CommandBatch"),
            std::string::npos)
    << applied.error().detail;
  EXPECT_EQ(db->applied(1).applied_index(), 0u);
}

TEST_P(StorageReplicaDeathTest, ApplyOfAnUntypedEntryOrAGapIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto refused = [&](raft::Entry entry, const char* why) {
    auto batch = db->make_batch();
    EXPECT_DEATH(EXPECT_TRUE(replica.apply(apply_of({noop(1, 1), std::move(entry)}), batch).ok()),
                 why);
  };
  auto untyped = put(2, 1, "k", "v");
  untyped.set_type(raft::ENTRY_TYPE_UNSPECIFIED);
  refused(untyped, "neither NORMAL nor NOOP");
  refused(put(3, 1, "k", "v"), "would skip entries"); // skips index 2
  EXPECT_EQ(db->applied(1).applied_index(), 0u);
}

// The load carries the log after the compaction point, not the shard's data:
// the store, at the applied index, is the snapshot behind that point.
TEST_P(StorageReplica, CompactedLogLoadsItsTailAndTheStoreHoldsTheDataAtTheAppliedIndex) {
  persist(persist_of({noop(1, 1), put(2, 1, "a", "1"), put(3, 2, "b", "2"), put(4, 2, "c", "3")},
                     hard_state(2, "n1", 4)));
  apply({noop(1, 1), put(2, 1, "a", "1"), put(3, 2, "b", "2")});
  compact(2);
  auto state = replica.load();
  EXPECT_EQ(state.log_state().snapshot_index(), 2u);
  EXPECT_EQ(state.log_state().snapshot_term(), 1u);
  EXPECT_EQ(indexes_of(state), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(state.applied().applied_index(), 3u);
  auto data = db->export_shard(1);
  EXPECT_EQ(data.applied_index(), 3u); // the applied index, not the compaction point
  EXPECT_EQ(data.applied_term(), 2u);
  EXPECT_EQ(data.data_size(), 2);
}

// Records that disagree about the indexes (damage, or files mixed from two data
// directories) are refused at load, naming what disagrees, instead of reaching
// the Raft core's assertions and stopping every shard of the node.
TEST_P(StorageReplica, IndexesThatDisagreeAreRefusedAtLoad) {
  auto refused_saying = [&](const std::string& fragment) {
    try {
      auto state = replica.load();
      ADD_FAILURE() << "loaded, commit " << state.hard_state().commit() << ", applied "
                    << state.applied().applied_index();
    } catch (const engine_error& e) {
      EXPECT_EQ(e.error().code, errc::corrupt);
      EXPECT_NE(std::string{e.what()}.find(fragment), std::string::npos) << e.what();
    }
  };
  persist(persist_of({noop(1, 1), put(2, 1, "a", "1")}, hard_state(1, "n1", 5)));
  refused_saying("shard 1 has a commit index of 5 beyond its last log index 2");

  persist(persist_of({put(3, 1, "b", "1")}, hard_state(1, "n1", 1)));
  apply({noop(1, 1), put(2, 1, "a", "1"), put(3, 1, "b", "1")});
  refused_saying("shard 1 applied up to 3 beyond its commit index 1");

  persist(persist_of({}, hard_state(1, "n1", 3)));
  compact(3);
  persist(persist_of({}, hard_state(1, "n1", 2)));
  refused_saying("shard 1 has a commit index of 2 below its compaction point 3");

  persist(persist_of({}, hard_state(1, "n1", 3)));
  EXPECT_EQ(replica.load().hard_state().commit(), 3u); // consistent again: loads
}

TEST_P(StorageReplicaDeathTest, CompactionBeyondTheAppliedIndexIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  persist(persist_of({noop(1, 1), put(2, 1, "a", "1")}));
  apply({noop(1, 1)});
  auto batch = db->make_batch();
  EXPECT_DEATH(replica.compact(2, batch), "compaction beyond the applied index");
  EXPECT_TRUE(batch.empty());
}

TEST_P(StorageReplica, CompactionAtOrBeforeTheCompactionPointChangesNothing) {
  persist(persist_of({noop(1, 1), put(2, 1, "a", "1"), put(3, 1, "b", "1")}));
  apply({noop(1, 1), put(2, 1, "a", "1"), put(3, 1, "b", "1")});
  compact(2);
  auto batch = db->make_batch();
  replica.compact(1, batch);
  replica.compact(2, batch);
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(db->log_state(1).snapshot_index(), 2u);
}

// replica_storage keeps the log's bounds in memory and scans the store only
// when a persist replaces a suffix. One of two replicas is rebuilt from its
// committed records before every step of a random run (appends, suffixes
// replaced from any point after the applied index, entries the compaction
// point covers, applies, compactions, installed snapshots): both must leave
// the same state, and it must be the model's log (no suffix left behind).
TEST_P(StorageReplica, BoundsKeptInMemoryMatchARebuildFromDiskAtEveryStep) {
  auto kept_db = stores.open_ok("kept", "kept");
  auto rebuilt_db = stores.open_ok("rebuilt", "rebuilt");
  replica_storage kept{*kept_db, 1};
  std::unique_ptr<replica_storage> rebuilt;
  std::mt19937 prng{20261203};
  auto pick = [&](uint64_t n) { return n == 0 ? 0 : prng() % n; };
  uint64_t last = 0, compacted = 0, applied = 0, term = 1;
  std::map<std::string, int> steps;
  auto both = [&](auto&& stage, bool sync) {
    rebuilt = std::make_unique<replica_storage>(*rebuilt_db, 1);
    for (auto [db, r] :
         {std::pair{kept_db.get(), &kept}, std::pair{rebuilt_db.get(), rebuilt.get()}}) {
      auto batch = db->make_batch();
      stage(*r, batch);
      ASSERT_TRUE(succeeded(db->commit(batch, sync)));
    }
  };
  for (int step = 0; step < 400; ++step) {
    auto what = pick(10);
    if (what < 5) { // persist: append, or replace a suffix after the applied index
      auto from = pick(4) == 0
                    ? std::max(applied, compacted) + 1 + pick(last - std::max(applied, compacted))
                    : last + 1;
      std::vector<raft::Entry> entries;
      if (compacted > 0 && pick(6) == 0) {
        // A leader sends again from before the compaction point: what is
        // stored, then new entries; persist skips the covered one.
        from = compacted;
        entries.push_back(put(compacted, term, "covered", "x"));
        auto stored = kept_db->entries(1, compacted + 1, last + 1, UINT64_MAX);
        ASSERT_TRUE(stored.ok());
        entries.insert(entries.end(), stored->begin(), stored->end());
      } else if (from <= last) {
        ++term; // a new leader's entries replace the suffix
      }
      auto next = entries.empty() ? from : last + 1;
      for (auto n = 1 + pick(4); n > 0; --n)
        entries.push_back(put(next++, term, "k" + std::to_string(pick(5)), std::to_string(step)));
      steps[from <= compacted ? "covered" : from <= last ? "suffix" : "append"]++;
      both([&](replica_storage& r, write_batch& b) { r.persist(persist_of(entries), b); }, true);
      last = entries.back().index();
    } else if (what < 8 && applied < last) { // apply what is stored
      auto to = applied + 1 + pick(last - applied);
      auto stored = kept_db->entries(1, applied + 1, to + 1, UINT64_MAX);
      ASSERT_TRUE(stored.ok());
      steps["apply"]++;
      // A ready that commits them: its commit index rides with the applies.
      auto ready = applying({stored->begin(), stored->end()}, hard_state(term, "", to));
      both(
        [&](replica_storage& r, write_batch& b) {
          r.persist(ready, b);
          ASSERT_TRUE(r.apply(ready.committed(), b).ok());
        },
        false);
      applied = to;
    } else if (what < 9 && compacted < applied) {
      auto index = compacted + 1 + pick(applied - compacted);
      steps["compact"]++;
      both([&](replica_storage& r, write_batch& b) { r.compact(index, b); }, false);
      compacted = index;
    } else if (what == 9) { // a snapshot from the leader replaces everything
      auto index = std::max(last, applied) + pick(3);
      steps["snapshot"]++;
      PersistRequest request;
      *request.mutable_snapshot() = snapshot_at(1, index, term, "k", std::to_string(step));
      *request.mutable_hard_state() = hard_state(term, "", index);
      both([&](replica_storage& r, write_batch& b) { r.persist(request, b); }, true);
      last = compacted = applied = index;
    }
    ASSERT_EQ(kept.load().SerializeAsString(), rebuilt->load().SerializeAsString())
      << "step " << step;
    ASSERT_EQ(kept_db->last_index(1), last) << "step " << step;
    ASSERT_EQ(kept_db->log_state(1).snapshot_index(), compacted) << "step " << step;
  }
  for (auto kind : {"append", "suffix", "covered", "apply", "compact", "snapshot"})
    EXPECT_GT(steps[kind], 0) << kind;
}

INSTANTIATE_TEST_SUITE_P(Stores, StorageReplica,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);
INSTANTIATE_TEST_SUITE_P(Stores, StorageReplicaDeathTest,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);

} // namespace
