// The names of the unsafe switches, both ways, and a clear refusal of others.
#include <gtest/gtest.h>

#include "actors/base/core/unsafe_switches.hpp"

namespace {

using namespace keel;

TEST(UnsafeSwitches, OffByDefault) {
  unsafe_switches none;
  EXPECT_FALSE(none.any());
  EXPECT_EQ(to_string(none), "none");
}

TEST(UnsafeSwitches, EveryNameTurnsOnItsSwitchAlone) {
  auto one = [](const char* name) {
    auto s = parse_unsafe_switches(name);
    EXPECT_TRUE(s.ok()) << name;
    EXPECT_TRUE(s->any()) << name;
    EXPECT_EQ(to_string(*s), name);
    return *s;
  };
  EXPECT_TRUE(one("ack-before-commit").ack_before_commit);
  EXPECT_TRUE(one("skip-fsync").skip_fsync);
  EXPECT_TRUE(one("read-without-read-index").read_without_read_index);
  EXPECT_TRUE(one("apply-retries-twice").apply_retries_twice);
}

TEST(UnsafeSwitches, AListRoundTrips) {
  auto s = parse_unsafe_switches("apply-retries-twice,skip-fsync");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->skip_fsync);
  EXPECT_TRUE(s->apply_retries_twice);
  EXPECT_FALSE(s->ack_before_commit);
  EXPECT_EQ(to_string(*s), "skip-fsync,apply-retries-twice");
  EXPECT_EQ(to_string(*parse_unsafe_switches(to_string(*s))), to_string(*s));
}

TEST(UnsafeSwitches, AnUnknownNameIsRefusedWithTheValidOnes) {
  auto s = parse_unsafe_switches("skip-fsync,skip-sync");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("'skip-sync'"), std::string::npos) << s.error();
  EXPECT_NE(s.error().find("apply-retries-twice"), std::string::npos) << s.error();
  EXPECT_FALSE(parse_unsafe_switches("").ok());
}

} // namespace
