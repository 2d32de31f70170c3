// Crash recovery over both stores (RocksDB, memory): what a synced commit
// promises, what an unsynced one does not, the replica's restart after losing
// its unsynced applies (nothing applied twice, nothing acknowledged lost), and
// damaged records refused with a message that says what is damaged. The
// memory store's crash model itself (exactly the unsynced commits lost, or a
// prefix of them kept) is checked here too, since the whole-node simulation
// relies on it.
#include <gtest/gtest.h>

#include "actors/storage/core/key_layout.hpp"
#include "actors/storage/core/replica_storage.hpp"
#include "storage_test_dir.hpp"
#include "storage_test_entries.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using namespace keel::storage::test::raft_entries;
using keel::storage::test::store_kind;
using keel::storage::test::succeeded;
using keel::storage::test::test_stores;

struct StorageCrash : ::testing::TestWithParam<store_kind> {
  test_stores stores{GetParam()};

  static void commit_put(engine& db, const std::string& key, bool sync) {
    auto batch = db.make_batch();
    batch.put(0, key, "v-" + key);
    ASSERT_TRUE(succeeded(db.commit(batch, sync)));
  }

  /// Which of k1..k5 the engine holds, e.g. "k1 k2".
  static std::string present(const engine& db) {
    std::string out;
    for (int i = 1; i <= 5; ++i) {
      auto key = "k" + std::to_string(i);
      if (db.get(0, key)) {
        EXPECT_EQ(db.get(0, key), "v-" + key);
        out += (out.empty() ? "" : " ") + key;
      }
    }
    return out;
  }
};

TEST_P(StorageCrash, SyncedCommitsSurviveAndWhatSurvivesIsAPrefix) {
  {
    auto db = stores.open_ok("n1");
    ASSERT_TRUE(db);
    commit_put(*db, "k1", false);
    commit_put(*db, "k2", true); // makes k1 durable too
    commit_put(*db, "k3", false);
    commit_put(*db, "k4", false);
  }
  stores.crash("n1");
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto found = present(*db);
  // A crash of the machine loses the unsynced commits after the last synced
  // one; a crash of the process (all RocksDB can show in-process) loses none.
  if (GetParam() == store_kind::memory)
    EXPECT_EQ(found, "k1 k2");
  else
    EXPECT_EQ(found, "k1 k2 k3 k4");
}

// Group commit (engine::commit_for_sync, then sync_through): one sync makes
// every commit that returned before it durable, a ticket that a sync already
// covered costs no second one, and a commit after the sync is not covered.
TEST_P(StorageCrash, OneSyncCoversEveryCommitThatReturnedBeforeIt) {
  {
    auto db = stores.open_ok("n1");
    ASSERT_TRUE(db);
    auto first = db->make_batch();
    first.put(0, "k1", "v-k1");
    auto t1 = db->commit_for_sync(first);
    auto second = db->make_batch();
    second.put(1, "k2", "v-k2"); // another shard: one log for the whole node
    auto t2 = db->commit_for_sync(second);
    ASSERT_TRUE(t1.ok() && t2.ok());
    EXPECT_LT(*t1, *t2);
    auto syncs = db->sync_count();
    auto synced = db->sync_through(*t1);
    ASSERT_TRUE(synced.ok());
    EXPECT_TRUE(*synced);
    auto again = db->sync_through(*t2); // the first sync covered it
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
    EXPECT_EQ(db->sync_count(), syncs + 1);
    EXPECT_EQ(db->synced_commit_count(), 0u); // neither commit synced on its own
    commit_put(*db, "k3", false);
  }
  stores.crash("n1");
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  std::string found;
  for (auto [shard, key] : {std::pair{0u, "k1"}, std::pair{1u, "k2"}, std::pair{0u, "k3"}})
    if (db->get(shard, key))
      found += (found.empty() ? "" : " ") + std::string{key};
  if (GetParam() == store_kind::memory)
    EXPECT_EQ(found, "k1 k2");
  else
    EXPECT_EQ(found, "k1 k2 k3");
}

