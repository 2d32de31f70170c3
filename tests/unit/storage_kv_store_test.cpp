// The kv_store contract (actors/storage/core/kv_store.hpp), checked on both
// implementations: the engine's logic is written against it, so a store that
// differs here (order, what a batch hides, bounds) would change what the
// state machine computes on it.
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "actors/storage/engine/rocks_store.hpp"
#include "storage_test_dir.hpp"

namespace {

using namespace keel::storage;
using keel::storage::test::store_kind;
using keel::storage::test::succeeded;
using keel::storage::test::test_stores;

using pairs = std::vector<std::pair<std::string, std::string>>;

struct KvStore : ::testing::TestWithParam<store_kind> {
  test_stores stores{GetParam()};
  std::shared_ptr<kv_store> store = stores.raw_store("s");

  void commit(std::vector<std::pair<std::string, std::optional<std::string>>> writes,
              family f = family::data) {
    auto batch = store->make_batch();
    for (auto& [key, value] : writes) {
      if (value)
        batch->put(f, key, *value);
      else
        batch->del(f, key);
    }
    ASSERT_TRUE(succeeded(store->commit(*batch, true)));
    EXPECT_EQ(batch->count(), 0u); // emptied by the commit
  }

  pairs scan(std::string_view lo, std::string_view hi, const kv_store::batch* through = nullptr,
             size_t limit = 100, family f = family::data) {
    pairs out;
    store->scan(f, lo, hi, through, [&](std::string_view k, std::string_view v) {
      out.emplace_back(k, v);
      return out.size() < limit;
    });
    return out;
  }
};

TEST_P(KvStore, ScanIsBytewiseOrderedAndBoundedHalfOpen) {
  ASSERT_TRUE(store);
  std::string zero("a\0b", 3);
  commit({{"b", "2"}, {"a", "1"}, {"\xff", "hi"}, {zero, "z"}, {"ab", "3"}, {"c", "4"}});
  EXPECT_EQ(scan("", "\xff\xff"),
            (pairs{{"a", "1"}, {zero, "z"}, {"ab", "3"}, {"b", "2"}, {"c", "4"}, {"\xff", "hi"}}));
  EXPECT_EQ(scan("ab", "c"), (pairs{{"ab", "3"}, {"b", "2"}})); // hi excluded
  EXPECT_EQ(scan("a", "\xff", nullptr, 2), (pairs{{"a", "1"}, {zero, "z"}}));
  EXPECT_EQ(scan("d", "e"), pairs{});
  EXPECT_EQ(scan("c", "c"), pairs{});
  EXPECT_EQ(store->get(family::data, "ab", nullptr), "3");
  EXPECT_EQ(store->get(family::data, "zz", nullptr), std::nullopt);
  EXPECT_EQ(store->get(family::meta, "ab", nullptr), std::nullopt); // families apart
}

TEST_P(KvStore, TheLastKeyOfARangeOfTheLog) {
  ASSERT_TRUE(store);
  commit({{"b", "2"}, {"a", "1"}, {"\xff", "hi"}, {"c", "4"}}, family::log);
  commit({{"z", "data"}}); // another family: not the log's last key
  EXPECT_EQ(store->last_key(family::log, "a", "c", nullptr), "b");
  EXPECT_EQ(store->last_key(family::log, "", "\xff\xff", nullptr), "\xff");
  EXPECT_EQ(store->last_key(family::log, "d", "e", nullptr), std::nullopt);
  EXPECT_EQ(store->last_key(family::log, "c", "c", nullptr), std::nullopt);
}

TEST_P(KvStore, ReadsThroughABatchSeeItsWritesOverTheCommittedState) {
  ASSERT_TRUE(store);
  commit({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}});
  auto batch = store->make_batch();
  batch->put(family::data, "b", "two");
  batch->del(family::data, "d");
  batch->put(family::data, "bb", "new");
  batch->put(family::data, "e", "5");
  batch->del(family::data, "e");  // the latest write of a key wins
  batch->del(family::data, "zz"); // deleting what is absent hides nothing
  EXPECT_EQ(batch->count(), 6u);
  EXPECT_EQ(scan("", "\xff", batch.get()),
            (pairs{{"a", "1"}, {"b", "two"}, {"bb", "new"}, {"c", "3"}}));
  EXPECT_EQ(scan("b", "c", batch.get()), (pairs{{"b", "two"}, {"bb", "new"}}));
  EXPECT_EQ(store->get(family::data, "b", batch.get()), "two");
  EXPECT_EQ(store->get(family::data, "d", batch.get()), std::nullopt);
  EXPECT_EQ(store->get(family::data, "e", batch.get()), std::nullopt);
  batch->put(family::data, "x", "24");
  // Nothing is visible without the batch until it is committed.
  EXPECT_EQ(store->get(family::data, "bb", nullptr), std::nullopt);
  ASSERT_TRUE(succeeded(store->commit(*batch, false)));
  EXPECT_EQ(scan("", "\xff"),
            (pairs{{"a", "1"}, {"b", "two"}, {"bb", "new"}, {"c", "3"}, {"x", "24"}}));
}

