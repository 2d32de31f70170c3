// keel-bench's workload: mix names, unique fixed-size values, and the
// operation stream of one thread (its mix, key range and determinism).

#include <array>
#include <set>

#include <gtest/gtest.h>

#include "apps/keel_bench/workload.hpp"

namespace {

using namespace keel::bench;

TEST(BenchWorkload, MixNamesRoundTrip) {
  for (auto m : {mix::write, mix::read, mix::mixed, mix::cas, mix::all})
    EXPECT_EQ(parse_mix(to_string(m)), m);
  EXPECT_FALSE(parse_mix("Write"));
  EXPECT_FALSE(parse_mix(""));
}

TEST(BenchWorkload, ValuesHaveTheRequestedSizeAndAreUnique) {
  std::set<std::string> seen;
  for (uint32_t p = 0; p < 64; ++p)
    for (uint64_t seq = 0; seq < 100; ++seq) {
      auto v = make_value(p, seq, 16);
      ASSERT_EQ(v.size(), 16u);
      ASSERT_TRUE(seen.insert(v).second) << v;
    }
  EXPECT_EQ(make_value(3, 12, 10), "p3-12.....");
  EXPECT_EQ(make_value(3, 12, 1000).size(), 1000u);
  EXPECT_EQ(make_value(3, 12, 2), "p3"); // too short for the tag: cut
}

TEST(BenchWorkload, KeysStayInRange) {
  workload w{mix::write, 10, 1};
  std::set<uint64_t> keys;
  for (int i = 0; i < 2000; ++i) {
    auto op = w.next();
    ASSERT_LT(op.key, 10u);
    EXPECT_EQ(op.f, op_kind::write);
    keys.insert(op.key);
  }
  EXPECT_EQ(keys.size(), 10u); // uniform: all of them come up
  EXPECT_EQ(key_name(7), "k7");
}

TEST(BenchWorkload, MixedIsHalfReadsHalfWrites) {
  workload w{mix::mixed, 1000, 99};
  int writes = 0;
  constexpr int n = 20'000;
  for (int i = 0; i < n; ++i) {
    auto f = w.next().f;
    ASSERT_TRUE(f == op_kind::write || f == op_kind::read);
    writes += f == op_kind::write ? 1 : 0;
  }
  // Binomial(20000, 0.5): 4.5 standard deviations either side.
  EXPECT_GT(writes, n / 2 - 320);
  EXPECT_LT(writes, n / 2 + 320);
}

TEST(BenchWorkload, ReadAndCasMixesAreUniform) {
  workload r{mix::read, 5, 1};
  workload c{mix::cas, 5, 1};
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(r.next().f, op_kind::read);
    EXPECT_EQ(c.next().f, op_kind::cas);
  }
}

TEST(BenchWorkload, AllMixHasEveryKindInItsShare) {
  workload w{mix::all, 8, 3};
  std::array<int, 4> count{}; // by op_kind: read, write, cas, del
  constexpr int n = 20'000;
  for (int i = 0; i < n; ++i)
    ++count[static_cast<size_t>(w.next().f)];
  // Each share within 4.5 binomial standard deviations (at most 310 here).
  EXPECT_NEAR(count[static_cast<size_t>(op_kind::read)], n * 0.4, 310);
  EXPECT_NEAR(count[static_cast<size_t>(op_kind::write)], n * 0.3, 310);
  EXPECT_NEAR(count[static_cast<size_t>(op_kind::cas)], n * 0.2, 310);
  EXPECT_NEAR(count[static_cast<size_t>(op_kind::del)], n * 0.1, 310);
}

TEST(BenchWorkload, SameSeedSameStreamOtherSeedOtherStream) {
  workload a{mix::mixed, 1'000'000, 5};
  workload b{mix::mixed, 1'000'000, 5};
  workload c{mix::mixed, 1'000'000, 6};
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    auto x = a.next();
    auto y = b.next();
    auto z = c.next();
    ASSERT_EQ(x.key, y.key);
    ASSERT_EQ(x.f, y.f);
    differs = differs || x.key != z.key;
  }
  EXPECT_TRUE(differs);
}

} // namespace