TEST_P(StorageCrash, ReplicaRestartsFromItsSyncedLogAndReappliesWhatItLost) {
  {
    auto db = stores.open_ok("n1");
    ASSERT_TRUE(db);
    replica_storage replica{*db, 1};
    auto batch = db->make_batch();
    replica.persist(
      persist_of({put(1, 1, "a", "1", 7, 1), put(2, 1, "a", "2", 7, 2), put(3, 1, "b", "3")},
                 hard_state(1, "n1", 3)),
      batch);
    ASSERT_TRUE(succeeded(db->commit(batch, true))); // the log is synced before anything is sent
    auto first = db->make_batch();
    ASSERT_TRUE(succeeded(replica.apply(apply_of({put(1, 1, "a", "1", 7, 1)}), first)));
    ASSERT_TRUE(succeeded(db->commit(first, true)));
    auto rest = db->make_batch(); // applies are not synced: the log has them
    ASSERT_TRUE(
      succeeded(replica.apply(apply_of({put(2, 1, "a", "2", 7, 2), put(3, 1, "b", "3")}), rest)));
    ASSERT_TRUE(succeeded(db->commit(rest, false)));
  }
  stores.crash("n1");
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  replica_storage replica{*db, 1};
  auto state = replica.load();
  EXPECT_EQ(indexes_of(state), (std::vector<uint64_t>{1, 2, 3})); // the synced log is whole
  EXPECT_EQ(state.hard_state().commit(), 3u);
  auto applied = state.applied().applied_index();
  if (GetParam() == store_kind::memory) {
    EXPECT_EQ(applied, 1u);
    EXPECT_EQ(db->get(1, "a"), "1"); // data and applied index agree
    EXPECT_EQ(db->get(1, "b"), std::nullopt);
  } else {
    EXPECT_EQ(applied, 3u);
  }
  // The restarted replica applies the committed entries again; what was
  // applied before the crash is skipped, the rest applies once.
  auto batch = db->make_batch();
  std::vector<raft::Entry> committed{state.entries().begin(), state.entries().end()};
  auto result = replica.apply(apply_of(committed), batch);
  ASSERT_TRUE(succeeded(result));
  ASSERT_TRUE(succeeded(db->commit(batch, false)));
  EXPECT_EQ(result->results_size(), static_cast<int>(3 - applied));
  EXPECT_EQ(db->get(1, "a"), "2");
  EXPECT_EQ(db->get(1, "b"), "3");
  EXPECT_EQ(db->applied(1).applied_index(), 3u);
  ASSERT_TRUE(db->session(1, 7));
  EXPECT_EQ(db->session(1, 7)->last_seq(), 2u);
}

// A ready that only moves the commit index is not synced (raft::ready::
// must_sync): its hard state and its applies are one unsynced batch (the
// storage actor stages a ready's persist, then its applies), so a crash
// keeps or loses the commit index together with the applies it allowed, and a
// restart never finds an applied index beyond the stored commit index.
TEST_P(StorageCrash, ACommitIndexRidingWithAnApplyIsKeptOrLostWithIt) {
  {
    auto db = stores.open_ok("n1");
    ASSERT_TRUE(db);
    replica_storage replica{*db, 1};
    auto batch = db->make_batch();
    replica.persist(persist_of({put(1, 1, "a", "1"), put(2, 1, "b", "2")}, hard_state(1, "n1", 0)),
                    batch);
    ASSERT_TRUE(succeeded(db->commit(batch, true)));
    auto ready = applying({put(1, 1, "a", "1"), put(2, 1, "b", "2")}, hard_state(1, "n1", 2));
    auto applied = db->make_batch();
    replica.persist(ready, applied);
    ASSERT_TRUE(succeeded(replica.apply(ready.committed(), applied)));
    ASSERT_TRUE(succeeded(db->commit(applied, false)));
    auto loaded = replica.load();
    EXPECT_EQ(loaded.hard_state().commit(), 2u); // written, though not synced
  }
  stores.crash("n1");
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto state = replica_storage{*db, 1}.load();
  EXPECT_EQ(state.hard_state().term(), 1u); // term and vote were synced
  EXPECT_EQ(state.hard_state().vote(), "n1");
  auto commit = state.hard_state().commit();
  EXPECT_EQ(state.applied().applied_index(), commit); // kept or lost together
  EXPECT_EQ(commit, GetParam() == store_kind::memory ? 0u : 2u);
}

