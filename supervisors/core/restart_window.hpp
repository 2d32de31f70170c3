// OTP's restart intensity as a sliding window: a supervisor may restart at most
// `intensity` times within any `period_ms`. Owned by restart_policy; time comes
// in as an argument, so the window is deterministic under test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace keel::sup {

/// The restarts of one supervisor that still count against its intensity.
class restart_window {
public:
  restart_window(uint32_t intensity, uint32_t period_ms);

  /// Records a restart at `now_ms` and tells whether it is allowed.
  /// Returns false when the restarts within the last `period_ms` (this one
  /// included) exceed `intensity`: the supervisor must give up. Like OTP's
  /// add_restart, a restart at time t counts while now - t <= period.
  /// REQUIRES: now_ms never decreases from one call to the next.
  [[nodiscard]] bool admit(uint64_t now_ms);

  /// Restarts recorded within the window at the last admit().
  size_t size() const { return stamps_.size(); }

private:
  uint32_t intensity_;
  uint32_t period_ms_;
  std::deque<uint64_t> stamps_; // invariant: sorted, oldest first
};

} // namespace keel::sup
