// The storage engine over both stores (RocksDB in a temporary directory, and
// memory): batches, the Raft log, durability across reopen, snapshot
// export/import, the node identity check; and, on RocksDB, refusal of damaged
// or foreign data directories with the damaged file named.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "actors/storage/core/key_layout.hpp"
#include "actors/storage/core/memory_store.hpp"
#include "actors/storage/core/store_records.hpp"
#include "actors/storage/engine/engine.hpp"
#include "storage_test_dir.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using keel::storage::test::code_of;
using keel::storage::test::files_ending;
using keel::storage::test::ok_or;
using keel::storage::test::open_error;
using keel::storage::test::open_ok;
using keel::storage::test::overwrite_with_garbage;
using keel::storage::test::store_kind;
using keel::storage::test::succeeded;
using keel::storage::test::temp_dir;
using keel::storage::test::test_stores;
namespace fs = std::filesystem;

raft::Entry entry(uint64_t index, uint64_t term, const std::string& data = "") {
  raft::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_type(raft::ENTRY_NORMAL);
  e.set_data(data.empty() ? "entry-" + std::to_string(index) : data);
  return e;
}

std::vector<raft::Entry> entries(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<raft::Entry> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(entry(i, term));
  return out;
}

void commit_ok(engine& db, write_batch& batch, bool sync = true) {
  ASSERT_TRUE(succeeded(db.commit(batch, sync)));
}

std::vector<raft::Entry> read_entries(const engine& db, uint32_t shard, uint64_t lo, uint64_t hi,
                                      uint64_t max_bytes = UINT64_MAX) {
  return ok_or(db.entries(shard, lo, hi, max_bytes));
}

uint64_t term_ok(const engine& db, uint32_t shard, uint64_t index) {
  return ok_or(db.term(shard, index));
}

/// The engine tests that hold for every kv_store, over RocksDB and memory.
struct StorageEngine : ::testing::TestWithParam<store_kind> {
  test_stores stores{GetParam()};
};

/// Broken invariants of the engine's callers: KEEL_ASSERT stops the process.
struct StorageEngineDeathTest : StorageEngine {};

ClientSession session_with(uint64_t seq, kv::Status status) {
  ClientSession s;
  s.set_last_seq(seq);
  s.mutable_last_response()->set_status(status);
  return s;
}

TEST_P(StorageEngine, BatchSeesItsOwnWritesButTheEngineOnlyCommittedOnes) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  batch.put(0, "k", "v1");
  EXPECT_EQ(batch.get(0, "k"), "v1");
  EXPECT_EQ(db->get(0, "k"), std::nullopt);
  batch.put(0, "k", "v2");
  EXPECT_EQ(batch.get(0, "k"), "v2");
  commit_ok(*db, batch);
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(db->get(0, "k"), "v2");
  auto next = db->make_batch();
  next.del(0, "k");
  EXPECT_EQ(next.get(0, "k"), std::nullopt);
  EXPECT_EQ(db->get(0, "k"), "v2");
  commit_ok(*db, next);
  EXPECT_EQ(db->get(0, "k"), std::nullopt);
}

TEST_P(StorageEngine, ShardsAreKeptApart) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  batch.put(0, "k", "zero");
  batch.put(3, "k", "three");
  AppliedState applied;
  applied.set_applied_index(5);
  batch.set_applied(3, applied);
  commit_ok(*db, batch);
  EXPECT_EQ(db->get(0, "k"), "zero");
  EXPECT_EQ(db->get(3, "k"), "three");
  EXPECT_EQ(db->get(1, "k"), std::nullopt);
  EXPECT_EQ(db->applied(3).applied_index(), 5u);
  EXPECT_EQ(db->applied(0).applied_index(), 0u);
}

