#include "supervisors/core/restart_window.hpp"

namespace keel::sup {

restart_window::restart_window(uint32_t intensity, uint32_t period_ms)
  : intensity_(intensity),
    period_ms_(period_ms) {}

bool restart_window::admit(uint64_t now_ms) {
  stamps_.push_back(now_ms);
  // Slide: restarts older than the period no longer count, so crashes that
  // come slower than intensity/period never add up to an escalation.
  while (!stamps_.empty() && now_ms - stamps_.front() > period_ms_)
    stamps_.pop_front();
  return stamps_.size() <= intensity_;
}

} // namespace keel::sup