TEST_P(StorageCrash, DamagedRecordIsRefusedNamingItsType) {
  {
    auto store = stores.raw_store("n1");
    ASSERT_TRUE(store);
    {
      auto db = keel::storage::test::opened_ok(engine::open(store, "n1", 4));
      ASSERT_TRUE(db);
    }
    auto batch = store->make_batch();
    batch->put(family::meta, key_layout::applied_key(1), "\xff\xff not a record");
    ASSERT_TRUE(succeeded(store->commit(*batch, true)));
  }
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  try {
    auto applied = db->applied(1);
    ADD_FAILURE() << "a damaged applied state was read as index " << applied.applied_index();
  } catch (const engine_error& e) {
    EXPECT_EQ(e.error().code, errc::corrupt);
    EXPECT_NE(std::string{e.what()}.find("keel.storage.AppliedState record does not parse"),
              std::string::npos)
      << e.what();
  }
  EXPECT_THROW(replica_storage(*db, 1).load(), engine_error);
  EXPECT_EQ(db->applied(0).applied_index(), 0u); // the other shards still read
}

TEST_P(StorageCrash, DamagedIdentityRefusesToOpen) {
  {
    auto store = stores.raw_store("n1");
    ASSERT_TRUE(store);
    auto batch = store->make_batch();
    batch->put(family::identity, key_layout::identity_key, "\xff\xff not a record");
    ASSERT_TRUE(succeeded(store->commit(*batch, true)));
  }
  auto error = stores.open_error("n1");
  EXPECT_NE(error.find("cannot read the node identity of"), std::string::npos) << error;
  EXPECT_NE(error.find("NodeIdentity record does not parse"), std::string::npos) << error;
}

TEST_P(StorageCrash, DamagedPeerIncarnationRefusesToOpen) {
  {
    auto store = stores.raw_store("n1");
    ASSERT_TRUE(store);
    {
      auto db = keel::storage::test::opened_ok(engine::open(store, "n1", 4));
      ASSERT_TRUE(db);
      ASSERT_TRUE(succeeded(db->remember_peer_incarnation("n2", 7)));
    }
    // A record filed under n3 that names n2: no engine wrote it.
    PeerIncarnation moved;
    moved.set_node_id("n2");
    moved.set_incarnation(9);
    auto batch = store->make_batch();
    batch->put(family::identity, key_layout::peer_incarnation_key("n3"), moved.SerializeAsString());
    ASSERT_TRUE(succeeded(store->commit(*batch, true)));
  }
  auto error = stores.open_error("n1");
  EXPECT_NE(error.find("peer incarnation record 'peer/n3' does not match its key"),
            std::string::npos)
    << error;
}

// A directory written before incarnations existed keeps its history, so it
// may take one at its next open, and keeps that one from then on.
TEST_P(StorageCrash, IdentityWithoutIncarnationGetsOneOnceAndKeepsIt) {
  {
    auto store = stores.raw_store("n1");
    ASSERT_TRUE(store);
    NodeIdentity old;
    old.set_node_id("n1");
    old.set_shards(4);
    old.set_format(key_layout::format_version);
    auto batch = store->make_batch();
    batch->put(family::identity, key_layout::identity_key, old.SerializeAsString());
    batch->put(family::data, key_layout::data_key(0, "k"), "v");
    ASSERT_TRUE(succeeded(store->commit(*batch, true)));
  }
  uint64_t given = 0;
  {
    auto db = stores.open_ok("n1");
    ASSERT_TRUE(db);
    given = db->incarnation();
    EXPECT_NE(given, 0u);
    EXPECT_EQ(db->get(0, "k"), "v");
  }
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->incarnation(), given);
}