// The write pattern of a loaded node: every batch appends to each shard's log
// and rewrites its sessions and applied index, shard after shard, and old
// entries are compacted away meanwhile. On RocksDB these inserts start from a
// hint per shard and record kind (key_layout::*_hint_prefix_bytes): whatever
// order they arrive in, each shard must read back exactly its own.
TEST_P(StorageEngine, InterleavedShardsReadBackTheirOwnLogsAndRecords) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  constexpr uint32_t shards = 4;
  constexpr uint64_t rounds = 300;
  for (uint64_t index = 1; index <= rounds; ++index) {
    auto batch = db->make_batch();
    for (uint32_t turn = 0; turn < shards; ++turn) {
      uint32_t shard = (turn + index) % shards; // a different shard first each round
      batch.append(shard, {entry(index, 1, std::to_string(shard) + "/" + std::to_string(index))});
      batch.put(shard, "key-" + std::to_string(index % 7), std::to_string(index));
      batch.set_session(shard, index % 5, session_with(index, kv::STATUS_OK));
      AppliedState applied;
      applied.set_applied_index(index);
      batch.set_applied(shard, applied);
      if (index % 50 == 0) {
        LogState state;
        state.set_snapshot_index(index - 10);
        state.set_snapshot_term(1);
        batch.compact(shard, state);
      }
    }
    commit_ok(*db, batch, false);
  }
  for (uint32_t shard = 0; shard < shards; ++shard) {
    SCOPED_TRACE(shard);
    EXPECT_EQ(db->first_index(shard), rounds - 9);
    EXPECT_EQ(db->last_index(shard), rounds);
    auto log = read_entries(*db, shard, rounds - 9, rounds + 1);
    ASSERT_EQ(log.size(), 10u);
    for (uint64_t i = 0; i < log.size(); ++i)
      EXPECT_EQ(log[i].data(), std::to_string(shard) + "/" + std::to_string(rounds - 9 + i));
    EXPECT_EQ(db->applied(shard).applied_index(), rounds);
    for (uint64_t client = 0; client < 5; ++client) {
      ASSERT_TRUE(db->session(shard, client));
      EXPECT_EQ(db->session(shard, client)->last_seq(), rounds - (rounds - client) % 5);
    }
    EXPECT_EQ(db->sessions(shard).size(), 5u);
    EXPECT_EQ(db->get(shard, "key-" + std::to_string(rounds % 7)), std::to_string(rounds));
  }
}

TEST_P(StorageEngineDeathTest, AShardTheNodeDoesNotHaveIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  EXPECT_DEATH(EXPECT_EQ(db->get(4, "k"), std::nullopt), "a shard this node does not have");
  EXPECT_DEATH(batch.put(4, "k", "v"), "a shard this node does not have");
}

TEST_P(StorageEngine, AppliedIndexIsCommittedWithTheDataItDescribes) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  {
    // A batch that is never committed leaves neither data nor applied index.
    auto abandoned = db->make_batch();
    abandoned.put(1, "k", "v");
    AppliedState applied;
    applied.set_applied_index(1);
    abandoned.set_applied(1, applied);
    EXPECT_EQ(abandoned.applied(1).applied_index(), 1u);
  }
  EXPECT_EQ(db->applied(1).applied_index(), 0u);
  EXPECT_EQ(db->get(1, "k"), std::nullopt);
  auto batch = db->make_batch();
  batch.put(1, "k", "v");
  AppliedState applied;
  applied.set_applied_index(1);
  applied.set_applied_term(2);
  batch.set_applied(1, applied);
  commit_ok(*db, batch);
  EXPECT_EQ(db->applied(1).applied_index(), 1u);
  EXPECT_EQ(db->applied(1).applied_term(), 2u);
  EXPECT_EQ(db->get(1, "k"), "v");
}

TEST_P(StorageEngine, CommitCountsOnlyNonEmptyCommitsAndWhichWereSynced) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  commit_ok(*db, batch);
  EXPECT_EQ(db->commit_count(), 0u);
  batch.put(0, "a", "1");
  batch.put(0, "b", "2");
  EXPECT_EQ(batch.count(), 2u);
  commit_ok(*db, batch, false);
  EXPECT_EQ(db->commit_count(), 1u);
  EXPECT_EQ(db->synced_commit_count(), 0u);
  batch.put(0, "c", "3");
  commit_ok(*db, batch, true);
  EXPECT_EQ(db->commit_count(), 2u);
  EXPECT_EQ(db->synced_commit_count(), 1u);
}

