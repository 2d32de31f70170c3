// state_digest: equal states hash equal, and every part of the replicated
// state (data, sessions, applied index, term, log time) moves the digest.
#include <gtest/gtest.h>

#include "actors/base/core/fnv1a.hpp"
#include "actors/storage/core/state_digest.hpp"

namespace {

using namespace keel;
using namespace keel::storage;

ShardSnapshot sample() {
  ShardSnapshot s;
  s.set_shard(2);
  s.set_applied_index(7);
  s.set_applied_term(3);
  s.set_log_time_ms(1000);
  auto* kv = s.add_data();
  kv->set_key("a");
  kv->set_value("1");
  kv = s.add_data();
  kv->set_key("b");
  kv->set_value("2");
  auto* session = s.add_sessions();
  session->set_client_id(42);
  session->mutable_session()->set_last_seq(5);
  session->mutable_session()->mutable_last_response()->set_index(6);
  return s;
}

TEST(StateDigest, EqualStatesHaveEqualDigestsWhateverTheShard) {
  auto a = sample();
  auto b = sample();
  b.set_shard(3); // the shard names the state; it is not part of it
  EXPECT_EQ(state_digest(a), state_digest(b));
}

TEST(StateDigest, EveryPartOfTheStateMovesTheDigest) {
  auto base = state_digest(sample());
  std::vector<std::pair<const char*, void (*)(ShardSnapshot&)>> changes{
    {"applied index", [](ShardSnapshot& s) { s.set_applied_index(8); }},
    {"applied term", [](ShardSnapshot& s) { s.set_applied_term(4); }},
    {"log time", [](ShardSnapshot& s) { s.set_log_time_ms(1001); }},
    {"a value", [](ShardSnapshot& s) { s.mutable_data(1)->set_value("3"); }},
    {"a key", [](ShardSnapshot& s) { s.mutable_data(0)->set_key("c"); }},
    {"a key less", [](ShardSnapshot& s) { s.mutable_data()->RemoveLast(); }},
    {"key/value boundary",
     [](ShardSnapshot& s) {
       s.mutable_data(0)->set_key("a1");
       s.mutable_data(0)->set_value("");
     }},
    {"a session's seq",
     [](ShardSnapshot& s) { s.mutable_sessions(0)->mutable_session()->set_last_seq(6); }},
    {"a session's client", [](ShardSnapshot& s) { s.mutable_sessions(0)->set_client_id(43); }},
    {"a session expired",
     [](ShardSnapshot& s) { s.mutable_sessions(0)->mutable_session()->set_expired(true); }},
    {"a session's answer",
     [](ShardSnapshot& s) {
       s.mutable_sessions(0)->mutable_session()->mutable_last_response()->set_index(9);
     }},
    {"a session less", [](ShardSnapshot& s) { s.clear_sessions(); }},
  };
  for (auto& [what, change] : changes) {
    auto s = sample();
    change(s);
    EXPECT_NE(state_digest(s), base) << what;
  }
}

TEST(StateDigest, HexIsSixteenLowercaseDigits) {
  EXPECT_EQ(digest_hex(0), "0000000000000000");
  EXPECT_EQ(digest_hex(0xDEADBEEF0123ULL), "0000deadbeef0123");
}

TEST(Fnv1a, MatchesTheReferenceVectors) {
  // From the FNV reference test suite (FNV-1a, 64 bit).
  EXPECT_EQ(fnv1a::of(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a::of("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a::of("foobar"), 0x85944171f73967e8ULL);
}

} // namespace