TEST_P(KvStore, TheLastKeyThroughABatchSkipsItsDeletionsAndSeesItsPuts) {
  ASSERT_TRUE(store);
  commit({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}, family::log);
  auto batch = store->make_batch();
  batch->del(family::log, "d");
  batch->put(family::log, "bb", "new");
  batch->put(family::log, "e", "5");
  batch->del(family::log, "e");
  EXPECT_EQ(store->last_key(family::log, "", "\xff", batch.get()), "c");
  EXPECT_EQ(store->last_key(family::log, "c", "d", batch.get()), "c");
  EXPECT_EQ(store->last_key(family::log, "d", "\xff", batch.get()), std::nullopt);
  batch->put(family::log, "x", "24");
  EXPECT_EQ(store->last_key(family::log, "", "\xff", batch.get()), "x");
  EXPECT_EQ(store->last_key(family::log, "", "x", batch.get()), "c");
  EXPECT_EQ(store->last_key(family::log, "", "x", nullptr), "d"); // committed state only
}

// A batch is indexed only when first read through (rocks_store): writes
// before and after that read, to several families, commit alike either way,
// and a read through the batch before its first write sees the store.
TEST_P(KvStore, ABatchCommitsTheSameWhetherOrNotItWasReadThrough) {
  ASSERT_TRUE(store);
  for (bool read_through : {false, true}) {
    SCOPED_TRACE(read_through ? "read through" : "never read");
    commit({{"a", "0"}, {"b", "0"}});
    auto batch = store->make_batch();
    if (read_through) {
      EXPECT_EQ(store->get(family::data, "a", batch.get()), "0");
      EXPECT_EQ(scan("", "\xff", batch.get()), (pairs{{"a", "0"}, {"b", "0"}}));
    }
    batch->put(family::data, "a", "1");
    batch->put(family::meta, "a", "m");
    if (read_through) {
      EXPECT_EQ(store->get(family::data, "a", batch.get()), "1");
      EXPECT_EQ(store->get(family::meta, "a", batch.get()), "m");
    }
    batch->put(family::data, "a", "2"); // the latest write of a key wins
    batch->del(family::data, "b");
    if (read_through) {
      EXPECT_EQ(scan("", "\xff", batch.get()), (pairs{{"a", "2"}}));
    }
    EXPECT_EQ(batch->count(), 4u);
    ASSERT_TRUE(succeeded(store->commit(*batch, false)));
    EXPECT_EQ(batch->count(), 0u);
    EXPECT_EQ(scan("", "\xff"), (pairs{{"a", "2"}}));
    EXPECT_EQ(store->get(family::meta, "a", nullptr), "m");
    // An emptied batch starts over: unindexed, and nothing of the last one.
    batch->put(family::data, "c", "3");
    EXPECT_EQ(store->get(family::data, "a", batch.get()), "2");
    EXPECT_EQ(batch->count(), 1u);
    commit({{"c", std::nullopt}, {"a", std::nullopt}});
    commit({{"a", std::nullopt}}, family::meta);
  }
}