TEST_P(StorageEngine, LogAppendReadsBackWithTermsAndByteLimit) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->first_index(2), 1u);
  EXPECT_EQ(db->last_index(2), 0u);
  auto batch = db->make_batch();
  batch.append(2, entries(1, 10, 1));
  commit_ok(*db, batch);
  EXPECT_EQ(db->first_index(2), 1u);
  EXPECT_EQ(db->last_index(2), 10u);
  EXPECT_EQ(db->last_index(1), 0u);
  auto some = read_entries(*db, 2, 3, 7);
  ASSERT_EQ(some.size(), 4u);
  EXPECT_EQ(some.front().index(), 3u);
  EXPECT_EQ(some.back().index(), 6u);
  EXPECT_EQ(some[1].data(), "entry-4");
  EXPECT_EQ(term_ok(*db, 2, 10), 1u);
  EXPECT_EQ(term_ok(*db, 2, 0), 0u);
  // max_bytes stops before the limit would be exceeded, but returns at least one.
  auto one_size = entry(3, 1).ByteSizeLong();
  EXPECT_EQ(read_entries(*db, 2, 3, 11, 2 * one_size).size(), 2u);
  EXPECT_EQ(read_entries(*db, 2, 3, 11, 1).size(), 1u);
  EXPECT_TRUE(read_entries(*db, 2, 4, 4).empty());
  EXPECT_EQ(code_of(db->entries(2, 5, 12, UINT64_MAX)), errc::unavailable);
  EXPECT_EQ(code_of(db->term(2, 11)), errc::unavailable);
  EXPECT_EQ(code_of(db->entries(2, 0, 3, UINT64_MAX)), errc::compacted);
}

TEST_P(StorageEngine, AppendOverwritesAConflictingSuffix) {
  // §5.3: an entry that conflicts with a new one is deleted with all that follow.
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  batch.append(0, entries(1, 5, 1));
  commit_ok(*db, batch);
  batch.append(0, entries(3, 4, 2));
  EXPECT_EQ(batch.count(), 3u); // delete entry 5, put 3 and 4
  commit_ok(*db, batch);
  EXPECT_EQ(db->last_index(0), 4u);
  EXPECT_EQ(term_ok(*db, 0, 2), 1u);
  EXPECT_EQ(term_ok(*db, 0, 3), 2u);
  EXPECT_EQ(term_ok(*db, 0, 4), 2u);
  // Within one batch, the batch's own appends count as the log.
  batch.append(0, entries(5, 6, 2));
  batch.append(0, entries(6, 6, 3));
  commit_ok(*db, batch);
  EXPECT_EQ(db->last_index(0), 6u);
  EXPECT_EQ(term_ok(*db, 0, 6), 3u);
}

TEST_P(StorageEngineDeathTest, AppendWithAGapOrAtACompactedIndexIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  EXPECT_DEATH(batch.append(0, entries(2, 3, 1)), "gap after the last index");
  EXPECT_DEATH(batch.append(0, {entry(1, 1), entry(3, 1)}), "not consecutive");
  batch.append(0, entries(1, 4, 1));
  LogState state;
  state.set_snapshot_index(2);
  state.set_snapshot_term(1);
  batch.compact(0, state);
  commit_ok(*db, batch);
  EXPECT_DEATH(batch.append(0, entries(2, 3, 2)), "at or before the compaction point");
  state.set_snapshot_index(1);
  EXPECT_DEATH(batch.compact(0, state), "compaction point going backwards");
}