TEST_P(StorageCrash, DataWithoutIdentityIsNotAFreshStart) {
  {
    auto store = stores.raw_store("n1");
    ASSERT_TRUE(store);
    auto batch = store->make_batch();
    batch->put(family::data, key_layout::data_key(0, "k"), "v");
    ASSERT_TRUE(succeeded(store->commit(*batch, true)));
  }
  auto error = stores.open_error("n1");
  EXPECT_NE(error.find("not a keel data directory"), std::string::npos) << error;
  EXPECT_NE(error.find("no node identity record"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(Stores, StorageCrash,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);

// --- the memory store's crash model -----------------------------------------

TEST(MemoryStoreCrash, KeepsAPrefixOfTheUnsyncedCommitsWhenAsked) {
  auto store = std::make_shared<memory_store>();
  {
    auto db = keel::storage::test::open_memory_ok(store);
    ASSERT_TRUE(db);
    for (auto key : {"k1", "k2", "k3"})
      StorageCrash::commit_put(*db, key, false);
  }
  // The identity record was synced when the engine opened.
  EXPECT_EQ(store->unsynced_commits(), 3u);
  store->crash(2);
  EXPECT_EQ(store->unsynced_commits(), 0u);
  auto db = keel::storage::test::open_memory_ok(store);
  ASSERT_TRUE(db);
  EXPECT_EQ(StorageCrash::present(*db), "k1 k2");
  db.reset();
  store->crash(); // what survived a crash is on disk: a second one keeps it
  db = keel::storage::test::open_memory_ok(store);
  EXPECT_EQ(StorageCrash::present(*db), "k1 k2");
}

// The planted bug the whole-node simulation must catch: a sync that returns
// before its commits are durable, which make it only with the next sync.
TEST(MemoryStoreCrash, ALyingSyncMakesDurableOnlyWhatTheSyncBeforeItCovered) {
  auto store = std::make_shared<memory_store>();
  auto db = keel::storage::test::open_memory_ok(store);
  ASSERT_TRUE(db);
  store->make_syncs_lie();
  StorageCrash::commit_put(*db, "k1", true); // reported durable, is not yet
  StorageCrash::commit_put(*db, "k2", false);
  EXPECT_EQ(store->unsynced_commits(), 2u);
  StorageCrash::commit_put(*db, "k3", true); // makes k1 durable, not k2 or k3
  EXPECT_EQ(store->unsynced_commits(), 2u);
  db.reset();
  store->crash();
  db = keel::storage::test::open_memory_ok(store);
  ASSERT_TRUE(db);
  EXPECT_EQ(StorageCrash::present(*db), "k1");
  StorageCrash::commit_put(*db, "k4", true);
  ASSERT_TRUE(succeeded(store->sync())); // the second sync covers k4
  db.reset();
  store->crash();
  db = keel::storage::test::open_memory_ok(store);
  EXPECT_EQ(StorageCrash::present(*db), "k1 k4");
}

TEST(MemoryStoreCrash, FailedCommitChangesNothingAndSaysWhy) {
  auto store = std::make_shared<memory_store>("disk-7");
  auto db = keel::storage::test::open_memory_ok(store);
  ASSERT_TRUE(db);
  store->fail_next_commit("I/O error: no space left on device");
  auto batch = db->make_batch();
  batch.put(0, "k1", "v-k1");
  auto failed = db->commit(batch, true);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, errc::io);
  const auto& detail = failed.error().detail;
  EXPECT_NE(detail.find("commit to disk-7 failed: I/O error"), std::string::npos) << detail;
  EXPECT_EQ(db->get(0, "k1"), std::nullopt);
  EXPECT_EQ(db->commit_count(), 0u);
  ASSERT_TRUE(succeeded(db->commit(batch, true))); // the batch is intact: a retry can succeed
  EXPECT_EQ(db->get(0, "k1"), "v-k1");
}

TEST(MemoryStoreCrash, FailedSyncMakesNothingDurableAndSaysWhy) {
  auto store = std::make_shared<memory_store>("disk-7");
  auto db = keel::storage::test::open_memory_ok(store);
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  batch.put(0, "k1", "v-k1");
  auto ticket = db->commit_for_sync(batch);
  ASSERT_TRUE(ticket.ok());
  store->fail_next_commit("I/O error: fsync failed");
  auto failed = db->sync_through(*ticket);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, errc::io);
  EXPECT_NE(failed.error().detail.find("sync of disk-7 failed: I/O error"), std::string::npos)
    << failed.error().detail;
  EXPECT_EQ(store->unsynced_commits(), 1u);
  EXPECT_EQ(db->sync_count(), 0u);
}

} // namespace
