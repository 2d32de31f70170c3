// keel::result<T, E> and KEEL_ASSERT (actors/base/core/errors.hpp).
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "actors/base/core/errors.hpp"

namespace keel {
namespace {

enum class test_errc { empty = 1, too_long };

result<std::string, test_errc> name_of(const std::string& in) {
  if (in.empty())
    return test_errc::empty;
  if (in.size() > 4)
    return fail(test_errc::too_long);
  return in;
}

result<void, test_errc> check(int n) {
  if (n < 0)
    return test_errc::empty;
  return {};
}

TEST(BaseResult, HoldsTheValueOrTheError) {
  auto good = name_of("abc");
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, "abc");
  EXPECT_EQ(good->size(), 3u);

  auto empty = name_of("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), test_errc::empty);
  EXPECT_EQ(name_of("abcdef").error(), test_errc::too_long);
  EXPECT_EQ(name_of("abcdef").value_or("none"), "none");
  EXPECT_EQ(name_of("ab").value_or("none"), "ab");
}

TEST(BaseResult, MovesItsValueOut) {
  result<std::unique_ptr<int>, test_errc> r{std::make_unique<int>(7)};
  std::unique_ptr<int> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 7);
}

// An int error next to a string value: fail() says which side is meant.
TEST(BaseResult, FailNamesTheErrorSideWhenTypesCouldMix) {
  result<long, int> as_value{5L};
  result<long, int> as_error = fail(5);
  EXPECT_TRUE(as_value.ok());
  ASSERT_FALSE(as_error.ok());
  EXPECT_EQ(as_error.error(), 5);
}

TEST(BaseResult, VoidResultIsSuccessOrAnError) {
  EXPECT_TRUE(check(1).ok());
  auto bad = check(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), test_errc::empty);
}

TEST(BaseResultDeathTest, ReadingTheMissingSideAborts) {
  EXPECT_DEATH(EXPECT_EQ(*name_of(""), ""), "reading the value of an error result");
  EXPECT_DEATH(EXPECT_EQ(name_of("a").error(), test_errc::empty),
               "reading the error of a result that holds a value");
  EXPECT_DEATH(EXPECT_EQ(check(1).error(), test_errc::empty), "holds success");
}

TEST(BaseAssertDeathTest, AbortsWithFileLineAndMessageEvenInRelease) {
  int broken = 2;
  EXPECT_DEATH(
    KEEL_ASSERT(broken == 1, "the answer is one"),
    "base_errors_test.cpp:[0-9]+: KEEL_ASSERT\\(broken == 1\\) failed: the answer is one");
  KEEL_ASSERT(broken == 2, "holds, so nothing happens");
}

} // namespace
} // namespace keel