TEST_P(StorageEngine, TruncateSuffixDropsEntriesFromAnIndex) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  batch.append(1, entries(1, 8, 3));
  commit_ok(*db, batch);
  batch.truncate_suffix(1, 6);
  commit_ok(*db, batch);
  EXPECT_EQ(db->last_index(1), 5u);
  EXPECT_EQ(code_of(db->term(1, 6)), errc::unavailable);
  EXPECT_EQ(read_entries(*db, 1, 1, 6).size(), 5u);
}

TEST_P(StorageEngine, CompactionDropsThePrefixAndRemembersItsTerm) {
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  auto batch = db->make_batch();
  batch.append(1, entries(1, 4, 1));
  batch.append(1, entries(5, 8, 2));
  commit_ok(*db, batch);
  LogState state;
  state.set_snapshot_index(5);
  state.set_snapshot_term(2);
  batch.compact(1, state);
  EXPECT_EQ(batch.log_state(1).snapshot_index(), 5u); // the batch sees its own compaction
  EXPECT_EQ(db->log_state(1).snapshot_index(), 0u);   // the engine only committed state
  commit_ok(*db, batch);
  EXPECT_EQ(db->log_state(1).snapshot_index(), 5u);
  EXPECT_EQ(db->first_index(1), 6u);
  EXPECT_EQ(db->last_index(1), 8u);
  EXPECT_EQ(term_ok(*db, 1, 5), 2u);
  EXPECT_EQ(code_of(db->term(1, 4)), errc::compacted);
  EXPECT_EQ(code_of(db->entries(1, 5, 9, UINT64_MAX)), errc::compacted);
  EXPECT_EQ(read_entries(*db, 1, 6, 9).size(), 3u);
  // A snapshot beyond the log (installed from a leader) empties it.
  state.set_snapshot_index(20);
  state.set_snapshot_term(4);
  batch.compact(1, state);
  commit_ok(*db, batch);
  EXPECT_EQ(db->first_index(1), 21u);
  EXPECT_EQ(db->last_index(1), 20u);
  EXPECT_EQ(term_ok(*db, 1, 20), 4u);
  batch.append(1, entries(21, 21, 4));
  commit_ok(*db, batch);
  EXPECT_EQ(db->last_index(1), 21u);
}

// The compaction deletes entries by index, without reading them back: no key
// of the log at or before the compaction point may stay behind, including
// the point itself and every entry up to a snapshot beyond the log.
TEST(StorageEngineLog, CompactionLeavesNoKeyAtOrBeforeThePoint) {
  auto store = std::make_shared<memory_store>("n1");
  auto db = keel::storage::test::opened_ok(engine::open(store, "n1", 2));
  ASSERT_TRUE(db);
  auto log_indexes = [&] {
    std::vector<uint64_t> out;
    for (auto& key : records::keys_in(*store, family::log, key_layout::shard_prefix(1),
                                      key_layout::shard_end(1), nullptr))
      out.push_back(key_layout::index_of(key));
    return out;
  };
  auto batch = db->make_batch();
  batch.append(1, entries(1, 8, 1));
  commit_ok(*db, batch);
  auto compact_to = [&](uint64_t index) {
    LogState state;
    state.set_snapshot_index(index);
    state.set_snapshot_term(1);
    batch.compact(1, state);
    commit_ok(*db, batch);
  };
  compact_to(3);
  EXPECT_EQ(log_indexes(), (std::vector<uint64_t>{4, 5, 6, 7, 8}));
  compact_to(5);
  EXPECT_EQ(log_indexes(), (std::vector<uint64_t>{6, 7, 8}));
  compact_to(20); // a snapshot beyond the log
  EXPECT_EQ(log_indexes(), std::vector<uint64_t>{});
}

