// The tick grid that lines up a node's periodic timers (base/core/tick_grid.hpp):
// timers of one period land on the same points whatever their phase, a late
// timer skips what it missed, and no two ticks come closer than half a period.
#include <chrono>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "actors/base/core/tick_grid.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using keel::next_grid_point;

clock_type::time_point at(std::chrono::nanoseconds t) { return clock_type::time_point{t}; }

TEST(TickGrid, TimersOfOnePeriodMeetOnTheSamePointWhateverTheirPhase) {
  // Four replicas that ticked at 1, 3.2, 4.999 and 0 ms after a grid point.
  for (auto phase : {1000us, 3200us, 4999us, 0us})
    EXPECT_EQ(next_grid_point(at(70ms + phase), 10ms), at(80ms)) << phase.count();
}

TEST(TickGrid, TheNextTickIsAtLeastHalfAPeriodAway) {
  EXPECT_EQ(next_grid_point(at(75ms), 10ms), at(80ms));       // exactly half: kept
  EXPECT_EQ(next_grid_point(at(75ms + 1ns), 10ms), at(90ms)); // closer: the point after
  EXPECT_EQ(next_grid_point(at(79900us), 10ms), at(90ms));
}

TEST(TickGrid, ALateTimerSkipsThePointsItMissedInsteadOfFiringTwice) {
  // Fired 35 ms late for the point at 80 ms: the next tick is at 120, once.
  EXPECT_EQ(next_grid_point(at(115ms), 10ms), at(120ms));
}

TEST(TickGrid, KTicksNeverTakeLessThanKMinusAHalfPeriods) {
  // Each tick fires up to 9.9 ms late (a busy scheduler); the ticks counted
  // must still span at least (k - 1/2) periods, so an election timeout of k
  // ticks is never more than half a tick short.
  auto now = at(3ms);
  auto first = now;
  std::vector<int64_t> lateness_us{0, 9900, 100, 4999, 5001, 9999, 0, 7000};
  for (size_t k = 1; k <= 200; ++k) {
    now
      = next_grid_point(now, 10ms) + std::chrono::microseconds(lateness_us[k % lateness_us.size()]);
    EXPECT_GE(now - first, k * 10ms - 5ms) << "after " << k << " ticks";
  }
}

} // namespace
