// The kv_store contract (actors/storage/core/kv_store.hpp), checked on both
// implementations: the engine's logic is written against it, so a store that
// differs here (order, what a batch hides, bounds) would change what the
// state machine computes on it.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

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
             const kv_store::view* at = nullptr, size_t limit = 100, family f = family::data) {
    pairs out;
    store->scan(f, lo, hi, through, at, [&](std::string_view k, std::string_view v) {
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
  EXPECT_EQ(scan("a", "\xff", nullptr, nullptr, 2), (pairs{{"a", "1"}, {zero, "z"}}));
  EXPECT_EQ(scan("d", "e"), pairs{});
  EXPECT_EQ(scan("c", "c"), pairs{});
  EXPECT_EQ(store->last_key(family::data, "a", "c", nullptr), "b");
  EXPECT_EQ(store->last_key(family::data, "", "\xff\xff", nullptr), "\xff");
  EXPECT_EQ(store->last_key(family::data, "d", "e", nullptr), std::nullopt);
  EXPECT_EQ(store->get(family::data, "ab", nullptr, nullptr), "3");
  EXPECT_EQ(store->get(family::data, "zz", nullptr, nullptr), std::nullopt);
  EXPECT_EQ(store->get(family::meta, "ab", nullptr, nullptr), std::nullopt); // families apart
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
  EXPECT_EQ(store->get(family::data, "b", batch.get(), nullptr), "two");
  EXPECT_EQ(store->get(family::data, "d", batch.get(), nullptr), std::nullopt);
  EXPECT_EQ(store->get(family::data, "e", batch.get(), nullptr), std::nullopt);
  // The last key skips the batch's deletions, and sees its puts.
  EXPECT_EQ(store->last_key(family::data, "", "\xff", batch.get()), "c");
  EXPECT_EQ(store->last_key(family::data, "c", "d", batch.get()), "c");
  EXPECT_EQ(store->last_key(family::data, "d", "\xff", batch.get()), std::nullopt);
  batch->put(family::data, "x", "24");
  EXPECT_EQ(store->last_key(family::data, "", "\xff", batch.get()), "x");
  EXPECT_EQ(store->last_key(family::data, "", "x", batch.get()), "c");
  // Nothing is visible without the batch until it is committed.
  EXPECT_EQ(store->get(family::data, "bb", nullptr, nullptr), std::nullopt);
  ASSERT_TRUE(succeeded(store->commit(*batch, false)));
  EXPECT_EQ(scan("", "\xff"),
            (pairs{{"a", "1"}, {"b", "two"}, {"bb", "new"}, {"c", "3"}, {"x", "24"}}));
}

// A batch is indexed only when first read through (rocks_store): writes
// before and after that read, to several families, commit alike either way.
TEST_P(KvStore, ABatchCommitsTheSameWhetherOrNotItWasReadThrough) {
  ASSERT_TRUE(store);
  for (bool read_through : {false, true}) {
    SCOPED_TRACE(read_through ? "read through" : "never read");
    commit({{"a", "0"}, {"b", "0"}});
    auto batch = store->make_batch();
    batch->put(family::data, "a", "1");
    batch->put(family::meta, "a", "m");
    if (read_through) {
      EXPECT_EQ(store->get(family::data, "a", batch.get(), nullptr), "1");
      EXPECT_EQ(store->get(family::meta, "a", batch.get(), nullptr), "m");
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
    EXPECT_EQ(store->get(family::meta, "a", nullptr, nullptr), "m");
    // An emptied batch starts over: unindexed, and nothing of the last one.
    batch->put(family::data, "c", "3");
    EXPECT_EQ(store->get(family::data, "a", batch.get(), nullptr), "2");
    EXPECT_EQ(batch->count(), 1u);
    commit({{"c", std::nullopt}, {"a", std::nullopt}});
    commit({{"a", std::nullopt}}, family::meta);
  }
}

TEST_P(KvStore, AViewKeepsTheStateOfItsTime) {
  ASSERT_TRUE(store);
  commit({{"a", "1"}, {"b", "2"}});
  auto view = store->snapshot();
  commit({{"a", std::nullopt}, {"b", "changed"}, {"c", "3"}});
  EXPECT_EQ(scan("", "\xff", nullptr, view.get()), (pairs{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(store->get(family::data, "a", nullptr, view.get()), "1");
  EXPECT_EQ(scan("", "\xff"), (pairs{{"b", "changed"}, {"c", "3"}}));
}

using KvStoreDeathTest = KvStore;

TEST_P(KvStoreDeathTest, ABatchOfAnotherStoreIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_TRUE(store);
  auto other = std::make_shared<memory_store>("other");
  auto foreign = other->make_batch();
  foreign->put(family::data, "k", "v");
  EXPECT_DEATH(EXPECT_TRUE(succeeded(store->commit(*foreign, true))), "a batch of another store");
  EXPECT_DEATH(EXPECT_EQ(store->get(family::data, "k", foreign.get(), nullptr), std::nullopt),
               "a batch of another store");
  EXPECT_EQ(store->get(family::data, "k", nullptr, nullptr), std::nullopt);
}

TEST_P(KvStore, ClearedBatchWritesNothing) {
  ASSERT_TRUE(store);
  auto batch = store->make_batch();
  batch->put(family::log, "k", "v");
  batch->clear();
  EXPECT_EQ(batch->count(), 0u);
  EXPECT_EQ(store->get(family::log, "k", batch.get(), nullptr), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Stores, KvStore, ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);
INSTANTIATE_TEST_SUITE_P(Stores, KvStoreDeathTest,
                         ::testing::ValuesIn(keel::storage::test::store_kinds),
                         keel::storage::test::store_name);

} // namespace