TEST_P(StorageEngine, ReopenKeepsEverything) {
  std::string dir = "nested/n1"; // RocksDB creates the parents
  {
    auto db = stores.open_ok(dir);
    ASSERT_TRUE(db);
    auto batch = db->make_batch();
    batch.put(2, "key", "value");
    batch.set_session(2, 77, session_with(3, kv::STATUS_OK));
    AppliedState applied;
    applied.set_applied_index(9);
    applied.set_applied_term(4);
    batch.set_applied(2, applied);
    batch.append(2, entries(1, 9, 4));
    raft::HardState hs;
    hs.set_term(4);
    hs.set_vote("n3");
    hs.set_commit(9);
    batch.set_hard_state(2, hs);
    LogState state;
    state.set_snapshot_index(3);
    state.set_snapshot_term(4);
    batch.compact(2, state);
    commit_ok(*db, batch);
  }
  for (int round = 0; round < 2; ++round) { // the second reopen reads the flushed tables
    auto db = stores.open_ok(dir);
    ASSERT_TRUE(db);
    EXPECT_EQ(db->get(2, "key"), "value");
    ASSERT_TRUE(db->session(2, 77));
    EXPECT_EQ(db->session(2, 77)->last_seq(), 3u);
    EXPECT_FALSE(db->session(2, 78));
    EXPECT_EQ(db->applied(2).applied_index(), 9u);
    EXPECT_EQ(db->applied(2).applied_term(), 4u);
    EXPECT_EQ(db->hard_state(2).term(), 4u);
    EXPECT_EQ(db->hard_state(2).vote(), "n3");
    EXPECT_EQ(db->hard_state(2).commit(), 9u);
    EXPECT_EQ(db->first_index(2), 4u);
    EXPECT_EQ(db->last_index(2), 9u);
    EXPECT_EQ(read_entries(*db, 2, 4, 10).size(), 6u);
  }
}

TEST_P(StorageEngine, ExportImportMovesOneShardBetweenEngines) {
  auto source = stores.open_ok("a", "a");
  auto target = stores.open_ok("b", "b");
  ASSERT_TRUE(source && target);
  auto batch = source->make_batch();
  batch.put(1, "b", "2");
  batch.put(1, "a", "1");
  batch.put(1, std::string("c\0d", 3), "3");
  batch.put(2, "other", "shard");
  batch.set_session(1, 9, session_with(4, kv::STATUS_OK));
  batch.set_session(1, 3, session_with(1, kv::STATUS_NOT_FOUND));
  AppliedState applied;
  applied.set_applied_index(12);
  applied.set_applied_term(3);
  batch.set_applied(1, applied);
  commit_ok(*source, batch);

  auto before = target->make_batch();
  before.put(1, "stale", "gone after import");
  before.set_session(1, 5, session_with(8, kv::STATUS_OK));
  before.put(0, "kept", "untouched");
  before.append(1, entries(1, 3, 1));
  commit_ok(*target, before);

  auto snapshot = source->export_shard(1);
  EXPECT_EQ(snapshot.shard(), 1u);
  EXPECT_EQ(snapshot.applied_index(), 12u);
  EXPECT_EQ(snapshot.applied_term(), 3u);
  ASSERT_EQ(snapshot.data_size(), 3);
  EXPECT_EQ(snapshot.data(0).key(), "a"); // sorted by key
  EXPECT_EQ(snapshot.data(1).key(), "b");
  EXPECT_EQ(snapshot.data(2).key(), std::string("c\0d", 3));
  ASSERT_EQ(snapshot.sessions_size(), 2);
  EXPECT_EQ(snapshot.sessions(0).client_id(), 3u);
  EXPECT_EQ(snapshot.sessions(1).session().last_seq(), 4u);

  ASSERT_TRUE(succeeded(target->import_shard(snapshot)));
  EXPECT_EQ(target->export_shard(1).SerializeAsString(), snapshot.SerializeAsString());
  EXPECT_EQ(target->get(1, "stale"), std::nullopt);
  EXPECT_FALSE(target->session(1, 5));
  EXPECT_EQ(target->get(0, "kept"), "untouched");
  EXPECT_EQ(target->last_index(1), 3u); // the log is not part of the state machine
  EXPECT_EQ(target->get(2, "other"), std::nullopt);
}