// A scan sees the state of its start: a commit meanwhile (here, from inside
// the scan) does not tear it. engine::entries rests on this for the log.
TEST_P(KvStore, AScanOfTheLogSeesTheStateOfItsStart) {
  ASSERT_TRUE(store);
  commit({{"a", "1"}, {"b", "2"}, {"c", "3"}}, family::log);
  pairs seen;
  store->scan(family::log, "", "\xff", nullptr, [&](std::string_view k, std::string_view v) {
    if (seen.empty())
      commit({{"b", std::nullopt}, {"bb", "new"}, {"c", "changed"}}, family::log);
    seen.emplace_back(k, v);
    return true;
  });
  EXPECT_EQ(seen, (pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(scan("", "\xff", nullptr, 100, family::log),
            (pairs{{"a", "1"}, {"bb", "new"}, {"c", "changed"}}));
}

// RocksDB rewrites a data or meta record in place when the new value is no
// longer than the one in the memtable (engine.cpp). Every mix of lengths,
// deletions and re-puts reads back its latest value, at once and after the
// store is opened again from its log.
TEST_P(KvStore, RewrittenRecordsReadBackTheirLatestValue) {
  ASSERT_TRUE(store);
  for (auto f : {family::data, family::meta}) {
    commit({{"k", "aaaa"}, {"n", "neighbour"}}, f);
    commit({{"k", "bbbb"}}, f); // as long: in place
    EXPECT_EQ(store->get(f, "k", nullptr), "bbbb");
    commit({{"k", "cc"}}, f); // shorter: in place
    EXPECT_EQ(store->get(f, "k", nullptr), "cc");
    commit({{"k", "dddddd"}}, f); // longer: a new version
    EXPECT_EQ(store->get(f, "k", nullptr), "dddddd");
    commit({{"k", std::nullopt}}, f);
    EXPECT_EQ(store->get(f, "k", nullptr), std::nullopt);
    commit({{"k", "ee"}}, f); // after a deletion: a new version, never under it
    EXPECT_EQ(store->get(f, "k", nullptr), "ee");
    // One batch that rewrites a key twice keeps its last write.
    commit({{"k", "f1"}, {"k", "f2"}, {"n", "neighbou2"}}, f);
    EXPECT_EQ(scan("", "\xff", nullptr, 100, f), (pairs{{"k", "f2"}, {"n", "neighbou2"}}));
  }
  store.reset();
  store = stores.raw_store("s"); // the memory store's is the same one; RocksDB replays its log
  ASSERT_TRUE(store);
  for (auto f : {family::data, family::meta})
    EXPECT_EQ(scan("", "\xff", nullptr, 100, f), (pairs{{"k", "f2"}, {"n", "neighbou2"}}));
}

// A few thousand random puts (of every length, so some rewrite in place and
// some add a version), deletions and re-puts over a few hundred keys that share
// prefixes, in batches of random size, checked against an ordered map: whole
// and partial scans and point reads, as it goes and after a reopen. RocksDB's
// data and meta memtables hash each key to a bucket (engine.cpp), so the order
// a scan returns is the store's to restore.
TEST_P(KvStore, ManyRewrittenKeysReadAndScanLikeAnOrderedMap) {
  ASSERT_TRUE(store);
  std::mt19937 rng(20261205);
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  std::vector<std::string> keys;
  for (size_t i = 0; i < 300; ++i) {
    std::string key(1 + pick(3), static_cast<char>('a' + pick(3))); // "a", "bb", "ccc", ...
    key += std::to_string(i % 100);
    if (i % 7 == 0)
      key.push_back('\0');
    keys.push_back(std::move(key));
  }
  for (auto f : {family::data, family::meta}) {
    std::map<std::string, std::string> model;
    auto model_scan = [&model](const std::string& lo, const std::string& hi) {
      pairs out;
      for (auto it = model.lower_bound(lo); it != model.end() && it->first < hi; ++it)
        out.emplace_back(it->first, it->second);
      return out;
    };
    auto check = [&](const char* when) {
      SCOPED_TRACE(when);
      EXPECT_EQ(scan("", "\xff", nullptr, 1000, f), model_scan("", "\xff"));
      auto lo = keys[pick(keys.size())], hi = keys[pick(keys.size())];
      if (hi < lo)
        std::swap(lo, hi);
      EXPECT_EQ(scan(lo, hi, nullptr, 1000, f), model_scan(lo, hi));
      for (int i = 0; i < 20; ++i) {
        const auto& key = keys[pick(keys.size())];
        auto found = model.find(key);
        EXPECT_EQ(store->get(f, key, nullptr),
                  found == model.end() ? std::nullopt : std::optional<std::string>{found->second});
      }
    };
    for (int round = 0; round < 40; ++round) {
      std::vector<std::pair<std::string, std::optional<std::string>>> writes;
      for (size_t n = 1 + pick(100); n > 0; --n) {
        const auto& key = keys[pick(keys.size())];
        if (pick(5) == 0) {
          writes.emplace_back(key, std::nullopt);
          model.erase(key);
        } else {
          std::string value(pick(24), static_cast<char>('0' + pick(10)));
          writes.emplace_back(key, value);
          model[key] = value;
        }
      }
      commit(std::move(writes), f);
      if (round % 8 == 7)
        check("while writing");
    }
    store.reset();
    store = stores.raw_store("s"); // RocksDB replays its log into fresh memtables
    ASSERT_TRUE(store);
    check("after a reopen");
  }
}

using KvStoreDeathTest = KvStore;

TEST_P(KvStoreDeathTest, ABatchOfAnotherStoreIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_TRUE(store);
  auto other = std::make_shared<memory_store>("other");
  auto foreign = other->make_batch();
  foreign->put(family::data, "k", "v");
  EXPECT_DEATH(EXPECT_TRUE(succeeded(store->commit(*foreign, true))), "a batch of another store");
  EXPECT_DEATH(EXPECT_EQ(store->get(family::data, "k", foreign.get()), std::nullopt),
               "a batch of another store");
  auto empty = other->make_batch(); // read as the store, but still not this store's
  EXPECT_DEATH(EXPECT_EQ(store->get(family::data, "k", empty.get()), std::nullopt),
               "a batch of another store");
  EXPECT_EQ(store->get(family::data, "k", nullptr), std::nullopt);
}

// Data and meta change in place (kv_store.hpp): RocksDB cannot read them
// backwards, so both stores refuse it, and the memory store cannot hide a
// caller that tries.
TEST_P(KvStoreDeathTest, ABackwardReadOfDataOrMetaIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_TRUE(store);
  commit({{"k", "v"}});
  for (auto f : {family::data, family::meta})
    EXPECT_DEATH(store->last_key(f, "", "\xff", nullptr), "a backward read of data or meta");
  EXPECT_EQ(store->last_key(family::log, "", "\xff", nullptr), std::nullopt);
}

// A read view is the committed state of its moment, unsynced commits
// included, in every family; the store goes on. Over RocksDB the later
// writes are rewrites in place of the same memtable records (shorter values,
// engine.cpp), which no RocksDB snapshot could have kept still.
TEST_P(KvStore, AReadViewKeepsTheStateOfItsMomentWhileTheStoreGoesOn) {
  ASSERT_TRUE(store);
  for (auto f : {family::data, family::meta, family::log})
    commit({{"a", "first value"}, {"b", "2"}}, f);
  auto unsynced = store->make_batch();
  unsynced->put(family::data, "u", "not yet synced");
  ASSERT_TRUE(succeeded(store->commit(*unsynced, false)));

  auto view = store->read_view();
  ASSERT_TRUE(view);
  for (auto f : {family::data, family::meta, family::log})
    commit({{"a", "1"}, {"b", std::nullopt}, {"c", "3"}}, f);

  for (auto f : {family::data, family::meta, family::log}) {
    SCOPED_TRACE(static_cast<int>(f));
    EXPECT_EQ(view->get(f, "a", nullptr), "first value");
    EXPECT_EQ(view->get(f, "b", nullptr), "2");
    EXPECT_EQ(view->get(f, "c", nullptr), std::nullopt);
    pairs seen;
    view->scan(f, "", "\xff", nullptr, [&](std::string_view k, std::string_view v) {
      seen.emplace_back(k, v);
      return true;
    });
    pairs expected{{"a", "first value"}, {"b", "2"}};
    if (f == family::data)
      expected.emplace_back("u", "not yet synced");
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(scan("", "\xff", nullptr, 100, f).front(),
              (std::pair<std::string, std::string>{"a", "1"}));
  }
  EXPECT_EQ(view->last_key(family::log, "", "\xff", nullptr), "b");
  EXPECT_EQ(store->get(family::data, "b", nullptr), std::nullopt);

  // A view taken now sees the writes; the first one still does not.
  auto later = store->read_view();
  EXPECT_EQ(later->get(family::meta, "a", nullptr), "1");
  EXPECT_EQ(later->get(family::meta, "c", nullptr), "3");
  EXPECT_EQ(view->get(family::meta, "a", nullptr), "first value");
}

// A RocksDB view is a checkpoint beside the store, gone when the view is
// dropped; one a crash left behind is gone at the next open.
TEST(KvStoreRocks, AReadViewLeavesNoFilesBehind) {
  namespace fs = std::filesystem;
  test_stores stores{store_kind::rocks};
  auto views = rocks_store::views_dir(stores.dir("s"));
  {
    auto store = stores.raw_store("s");
    auto batch = store->make_batch();
    batch->put(family::data, "k", "v");
    ASSERT_TRUE(succeeded(store->commit(*batch, true)));
    auto view = store->read_view();
    EXPECT_EQ(view->get(family::data, "k", nullptr), "v");
    EXPECT_FALSE(fs::is_empty(views));
    view.reset();
    EXPECT_TRUE(fs::is_empty(views));
  }
  fs::create_directories(views + "/9");
  std::ofstream{views + "/9/CURRENT"} << "left by a crash";
  auto store = stores.raw_store("s");
  EXPECT_FALSE(fs::exists(views));
  EXPECT_EQ(store->get(family::data, "k", nullptr), "v");
}

TEST_P(KvStore, ClearedBatchWritesNothing) {
  ASSERT_TRUE(store);
  auto batch = store->make_batch();
  batch->put(family::log, "k", "v");
  batch->clear();
  EXPECT_EQ(batch->count(), 0u);
  EXPECT_EQ(store->get(family::log, "k", batch.get()), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Stores, KvStore, ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);
INSTANTIATE_TEST_SUITE_P(Stores, KvStoreDeathTest,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);

} // namespace
