#include "actors/monitor/core/phi_accrual.hpp"

#include <algorithm>
#include <cmath>

#include "actors/base/core/errors.hpp"

namespace keel::monitor {

phi_accrual::phi_accrual(phi_accrual_config cfg)
  : cfg_(cfg) {
  KEEL_ASSERT(cfg_.window >= 2, "phi needs at least two intervals to estimate a spread");
  KEEL_ASSERT(cfg_.threshold > 0, "a threshold of 0 suspects every node at once");
}

void phi_accrual::heartbeat(uint64_t now_ms) {
  if (!last_ms_) {
    // Akka seeds the window with two samples around the first estimate
    // (mean = estimate, std dev = estimate / 4), so that phi is meaningful
    // from the second heartbeat on instead of dividing by an empty window.
    auto est = cfg_.first_heartbeat_estimate_ms;
    add_interval(est - est / 4);
    add_interval(est + est / 4);
    last_ms_ = now_ms;
    return;
  }
  KEEL_ASSERT(now_ms >= *last_ms_, "heartbeat times must come from a monotonic clock");
  if (available(now_ms))
    add_interval(now_ms - *last_ms_);
  last_ms_ = now_ms;
}

double phi_accrual::phi(uint64_t now_ms) const {
  if (!last_ms_ || now_ms <= *last_ms_)
    return 0.0;
  auto elapsed = static_cast<double>(now_ms - *last_ms_);
  auto mean = mean_ms() + static_cast<double>(cfg_.acceptable_pause_ms);
  auto sd = std::max(std_dev_ms(), static_cast<double>(cfg_.min_std_dev_ms));
  return phi_of(elapsed, mean, std::max(sd, 1.0));
}

bool phi_accrual::available(uint64_t now_ms) const { return phi(now_ms) < cfg_.threshold; }

void phi_accrual::reset() {
  last_ms_.reset();
  intervals_.clear();
  sum_ = 0;
  sum_sq_ = 0;
}

double phi_accrual::mean_ms() const {
  return intervals_.empty() ? 0.0 : sum_ / static_cast<double>(intervals_.size());
}

double phi_accrual::std_dev_ms() const {
  if (intervals_.empty())
    return 0.0;
  auto n = static_cast<double>(intervals_.size());
  auto mean = sum_ / n;
  // Running sums can make the variance a tiny negative number by rounding.
  return std::sqrt(std::max(0.0, sum_sq_ / n - mean * mean));
}

void phi_accrual::add_interval(uint64_t interval_ms) {
  if (intervals_.size() == cfg_.window) {
    auto old = static_cast<double>(intervals_.front());
    sum_ -= old;
    sum_sq_ -= old * old;
    intervals_.pop_front();
  }
  auto x = static_cast<double>(interval_ms);
  intervals_.push_back(interval_ms);
  sum_ += x;
  sum_sq_ += x * x;
}

double phi_of(double elapsed_ms, double mean_ms, double std_dev_ms) {
  KEEL_ASSERT(std_dev_ms > 0, "phi of a zero spread divides by zero");
  // Logistic approximation of the normal CDF (Bowling et al. 2009), as in
  // Akka's PhiAccrualFailureDetector: F(y) ~ 1 / (1 + exp(-y (1.5976 + 0.070566 y^2))).
  auto y = (elapsed_ms - mean_ms) / std_dev_ms;
  auto e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  // P(later) = 1 - F(y) = e / (1 + e). Both branches compute it in the form
  // that keeps precision: the tail (e tiny) directly, the body via 1 - F.
  if (elapsed_ms > mean_ms)
    return -std::log10(e / (1.0 + e));
  return -std::log10(1.0 - 1.0 / (1.0 + e));
}

} // namespace keel::monitor