TEST_P(StorageEngine, IdentityMismatchIsRefused) {
  std::string dir = "n1";
  ASSERT_TRUE(stores.open_ok(dir, "n1", 4));
  auto wrong_node = stores.open_error(dir, "n2", 4);
  EXPECT_NE(wrong_node.find("'n1'"), std::string::npos) << wrong_node;
  EXPECT_NE(wrong_node.find("'n2'"), std::string::npos) << wrong_node;
  auto wrong_shards = stores.open_error(dir, "n1", 8);
  EXPECT_NE(wrong_shards.find("4 shards"), std::string::npos) << wrong_shards;
  EXPECT_NE(wrong_shards.find("8"), std::string::npos) << wrong_shards;
  EXPECT_TRUE(stores.open_ok(dir, "n1", 4));
}

// A data directory's incarnation is what tells a node that restarted from one
// that came back empty (security/core/peer_incarnations.hpp).
TEST_P(StorageEngine, EachNewDirectoryDrawsAnIncarnationThatEveryReopenKeeps) {
  uint64_t first = 0;
  {
    auto db = stores.open_ok("n1");
    ASSERT_TRUE(db);
    first = db->incarnation();
    EXPECT_NE(first, 0u);
  }
  auto again = stores.open_ok("n1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->incarnation(), first);
  // The same node id on a new directory, as after losing the old one.
  auto fresh = stores.open_ok("n1-replaced", "n1");
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->incarnation(), first);
}

