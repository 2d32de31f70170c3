// session_index (actors/storage/core/session_index.hpp): the in-memory order
// of a shard's sessions that expiry and eviction read. Every applied write
// puts its client again, so a put that replaces must leave the index exactly
// as a fresh one built from the same records would be.
#include <cstdint>
#include <map>
#include <optional>
#include <random>

#include <gtest/gtest.h>

#include "actors/storage/core/session_index.hpp"

namespace {

using keel::storage::session_index;
using keel::storage::session_summary;

session_summary live(uint64_t seq, uint64_t used) {
  return {.last_seq = seq, .last_used_ms = used};
}

session_summary tombstone(uint64_t seq, uint64_t used) {
  return {.last_seq = seq, .last_used_ms = used, .expired = true};
}

TEST(SessionIndex, APutReplacesTheClientsSummaryAndItsPlaceInTheOrder) {
  session_index index;
  index.put(1, live(1, 100));
  index.put(2, live(1, 200));
  ASSERT_EQ(index.oldest_live()->client_id, 1u);
  index.put(1, live(2, 300)); // client 1 used again: client 2 is now the oldest
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.oldest_live(), (session_index::entry{2, live(1, 200)}));
  EXPECT_EQ(*index.find(1), live(2, 300));
  index.put(2, tombstone(1, 200)); // expired: out of the live order, into the other
  EXPECT_EQ(index.oldest_live(), (session_index::entry{1, live(2, 300)}));
  EXPECT_EQ(index.oldest_expired(), (session_index::entry{2, tombstone(1, 200)}));
  index.put(2, live(2, 400)); // and back
  EXPECT_EQ(index.oldest_expired(), std::nullopt);
  EXPECT_EQ(index.oldest_live(), (session_index::entry{1, live(2, 300)}));
  index.erase(1);
  index.erase(7); // unknown: nothing
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.oldest_live(), (session_index::entry{2, live(2, 400)}));
}

// A random run of puts and erases, against an index rebuilt from the same
// records after every step.
TEST(SessionIndex, PutsInPlaceLeaveWhatARebuildFromTheRecordsWouldHold) {
  std::mt19937_64 rng{7};
  session_index index;
  std::map<uint64_t, session_summary> records;
  for (int step = 0; step < 5000; ++step) {
    uint64_t client = rng() % 20;
    if (rng() % 10 == 0) {
      index.erase(client);
      records.erase(client);
    } else {
      auto s = rng() % 4 == 0 ? tombstone(rng() % 50, rng() % 100) : live(rng() % 50, rng() % 100);
      index.put(client, s);
      records[client] = s;
    }
    session_index rebuilt;
    for (const auto& [id, s] : records)
      rebuilt.put(id, s);
    ASSERT_EQ(index.size(), rebuilt.size()) << "step " << step;
    ASSERT_EQ(index.oldest_live(), rebuilt.oldest_live()) << "step " << step;
    ASSERT_EQ(index.oldest_expired(), rebuilt.oldest_expired()) << "step " << step;
    for (const auto& [id, s] : records)
      ASSERT_EQ(*index.find(id), s) << "step " << step;
    if (step % 250 == 0) // the whole order, not only its head
      for (auto a = index, b = rebuilt; a.size() > 0;) {
        auto next = a.oldest_live() ? a.oldest_live() : a.oldest_expired();
        ASSERT_EQ(next, b.oldest_live() ? b.oldest_live() : b.oldest_expired()) << "step " << step;
        a.erase(next->client_id);
        b.erase(next->client_id);
      }
  }
}

} // namespace
