// tick_grid: when a periodic timer should fire next, on a grid shared by every
// timer of the same period, so that the timers of a node fire together.
//
// Why: a node hosts a replica of every shard, and each replica ticks every
// tick_ms. Timed from its own last tick, each replica's timer falls at its own
// phase: CAF's clock thread wakes once per replica per period, the scheduler
// once more when it was idle, and the leaders' heartbeats leave in separate
// turns, each as a frame of its own to every peer. On the grid (multiples of
// the period on the steady clock) the clock thread fires them all in one wake-
// up, the replicas tick in one turn and the transport sends their heartbeats
// as one frame per peer (it batches per turn); the nodes of one machine share
// the steady clock, so their heartbeats and acknowledgements meet too.
//
// A timer that fired late skips the grid points it missed instead of firing
// twice, and the next one is at least half a period away: k ticks never take
// less than (k - 1/2) periods, so a tick-counted timeout (an election timeout)
// is at most half a tick shorter than on a free-running timer. Pure: the
// caller passes the time.
#pragma once

#include <chrono>

namespace keel {

/// The first grid point of `period` that lies at least period / 2 after `now`.
/// REQUIRES: period > 0.
template <class TimePoint>
TimePoint next_grid_point(TimePoint now, typename TimePoint::duration period) {
  auto since = now.time_since_epoch();
  auto next = TimePoint{(since / period + 1) * period};
  if (next - now < period / 2)
    next += period;
  return next;
}

} // namespace keel