TEST_P(StorageEngine, PeerIncarnationsAreRememberedAcrossReopen) {
  {
    auto db = stores.open_ok("n1");
    ASSERT_TRUE(db);
    EXPECT_TRUE(db->peer_incarnations().empty());
    ASSERT_TRUE(succeeded(db->remember_peer_incarnation("n2", 0x22)));
    ASSERT_TRUE(succeeded(db->remember_peer_incarnation("n3", 0x33)));
    ASSERT_TRUE(succeeded(db->remember_peer_incarnation("n2", 0x23)));
    EXPECT_EQ(db->peer_incarnations(),
              (std::map<std::string, uint64_t>{{"n2", 0x23}, {"n3", 0x33}}));
  }
  auto db = stores.open_ok("n1");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->peer_incarnations(), (std::map<std::string, uint64_t>{{"n2", 0x23}, {"n3", 0x33}}));
  // They live beside the identity, not in any shard: exporting a shard
  // carries none of them.
  EXPECT_EQ(db->export_shard(0).data_size(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, StorageEngine,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);
INSTANTIATE_TEST_SUITE_P(Stores, StorageEngineDeathTest,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);

TEST(StorageRocksDir, DirectoryWithoutCurrentIsNotAFreshStart) {
  temp_dir tmp;
  auto dir = tmp.sub("n1");
  {
    auto db = open_ok(dir);
    ASSERT_TRUE(db);
    auto batch = db->make_batch();
    batch.put(0, "k", "v");
    commit_ok(*db, batch);
  }
  fs::remove(fs::path{dir} / "CURRENT");
  auto error = open_error(dir);
  EXPECT_NE(error.find("not a keel data directory"), std::string::npos) << error;
  EXPECT_NE(error.find(dir), std::string::npos) << error;
  EXPECT_NE(error.find("MANIFEST"), std::string::npos) << error; // says what was found
}

TEST(StorageRocksDir, ForeignFilesAreNotAFreshStart) {
  temp_dir tmp;
  auto dir = tmp.sub("n1");
  fs::create_directories(dir);
  std::ofstream{fs::path{dir} / "notes.txt"} << "someone else's data";
  auto error = open_error(dir);
  EXPECT_NE(error.find("not a keel data directory"), std::string::npos) << error;
  EXPECT_NE(error.find("notes.txt"), std::string::npos) << error;
}

TEST(StorageRocksDir, CorruptManifestIsRefusedNamingIt) {
  temp_dir tmp;
  auto dir = tmp.sub("n1");
  {
    auto db = open_ok(dir);
    ASSERT_TRUE(db);
    auto batch = db->make_batch();
    batch.put(0, "k", "v");
    commit_ok(*db, batch);
  }
  auto manifests = files_ending(dir, "");
  fs::path manifest;
  for (const auto& f : manifests)
    if (f.filename().string().rfind("MANIFEST-", 0) == 0)
      manifest = f;
  ASSERT_FALSE(manifest.empty());
  overwrite_with_garbage(manifest);
  auto error = open_error(dir);
  EXPECT_NE(error.find(manifest.string()), std::string::npos) << error;
}

TEST(StorageRocksDir, GarbageWriteAheadLogIsRefusedNamingIt) {
  // RocksDB alone would take this file for a torn tail and open empty.
  temp_dir tmp;
  auto dir = tmp.sub("n1");
  {
    auto db = open_ok(dir);
    ASSERT_TRUE(db);
    for (int i = 0; i < 20; ++i) {
      auto batch = db->make_batch();
      batch.put(0, "k" + std::to_string(i), std::string(100, 'v'));
      commit_ok(*db, batch);
    }
  }
  auto logs = files_ending(dir, ".log");
  ASSERT_FALSE(logs.empty());
  for (unsigned seed = 0; seed < 8; ++seed) {
    overwrite_with_garbage(logs.front(), seed);
    auto error = open_error(dir);
    EXPECT_NE(error.find(logs.front().string()), std::string::npos) << error;
  }
}

TEST(StorageRocksDir, TornWriteAheadLogTailIsTolerated) {
  // A crash in the middle of a write leaves a partial last record; that write
  // was never acknowledged, every earlier (synced) one survives.
  temp_dir tmp;
  auto dir = tmp.sub("n1");
  {
    auto db = open_ok(dir);
    ASSERT_TRUE(db);
    for (int i = 0; i < 20; ++i) {
      auto batch = db->make_batch();
      batch.put(0, "k" + std::to_string(i), std::string(100, 'v'));
      commit_ok(*db, batch);
    }
  }
  auto wal = files_ending(dir, ".log").front();
  fs::resize_file(wal, fs::file_size(wal) - 30);
  auto db = open_ok(dir);
  ASSERT_TRUE(db);
  for (int i = 0; i < 19; ++i)
    EXPECT_EQ(db->get(0, "k" + std::to_string(i)), std::string(100, 'v')) << i;
  EXPECT_EQ(db->get(0, "k19"), std::nullopt);
}

TEST(StorageRocksDir, CorruptTableFileIsRefusedNamingIt) {
  temp_dir tmp;
  auto dir = tmp.sub("n1");
  {
    auto db = open_ok(dir);
    ASSERT_TRUE(db);
    auto batch = db->make_batch();
    for (int i = 0; i < 100; ++i)
      batch.put(1, "key" + std::to_string(i), "value" + std::to_string(i));
    commit_ok(*db, batch);
  }
  {
    // Flush the memtables into table files with RocksDB directly.
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto* name : {key_layout::identity_family, key_layout::data_family,
                             key_layout::log_family, key_layout::meta_family})
      families.emplace_back(name, rocksdb::ColumnFamilyOptions{});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions{}, dir, families, &handles, &raw).ok());
    EXPECT_TRUE(raw->Flush(rocksdb::FlushOptions{}, handles).ok());
    for (auto* h : handles)
      raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto tables = files_ending(dir, ".sst");
  ASSERT_FALSE(tables.empty());
  overwrite_with_garbage(tables.front());
  auto error = open_error(dir);
  EXPECT_NE(error.find(tables.front().string()), std::string::npos) << error;
}

TEST(StorageRocksDir, PathThatIsAFileIsRefused) {
  temp_dir tmp;
  auto file = tmp.sub("plain-file");
  std::ofstream{file} << "x";
  auto error = open_error(file);
  EXPECT_NE(error.find(file), std::string::npos) << error;
}

} // namespace
